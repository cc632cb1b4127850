import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEAUTY_PATH, sharedDataPath } from '../node/shared-data';

const ROOT = join(import.meta.dirname, '..', '..', '..');
let dir: string;
let data: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hearth-pretrain-'));
  // A slice of real Beauty, derived at run time (the data file itself never enters the repository).
  const lines = (await readFile(sharedDataPath(BEAUTY_PATH), 'utf8')).split('\n').slice(0, 600);
  data = join(dir, 'beauty-slice.txt');
  await writeFile(data, `${lines.join('\n')}\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function pretrain(
  out: string,
  extra: string[] = [],
): { child: ChildProcess; done: Promise<{ code: number; stdout: string; stderr: string }> } {
  const args = [
    '--data',
    data,
    '--format',
    'beauty',
    '--out',
    out,
    '--backend',
    'wasm',
    '--dim',
    '16',
    '--batch-size',
    '32',
  ];
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'models/src/cli/pretrain.ts'), ...args, ...extra],
    { cwd: ROOT },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => {
    stdout += b;
  });
  child.stderr.on('data', (b) => {
    stderr += b;
  });
  const done = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })),
  );
  return { child, done };
}

describe('npm run pretrain', () => {
  it('resumes from its checkpoint after being killed, and ships an artifact and metrics', async () => {
    const out = join(dir, 'model');
    const first = pretrain(out, ['--epochs', '4', '--validate-every', '1']);
    const checkpoint = join(out, 'checkpoint', 'state.json');
    // Kill -9 as soon as one epoch's checkpoint is on disk (S23: a crash mid-run).
    while (!existsSync(checkpoint) && first.child.exitCode === null)
      await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    await first.done;
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);

    const second = await pretrain(out, ['--epochs', '4', '--validate-every', '1', '--json']).done;
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/resuming from .*checkpoint after epoch [1-3]/);
    const metrics = JSON.parse(second.stdout.trim().split('\n').pop()!);
    expect(metrics.epochs).toBe(4);
    expect(metrics.history.map((h: { epoch: number }) => h.epoch)).toEqual([1, 2, 3, 4]);
    expect(metrics.backend).toBe('wasm');
    expect(metrics.test.full['NDCG@10']).toBeGreaterThan(0);
    expect(JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8')).epochs).toBe(4);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
    // A completed run leaves no checkpoint to "resume".
    expect(existsSync(join(out, 'checkpoint'))).toBe(false);
  }, 120_000);

  it('explains bad arguments with exit status 2', async () => {
    const result = await pretrain(join(dir, 'x'), ['--epochs', 'many']).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--epochs got 'many'/);
  });
});
