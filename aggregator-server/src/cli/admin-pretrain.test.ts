// `npm run admin -- pretrain` end to end: the model core's pretraining on a few hundred lines of the
// real Amazon Beauty data, one epoch, then the artifact registered on a real server as a new base
// version that becomes latest, byte for byte what the pretraining wrote.

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from '../testing/server';
import { main } from './admin';

const BEAUTY = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  '..',
  'shared',
  'data',
  'amazon-beauty',
  'Beauty.txt',
);
let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'hearth-admin-pretrain-'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function admin(...args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await main(
    args,
    { HEARTH_SERVER_URL: server.url, HEARTH_ADMIN_TOKEN: ADMIN },
    (s) => {
      stdout += `${s}\n`;
    },
    () => {},
  );
  return { code, stdout };
}

describe('admin pretrain', () => {
  it('trains one epoch on 300 Beauty users and registers the artifact as the new latest base version', async () => {
    const lines = (await readFile(BEAUTY, 'utf8')).split('\n').slice(0, 300);
    const data = join(dir, 'beauty-300.txt');
    await writeFile(data, `${lines.join('\n')}\n`);
    const out = join(dir, 'model');
    const before = JSON.parse((await admin('models', 'list')).stdout) as { versions: { version: number }[] };

    const run = await admin(
      'pretrain',
      ...['--data', data, '--format', 'beauty', '--out', out, '--epochs', '1', '--backend', 'wasm'],
      ...['--dim', '8', '--blocks', '1', '--max-len', '10', '--negatives', '64', '--batch-size', '64'],
    );
    expect(run.code).toBe(0);
    const registered = JSON.parse(run.stdout) as { version: number; parent: number | null };
    expect(registered.version).toBe(Math.max(...before.versions.map((v) => v.version)) + 1);
    expect(registered.parent).toBeNull();

    const list = JSON.parse((await admin('models', 'list')).stdout) as { latest: number };
    expect(list.latest).toBe(registered.version);
    // what the server serves is exactly what pretraining wrote
    const served = await fetch(`${server.url}/v1/models/${registered.version}/weights.bin`);
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    expect(sha(new Uint8Array(await served.arrayBuffer()))).toBe(
      sha(await readFile(join(out, 'weights.bin'))),
    );
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    const servedManifest = await (
      await fetch(`${server.url}/v1/models/${registered.version}/manifest.json`)
    ).json();
    expect(manifest.tensors.length).toBeGreaterThan(0);
    expect(servedManifest.tensors).toEqual(manifest.tensors);
    expect(servedManifest.weightsSha256).toBe(manifest.weightsSha256);
    // one epoch, as asked
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.epochs).toBe(1);
  }, 120_000);
});
