/**
 * Symmetric int8 quantization with one scale per row: x̂ = q × scale_r, q in [-127, 127],
 * scale_r = max_j |x_rj| / 127 (stored as float32).
 *
 * Why per row: the tables we quantize are embedding tables, one row per item, and row norms differ a
 * lot (popular items grow larger vectors). One scale for the whole table, sized for the largest row,
 * would leave a rare item's small row only a few levels; a scale per row gives every row all 255
 * levels, for 4 bytes per row (12,101 rows × 64 dims: 47 KB of scales next to 774 KB of int8).
 *
 * Error bound (tested): |x - x̂| <= scale_r / 2 for every element of row r (rounding to the nearest
 * level), up to float32 rounding of x̂ (relative 2^-24).
 *
 * Rows: the first axis of a tensor of rank >= 2 (the rest flattened); a rank 0 or 1 tensor is one row.
 */
export function quantizationRows(shape: readonly number[]): number {
  return shape.length >= 2 ? shape[0]! : 1;
}

export function quantizeInt8PerRow(
  values: Float32Array,
  rows: number,
): { q: Int8Array; scales: Float32Array } {
  const cols = rows === 0 ? 0 : values.length / rows;
  const q = new Int8Array(values.length);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let j = r * cols; j < (r + 1) * cols; j++) max = Math.max(max, Math.abs(values[j]!));
    // Quantize against the float32 scale that will be stored, so the bound holds for what decodes.
    const scale = Math.fround(max / 127);
    scales[r] = scale;
    if (scale === 0) continue; // an all-zero row stays zero
    for (let j = r * cols; j < (r + 1) * cols; j++)
      q[j] = Math.max(-127, Math.min(127, Math.round(values[j]! / scale)));
  }
  return { q, scales };
}

export function dequantizeInt8PerRow(q: Int8Array, scales: Float32Array): Float32Array {
  const rows = scales.length;
  const cols = rows === 0 ? 0 : q.length / rows;
  const out = new Float32Array(q.length);
  for (let r = 0; r < rows; r++) {
    const scale = scales[r]!;
    for (let j = r * cols; j < (r + 1) * cols; j++) out[j] = q[j]! * scale;
  }
  return out;
}
