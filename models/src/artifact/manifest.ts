import { z } from 'zod';

export const ARTIFACT_FORMAT = 'hearth-model';
export const ARTIFACT_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const WEIGHTS_FILE = 'weights.bin';

export const TENSOR_DTYPES = ['float32', 'float16', 'int8', 'int32'] as const;
export type TensorDtype = (typeof TENSOR_DTYPES)[number];

/** Bytes per stored element of each dtype. */
export const DTYPE_BYTES: Record<TensorDtype, number> = { float32: 4, float16: 2, int8: 1, int32: 4 };

const count = z.number().int().nonnegative();

/** int8 tensors carry one float32 scale per row (see int8.ts), stored in the weights file too. */
export const Int8Quantization = z
  .object({
    scheme: z.literal('int8-symmetric-per-row'),
    rows: count,
    scalesByteOffset: count,
    scalesByteLength: count,
  })
  .strict();

export const TensorEntry = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.:/-]+$/, 'letters, digits and _ . : / - only'),
    shape: z.array(count),
    dtype: z.enum(TENSOR_DTYPES),
    byteOffset: count,
    byteLength: count,
    quantization: Int8Quantization.optional(),
  })
  .strict();
export type TensorEntry = z.infer<typeof TensorEntry>;

export const Catalog = z
  .object({
    /** itemIds[i] = the shop's id of item index i; itemIds[0] = '' (padding). */
    itemIds: z.array(z.string()),
    categoryNames: z.array(z.string()).optional(),
    brandNames: z.array(z.string()).optional(),
  })
  .strict();
export type Catalog = z.infer<typeof Catalog>;

/**
 * manifest.json of a model artifact. The weights file is the tensors' bytes back to back (each region
 * 8-byte aligned, little-endian), and weightsSha256 is the SHA-256 of the whole file.
 */
export const Manifest = z
  .object({
    format: z.literal(ARTIFACT_FORMAT),
    formatVersion: z.literal(ARTIFACT_FORMAT_VERSION),
    /** The model's architecture config: opaque here, the model code validates it. */
    architecture: z.record(z.string(), z.unknown()),
    catalog: Catalog,
    tensors: z.array(TensorEntry),
    weightsBytes: count,
    weightsSha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits'),
    /** Caller-supplied facts (createdAt, metrics, training data...). */
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type Manifest = z.infer<typeof Manifest>;

export class ArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactError';
  }
}

/** Validates a parsed manifest.json, naming every bad field (`manifest.tensors.2.shape: ...`). */
export function parseManifest(value: unknown): Manifest {
  const r = Manifest.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map(
    (i) => `manifest${i.path.map((p) => `.${String(p)}`).join('')}: ${i.message}`,
  );
  throw new ArtifactError(`invalid model manifest: ${issues.join('; ')}`);
}

/**
 * manifest.json text: one line per top-level field and per tensor, so a person can read it, while the
 * catalogue's 10,000s of item ids stay on one line instead of one line each (half the bytes).
 */
export function serializeManifest(manifest: Manifest): string {
  const fields = Object.entries(manifest).map(([key, value]) =>
    key === 'tensors'
      ? `  "tensors": [\n${(value as unknown[]).map((t) => `    ${JSON.stringify(t)}`).join(',\n')}\n  ]`
      : `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`,
  );
  return `{\n${fields.join(',\n')}\n}\n`;
}
