// The size limits of the SDK's bundles (issue 6), checked on a real build: the snippet under 1 KB
// gzipped, the main-thread bundle under 15 KB gzipped and free of TensorFlow.js; the worker's size is
// reported (it loads in the worker only, after the page is interactive).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSdk, LIMITS, type Size } from '../scripts/build';

let out: string;
let sizes: Size[];

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'hearth-size-'));
  sizes = await buildSdk({ outdir: out, types: true });
});

afterAll(() => rmSync(out, { recursive: true, force: true }));

const size = (file: string) => sizes.find((s) => s.file === file)!;

describe('SDK bundles', () => {
  it('the snippet is under 1 KB gzipped', () => {
    expect(size('snippet.js').gzip).toBeLessThan(LIMITS['snippet.js']);
  });

  it('the main-thread bundle is under 15 KB gzipped and holds no TensorFlow.js', () => {
    expect(size('hearth.js').gzip).toBeLessThan(LIMITS['hearth.js']);
    const code = readFileSync(join(out, 'hearth.js'), 'utf8');
    expect(code).not.toMatch(/tfjs|tensorflow|WebGLRenderingContext/i);
  });

  it('the worker carries the cpu and wasm backends, webgpu comes apart, and none of webgl, layers, converter', () => {
    const worker = size('hearth-worker.js');
    const webgpu = size('hearth-webgpu.js');
    console.info(
      `worker: ${(worker.bytes / 1024).toFixed(0)} KB (${(worker.gzip / 1024).toFixed(0)} KB gzipped); ` +
        `webgpu backend: ${(webgpu.bytes / 1024).toFixed(0)} KB (${(webgpu.gzip / 1024).toFixed(0)} KB gzipped)`,
    );
    const code = readFileSync(join(out, 'hearth-worker.js'), 'utf8');
    expect(code).toContain('tfjs-backend-wasm-simd.wasm');
    expect(code).toContain('hearth-webgpu.js');
    expect(code).not.toMatch(/WebGL2RenderingContext|loadGraphModel|tf\.layers|GPUBufferUsage/);
    expect(worker.gzip).toBeGreaterThan(50_000); // really the worker, not an empty shell
    // The webgpu file uses the worker's core instead of bundling its own copy.
    const gpu = readFileSync(join(out, 'hearth-webgpu.js'), 'utf8');
    expect(gpu).toContain('__hearthTfCore');
    expect(gpu).toMatch(/GPUBufferUsage/);
    expect(webgpu.bytes).toBeLessThan(400_000);
  });

  it('emits the ESM build with type declarations', () => {
    expect(readFileSync(join(out, 'hearth.mjs'), 'utf8')).toMatch(/export\s*\{/);
    const types = readFileSync(join(out, 'types', 'index.d.ts'), 'utf8');
    expect(types).toContain('HearthConfig');
    expect(types).toMatch(/rank/);
  });
});
