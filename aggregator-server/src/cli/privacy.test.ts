import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ORDERS } from '../privacy';

// The CLI is tested as a user runs it: a separate process, its exit code, and its one JSON line.
const root = join(import.meta.dirname, '..', '..', '..');
const script = join(root, 'aggregator-server', 'src', 'cli', 'privacy.ts');

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('privacy CLI', () => {
  it('epsilon prints one JSON line with ε and the order (TF Privacy reference: 0.7242234026109595 at 19)', () => {
    const { code, stdout } = cli(
      'epsilon',
      '--q',
      '0.0025',
      '--z',
      '1.3',
      '--rounds',
      '6000',
      '--delta',
      '1e-5',
    );
    expect(code).toBe(0);
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(stdout);
    expect(Object.keys(out)).toEqual(['epsilon', 'order']);
    expect(Math.abs(out.epsilon / 0.7242234026109595 - 1)).toBeLessThan(1e-6);
    expect(out.order).toBe(19);
  });

  it('noise prints {"z":…}, the inverse of epsilon', () => {
    const { code, stdout } = cli(
      'noise',
      '--q',
      '0.0025',
      '--rounds',
      '6000',
      '--delta',
      '1e-5',
      '--epsilon',
      '0.7242234026109595',
    );
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(Object.keys(out)).toEqual(['z']);
    expect(out.z).toBeCloseTo(1.3, 6);
  });

  it('exits 2 with a message naming the flag for bad or missing arguments', () => {
    const cases: [string[], RegExp][] = [
      [
        ['epsilon', '--q', '2', '--z', '1', '--rounds', '3', '--delta', '1e-5'],
        /--q: expected a number in \(0, 1\], got '2'/,
      ],
      [['epsilon', '--q', '0.1', '--rounds', '3', '--delta', '1e-5'], /missing --z/],
      [
        ['epsilon', '--q', '0.1', '--z', 'abc', '--rounds', '3', '--delta', '1e-5'],
        /--z: expected a number > 0/,
      ],
      [
        ['epsilon', '--q', '0.1', '--z', '1', '--rounds', '2.5', '--delta', '1e-5'],
        /--rounds: expected an integer/,
      ],
      [['noise', '--q', '0.1', '--rounds', '3', '--delta', '1e-5'], /missing --epsilon/],
      [
        ['noise', '--q', '0.1', '--z', '1', '--rounds', '3', '--delta', '1e-5', '--epsilon', '1'],
        /--z does not apply/,
      ],
      [['epsilon', '--q', '0.1', '--zz', '1'], /Unknown option '--zz'/],
      [
        ['noise', '--q', '1', '--rounds', '100000', '--delta', '1e-5', '--epsilon', '1e-7'],
        /no noise multiplier/,
      ],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [[], /missing command/],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = cli(...args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
    }
  });

  it('--orders restricts the Rényi orders searched', () => {
    const { code, stdout } = cli(
      'epsilon',
      '--q',
      '0.01',
      '--z',
      '1',
      '--rounds',
      '100',
      '--delta',
      '1e-5',
      '--orders',
      '2,4,8',
    );
    expect(code).toBe(0);
    expect([2, 4, 8]).toContain(JSON.parse(stdout).order);
    const bad = cli(
      'epsilon',
      '--q',
      '0.01',
      '--z',
      '1',
      '--rounds',
      '100',
      '--delta',
      '1e-5',
      '--orders',
      '1,2',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--orders: expected comma-separated numbers > 1/);
  });

  it('--help prints usage and exits 0', () => {
    const { code, stdout } = cli('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('privacy epsilon --q Q --z Z --rounds T --delta D');
    expect(stdout).toContain('privacy noise --q Q --rounds T --delta D --epsilon E');
  });

  it('runs through the root npm script as documented', () => {
    const result = spawnSync(
      'npm',
      ['run', '-s', 'privacy', '--', 'epsilon', '--q', '1', '--z', '1', '--rounds', '1', '--delta', '1e-5'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout.trim());
    // q = 1, z = 1, one round: RDP is α/2 at every order, so ε is a closed-form minimum over the orders.
    const candidates = DEFAULT_ORDERS.map((a) => ({
      order: a,
      epsilon: a / 2 + Math.log1p(-1 / a) - Math.log(1e-5 * a) / (a - 1),
    }));
    const best = candidates.reduce((m, c) => (c.epsilon < m.epsilon ? c : m));
    expect(out.order).toBe(best.order);
    expect(out.epsilon).toBeCloseTo(best.epsilon, 12);
  });
});
