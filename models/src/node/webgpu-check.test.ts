import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { swiftShaderEnv } from './backends';
import type { GradientComparison } from './webgpu-check';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('webgpu backend in Node (Dawn + SwiftShader)', () => {
  // No skip when the adapter is missing: CI installs chromium, which ships SwiftShader, so a missing
  // adapter is a broken GPU path and must fail here.
  it('computes the same training gradients as wasm', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'models/src/node/webgpu-check.ts')],
      {
        cwd: ROOT,
        env: swiftShaderEnv(),
        timeout: 110_000,
      },
    );
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as GradientComparison;
    expect(result.backend).toMatch(/^webgpu \(.*SwiftShader/i);
    expect(result.lossWebgpu).toBeCloseTo(result.lossWasm, 3);
    const names = Object.keys(result.maxRelativeDiff);
    expect(names).toContain('item_embedding');
    expect(names).toContain('block1/attention/query/kernel');
    for (const [name, diff] of Object.entries(result.maxRelativeDiff)) {
      expect(diff, name).toBeLessThan(1e-3);
    }
  }, 120_000);
});
