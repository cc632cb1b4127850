// Builds the SDK into sdk/dist (npm run build:sdk):
//   snippet.js        the loader snippet ('%HEARTH_SRC%' stands for the URL of hearth.js)
//   hearth.js         the main-thread bundle for the script tag (IIFE): capture, storage, consent,
//                     worker bootstrap. No TensorFlow.js.
//   hearth.mjs        the same API as an ES module, with types in types/index.d.ts
//   hearth-worker.js  the worker: TensorFlow.js core with the cpu and wasm backends only
//   hearth-webgpu.js  the webgpu backend, loaded by the worker only when a usable adapter exists
//   *.wasm            the wasm backend's binaries, fetched by the worker from beside itself
//   sizes.json        raw and gzipped sizes, which build.test.ts holds to their limits
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions as EsbuildOptions, type Plugin } from 'esbuild';

const sdk = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(sdk, '..');
export const DIST = join(sdk, 'dist');

export interface Size {
  file: string;
  bytes: number;
  gzip: number;
}

/** The size limits of issue 6 (gzipped bytes). */
export const LIMITS = { 'snippet.js': 1024, 'hearth.js': 15 * 1024 } as const;

const common: EsbuildOptions = {
  bundle: true,
  minify: true,
  legalComments: 'none',
  platform: 'browser',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
};

/**
 * zod (the model core validates manifests with it) re-exports its 40-odd message locales from one
 * index; the worker keeps English only, which zod uses by default. Saves about 250 KB raw.
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes('/node_modules/zod/')
        ? { path: 'zod-locales', namespace: 'zod-english' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-english' }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      resolveDir: root,
    }));
  },
};

function sizeOf(dir: string, file: string): Size {
  const bytes = readFileSync(join(dir, file));
  return { file, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

function emitTypes(outDir: string): void {
  // tsc writes the declarations of index.ts and what it re-exports; a tiny tsconfig (in the output
  // folder, so parallel builds never share one) says where.
  mkdirSync(outDir, { recursive: true });
  const config = join(outDir, 'tsconfig.types.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(root, 'tsconfig.base.json'),
      compilerOptions: {
        types: [],
        noEmit: false,
        declaration: true,
        emitDeclarationOnly: true,
        outDir,
        rootDir: join(sdk, 'src'),
      },
      files: [join(sdk, 'src/index.ts')],
    }),
  );
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', config], {
      stdio: 'inherit',
    });
  } finally {
    rmSync(config);
  }
}

/** The loader snippet for a page, with the URL of hearth.js filled in (build first). */
export function snippetFor(hearthJsUrl: string, dir: string = DIST): string {
  return readFileSync(join(dir, 'snippet.js'), 'utf8').replace('%HEARTH_SRC%', hearthJsUrl);
}

export interface BuildOptions {
  /** Output folder (default sdk/dist). Tests build into their own temporary folder. */
  outdir?: string;
  /** Emit .d.ts files (default true). */
  types?: boolean;
  /** Build the worker (default true). */
  worker?: boolean;
}

export async function buildSdk(options: BuildOptions = {}): Promise<Size[]> {
  const out = options.outdir ?? DIST;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await Promise.all([
    build({
      ...common,
      entryPoints: [join(sdk, 'src/snippet.ts')],
      outfile: join(out, 'snippet.js'),
      format: 'iife',
      target: 'es2017',
    }),
    build({
      ...common,
      entryPoints: [join(sdk, 'src/iife.ts')],
      outfile: join(out, 'hearth.js'),
      format: 'iife',
      target: 'es2020',
      sourcemap: true,
    }),
    build({
      ...common,
      entryPoints: [join(sdk, 'src/index.ts')],
      outfile: join(out, 'hearth.mjs'),
      format: 'esm',
      target: 'es2020',
      sourcemap: true,
    }),
    options.worker !== false &&
      build({
        ...common,
        entryPoints: [join(sdk, 'src/worker/webgpu.ts')],
        outfile: join(out, 'hearth-webgpu.js'),
        format: 'iife',
        target: 'es2020',
        alias: { '@tensorflow/tfjs-core': join(sdk, 'src/worker/tf-core-global.cjs') },
      }),
    options.worker !== false &&
      build({
        ...common,
        entryPoints: [join(sdk, 'src/worker/main.ts')],
        outfile: join(out, 'hearth-worker.js'),
        format: 'iife',
        target: 'es2020',
        // The model core imports the tfjs umbrella; the worker gets only the core and its own backends.
        alias: { '@tensorflow/tfjs': join(sdk, 'src/worker/tf.ts') },
        plugins: [zodEnglishOnly],
      }),
  ]);
  const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of readdirSync(wasmDir)) if (f.endsWith('.wasm')) copyFileSync(join(wasmDir, f), join(out, f));
  if (options.types !== false) emitTypes(join(out, 'types'));
  const workerFiles = ['hearth-worker.js', 'hearth-webgpu.js'];
  const files = ['snippet.js', 'hearth.js', 'hearth.mjs', ...workerFiles, 'tfjs-backend-wasm-simd.wasm'];
  const sizes = files
    .filter((f) => options.worker !== false || !workerFiles.includes(f))
    .map((f) => sizeOf(out, f));
  writeFileSync(join(out, 'sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
  return sizes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sizes = await buildSdk();
  console.table(
    sizes.map((s) => ({
      file: s.file,
      'KB raw': +(s.bytes / 1024).toFixed(1),
      'KB gzip': +(s.gzip / 1024).toFixed(2),
      'limit KB gzip': s.file in LIMITS ? LIMITS[s.file as keyof typeof LIMITS] / 1024 : '-',
    })),
  );
}
