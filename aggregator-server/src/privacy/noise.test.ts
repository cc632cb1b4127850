import { describe, expect, it } from 'vitest';
import { type GaussianSource, secureGaussian, seededGaussianForTestsOnly } from './noise';

function moments(source: GaussianSource, n: number): { mean: number; sd: number; within1: number } {
  let sum = 0;
  let sumSq = 0;
  let within1 = 0;
  for (let i = 0; i < n; i++) {
    const x = source.next();
    sum += x;
    sumSq += x * x;
    if (Math.abs(x) <= 1) within1++;
  }
  const mean = sum / n;
  return { mean, sd: Math.sqrt(sumSq / n - mean * mean), within1: within1 / n };
}

describe('Gaussian sources', () => {
  // n = 200,000 samples. Five-sigma bounds: the mean's sd is 1/√n, the sample sd's is about 1/√(2n),
  // and the fraction within ±1 (0.682689) has sd √(p(1−p)/n).
  const n = 200_000;
  const checkStandardNormal = (source: GaussianSource) => {
    const m = moments(source, n);
    expect(Math.abs(m.mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m.sd - 1)).toBeLessThan(5 / Math.sqrt(2 * n));
    expect(Math.abs(m.within1 - 0.682689)).toBeLessThan(5 * Math.sqrt((0.682689 * 0.317311) / n));
  };

  it('the secure source gives standard normal samples and says it is secure', () => {
    const source = secureGaussian();
    expect(source.secure).toBe(true);
    checkStandardNormal(source);
  });

  it('the seeded source gives standard normal samples and says it is NOT secure', () => {
    const source = seededGaussianForTestsOnly(42);
    expect(source.secure).toBe(false);
    checkStandardNormal(source);
  });

  it('the seeded source is reproducible and differs between seeds', () => {
    const a = seededGaussianForTestsOnly(7);
    const b = seededGaussianForTestsOnly(7);
    const c = seededGaussianForTestsOnly(8);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('the secure source is not reproducible (two sources draw different samples)', () => {
    const a = secureGaussian();
    const b = secureGaussian();
    expect([a.next(), a.next()]).not.toEqual([b.next(), b.next()]);
  });
});
