import { describe, expect, it } from 'vitest';
import { logErfc } from './log-erfc';

describe('logErfc', () => {
  // Reference values from mpmath at 50 digits, rounded to the nearest double: log(erfc(x)).
  const references: [number, number][] = [
    [-3, 0.6931361352504468],
    [-0.25, 0.24398594388138442],
    [1e-6, -1.1283798037153877e-6],
    [0.7, -1.1325865135143411],
    [1.99, -5.320852015139977],
    [2.5, -7.806815272727264],
    [12, -147.06071417798702],
    [40, -1604.2615566532736], // erfc(40) underflows a double; its log does not
    [1e4, -100000009.78270532],
  ];

  it.each(references)('log(erfc(%d)) matches mpmath to 1e-13 relative', (x, reference) => {
    expect(Math.abs((logErfc(x) - reference) / reference)).toBeLessThan(1e-13);
  });

  it('is exact at 0 and tends to log 2 far left', () => {
    expect(Math.abs(logErfc(0))).toBe(0);
    expect(logErfc(-40)).toBe(Math.log(2));
  });

  it('is continuous across the switch between series and continued fraction at x = 2', () => {
    const below = logErfc(2 - 1e-12);
    const above = logErfc(2);
    expect(Math.abs(below - above)).toBeLessThan(1e-10);
  });
});
