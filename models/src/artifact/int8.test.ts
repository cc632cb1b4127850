import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../eval/rng';
import { dequantizeInt8PerRow, quantizationRows, quantizeInt8PerRow } from './int8';

describe('int8 per-row quantization', () => {
  it('keeps every element within scale/2 of its row, rows of very different norms alike', () => {
    const random = mulberry32(3);
    const rows = 50;
    const cols = 64;
    const x = new Float32Array(rows * cols);
    // Row r has magnitude 10^(r/10 - 3): from 0.001 to about 80.
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < cols; j++) x[r * cols + j] = (random() * 2 - 1) * 10 ** (r / 10 - 3);
    const { q, scales } = quantizeInt8PerRow(x, rows);
    const back = dequantizeInt8PerRow(q, scales);
    for (let r = 0; r < rows; r++) {
      let max = 0;
      for (let j = 0; j < cols; j++) max = Math.max(max, Math.abs(x[r * cols + j]!));
      expect(scales[r]).toBeCloseTo(max / 127, 6 - Math.ceil(Math.log10(max + 1e-9)));
      for (let j = 0; j < cols; j++) {
        const err = Math.abs(x[r * cols + j]! - back[r * cols + j]!);
        expect(err).toBeLessThanOrEqual((scales[r]! / 2) * (1 + 1e-6));
      }
    }
  });

  it('maps the row maximum to ±127 and keeps an all-zero row zero', () => {
    const x = Float32Array.of(0.5, -1, 0.25, 0, 0, 0);
    const { q, scales } = quantizeInt8PerRow(x, 2);
    expect([...q.slice(0, 3)]).toEqual([64, -127, 32]);
    expect(scales[1]).toBe(0);
    expect([...dequantizeInt8PerRow(q, scales).slice(3)]).toEqual([0, 0, 0]);
  });

  it('takes rows along the first axis; rank 0 and 1 tensors are one row', () => {
    expect(quantizationRows([12101, 64])).toBe(12101);
    expect(quantizationRows([2, 3, 4])).toBe(2);
    expect(quantizationRows([64])).toBe(1);
    expect(quantizationRows([])).toBe(1);
  });
});
