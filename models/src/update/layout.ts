// Checking and naming a tensor layout. A round announces its layout as names + shapes plus a short hash
// of them, so a client can tell at a glance whether the model it holds still matches the round.

import {
  MAX_RANK,
  MAX_TENSORS,
  MAX_VALUES,
  NAME_PATTERN,
  type TensorLayout,
  UpdateFormatError,
} from './format';

/** Throws UpdateFormatError naming the first bad tensor; returns the total value count. */
export function checkLayout(layout: TensorLayout): number {
  if (layout.length < 1 || layout.length > MAX_TENSORS)
    throw new UpdateFormatError('tensorCount', `must be 1..${MAX_TENSORS}, got ${layout.length}`);
  const seen = new Set<string>();
  let total = 0;
  layout.forEach((t, i) => {
    const field = `tensors[${i}]`;
    if (!NAME_PATTERN.test(t.name))
      throw new UpdateFormatError(
        `${field}.name`,
        `must match ${NAME_PATTERN}, got ${JSON.stringify(t.name)}`,
      );
    if (seen.has(t.name)) throw new UpdateFormatError(`${field}.name`, `duplicate tensor name "${t.name}"`);
    seen.add(t.name);
    if (t.shape.length > MAX_RANK)
      throw new UpdateFormatError(`${field}.shape`, `rank must be <= ${MAX_RANK}, got ${t.shape.length}`);
    let size = 1;
    for (const d of t.shape) {
      if (!Number.isInteger(d) || d < 1 || d > MAX_VALUES)
        throw new UpdateFormatError(`${field}.shape`, `dims must be integers 1..${MAX_VALUES}, got ${d}`);
      size *= d;
    }
    total += size;
    if (total > MAX_VALUES)
      throw new UpdateFormatError(`${field}.shape`, `the layout holds more than ${MAX_VALUES} values`);
  });
  return total;
}

/**
 * Compares an update's layout with the one a round expects. Throws UpdateFormatError naming the first
 * tensor that is missing, extra, renamed or of another shape.
 */
export function requireLayout(actual: TensorLayout, expected: TensorLayout): void {
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a.name !== e.name)
      throw new UpdateFormatError(`tensors[${i}].name`, `expected "${e.name}", got "${a.name}"`);
    if (a.shape.length !== e.shape.length || a.shape.some((d, k) => d !== e.shape[k]))
      throw new UpdateFormatError(
        `tensors[${i}].shape`,
        `tensor "${e.name}" must have shape [${e.shape.join(',')}], got [${a.shape.join(',')}]`,
      );
  }
  if (actual.length < expected.length)
    throw new UpdateFormatError(
      'tensorCount',
      `missing tensor "${expected[n]!.name}" (expected ${expected.length})`,
    );
  if (actual.length > expected.length)
    throw new UpdateFormatError(
      'tensorCount',
      `extra tensor "${actual[n]!.name}" (expected ${expected.length})`,
    );
}

/** A canonical one-line spelling of a layout, e.g. `enc/w:4x8;enc/b:8` (a scalar has an empty shape). */
export function layoutKey(layout: TensorLayout): string {
  return layout.map((t) => `${t.name}:${t.shape.join('x')}`).join(';');
}

/**
 * 64-bit FNV-1a of layoutKey, as 16 hex digits. Not cryptographic: it names a layout, it does not
 * protect one (the server compares the full layout anyway).
 */
export function layoutHash(layout: TensorLayout): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (const byte of new TextEncoder().encode(layoutKey(layout))) {
    h ^= BigInt(byte);
    h = (h * prime) & mask;
  }
  return h.toString(16).padStart(16, '0');
}
