// Starts a worker thread on a TypeScript module. The server's TypeScript runs through tsx's loader, and
// on Node 20 a worker thread does not inherit the loader's hooks (nor does `--import tsx` in its
// execArgv take), so the worker's first step registers tsx itself and then imports the module.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

let api: string | null = null;

/** file: URL of tsx's ESM register API, found through its package.json (the exports say where). */
function tsxApi(): string {
  if (api) return api;
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  const entry = pkg.exports['./esm/api']?.import.default;
  if (!entry) throw new Error('tsx: its package.json names no ./esm/api entry');
  api = pathToFileURL(join(dirname(pkgPath), entry)).href;
  return api;
}

export function startTsWorker(module: URL, workerData: unknown): Worker {
  const boot = `import(${JSON.stringify(tsxApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
