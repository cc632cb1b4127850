// The checksum of a running sum's bytes (round_partials.sum_sha256; the column keeps its old name).
// Sums are named by (round, replica, slot), never by their content, so this checksum does not keep two
// sums apart: it only has to catch a slot that is torn or corrupted (S23), and CRC-32 with the length
// does that at under a third of SHA-256's cost (0.14 against 0.47 ms per 800 KB sum, once per group
// commit). Weights stay content-addressed by SHA-256 (blobs.ts). Rows written before this carry a
// SHA-256 (64 hex digits) and are still verified as one.

import { crc32 } from 'node:zlib';
import { sha256Hex } from './blobs';
import { ChecksumError } from './types';

const CRC = /^crc32:(\d+):([0-9a-f]{8})$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** `crc32:<byte length>:<CRC-32, 8 hex digits>`. */
export function sumChecksum(bytes: Uint8Array): string {
  return `crc32:${bytes.length}:${crc32(bytes).toString(16).padStart(8, '0')}`;
}

/** `bytes` if they match `checksum` (either form); ChecksumError naming the sum otherwise. */
export function verifiedSum(name: string, checksum: string, bytes: Uint8Array): Uint8Array {
  const actual = CRC.test(checksum) ? sumChecksum(bytes) : SHA256.test(checksum) ? sha256Hex(bytes) : null;
  if (actual === null)
    throw new ChecksumError(`running sum ${name}: unknown checksum ${JSON.stringify(checksum)}`);
  if (actual !== checksum)
    throw new ChecksumError(`running sum ${name}: stored bytes give ${actual}, recorded ${checksum}`);
  return bytes;
}
