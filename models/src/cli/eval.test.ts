import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REES46_PATH, sharedDataPath } from '../node/shared-data';

const root = join(import.meta.dirname, '..', '..', '..');
const evalCli = (...args: string[]) =>
  spawnSync(
    join(root, 'node_modules', '.bin', 'tsx'),
    [join(root, 'models', 'src', 'cli', 'eval.ts'), ...args],
    {
      encoding: 'utf8',
      cwd: root,
    },
  );

describe('eval CLI', () => {
  it('exits 2 with a clear message on bad arguments', () => {
    const r = evalCli('--baseline', 'popularity', '--data', 'x', '--protocol', 'sampled50');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("eval: --protocol must be one of full, sampled100, got 'sampled50'");
    expect(r.stdout).toBe('');
  });

  it('prints one JSON line for the popularity baseline', () => {
    const r = evalCli(
      '--baseline',
      'popularity',
      '--data',
      sharedDataPath(REES46_PATH),
      '--format',
      'rees46',
      '--json',
    );
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBe(1);
    const out = JSON.parse(lines[0]!);
    expect(Object.keys(out)).toEqual([
      'protocol',
      'users',
      'HR@5',
      'NDCG@5',
      'HR@10',
      'NDCG@10',
      'HR@20',
      'NDCG@20',
    ]);
    expect(out.protocol).toBe('full');
    expect(out.users).toBeGreaterThan(0);
    expect(out['HR@20']).toBeGreaterThanOrEqual(out['HR@10']);
  });

  it('exits 1 naming the file and lines when the data does not fit the format', () => {
    const r = evalCli(
      '--baseline',
      'popularity',
      '--data',
      sharedDataPath(REES46_PATH),
      '--format',
      'taobao',
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/2019-Oct-sample\.csv: 1001 of 1001 lines are malformed/);
    expect(r.stderr).toMatch(/2019-Oct-sample\.csv:1: expected 5 fields/);
  });
});
