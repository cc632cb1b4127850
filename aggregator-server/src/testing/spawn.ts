// The aggregator as a child process (main.ts through tsx), for crash and multi-replica tests.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, WEIGHTS_FILE } from '@hearth/models';
import type { Json } from './client';
import { testArtifact } from './model';
import { ADMIN, SECRET } from './server';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const MAIN = join(ROOT, 'aggregator-server', 'src', 'main.ts');

export interface ChildServer {
  readonly url: string;
  readonly proc: ChildProcess;
  /** Resolves with the first log line matching `pattern`. */
  waitForLog(pattern: RegExp, ms?: number): Promise<string>;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** Writes the test model as an artifact directory (manifest.json + weights.bin). */
export async function writeSeedModel(dir: string): Promise<string> {
  const a = await testArtifact();
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(a.manifest));
  await writeFile(join(dir, WEIGHTS_FILE), a.weights);
  return dir;
}

export async function spawnServer(
  env: Record<string, string>,
  config: unknown,
  /** Extra flags for node itself (the benchmark's --cpu-prof, which NODE_OPTIONS does not take). */
  nodeArgs: readonly string[] = [],
): Promise<ChildServer> {
  const configFile = join(
    env.HEARTH_CONFIG_DIR ?? '/tmp',
    `hearth-${process.pid}-${Date.now()}-${Math.random()}.json`,
  );
  await writeFile(configFile, JSON.stringify(config));
  // node itself with tsx's loader (not the tsx CLI, which would run the server in a grandchild that
  // a SIGKILL to the CLI would leave running)
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      HEARTH_SECRET: SECRET,
      HEARTH_ADMIN_TOKEN: ADMIN,
      HEARTH_HOST: '127.0.0.1',
      HEARTH_PORT: '0',
      HEARTH_LOG_LEVEL: 'info',
      HEARTH_CONFIG: configFile,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (l: string) => void }[] = [];
  let stderr = '';
  let buffer = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters])
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      nl = buffer.indexOf('\n');
    }
  });
  proc.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const waitForLog = (pattern: RegExp, ms = 60_000) =>
    new Promise<string>((resolve, reject) => {
      const hit = lines.find((l) => pattern.test(l));
      if (hit) return resolve(hit);
      const timer = setTimeout(
        () => reject(new Error(`no log line ${pattern} in ${ms} ms; stderr: ${stderr.slice(-2000)}`)),
        ms,
      );
      waiters.push({
        pattern,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`server exited before logging ${pattern}; stderr: ${stderr.slice(-2000)}`));
      });
    });
  let listening: { url: string };
  try {
    listening = JSON.parse(await waitForLog(/"event":"listening"/)) as { url: string };
  } catch (e) {
    // never leave a half-started server behind
    proc.kill('SIGKILL');
    throw e;
  }
  const url = listening.url;
  return {
    url,
    proc,
    waitForLog,
    async admin(method, path, body) {
      const res = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: await res.json() };
    },
    async kill9() {
      proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
