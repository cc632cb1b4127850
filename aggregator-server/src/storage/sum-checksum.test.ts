import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256Hex } from './blobs';
import { fileBlobs } from './file-blobs';
import { sumChecksum, verifiedSum } from './sum-checksum';
import { ChecksumError } from './types';

const sum = () => new Uint8Array(Float64Array.from({ length: 1000 }, (_, i) => i * 0.25).buffer);

describe('running-sum checksums', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-sum-checksum-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('CRC-32 with the length: matches, and names the sum when a byte or the length differs', () => {
    const bytes = sum();
    const checksum = sumChecksum(bytes);
    expect(checksum).toMatch(/^crc32:8000:[0-9a-f]{8}$/);
    expect(verifiedSum('s', checksum, bytes)).toBe(bytes);
    const flipped = bytes.slice();
    flipped[4321] = flipped[4321]! ^ 0x10;
    expect(() => verifiedSum('sum-r1-a-0', checksum, flipped)).toThrow(/running sum sum-r1-a-0/);
    expect(() => verifiedSum('s', checksum, flipped)).toThrow(ChecksumError);
    expect(() => verifiedSum('s', checksum, bytes.subarray(0, 4000))).toThrow(ChecksumError);
  });

  it('a SHA-256 recorded by an older version is still verified as one', () => {
    const bytes = sum();
    expect(verifiedSum('s', sha256Hex(bytes), bytes)).toBe(bytes);
    expect(() => verifiedSum('s', sha256Hex(bytes), bytes.subarray(8))).toThrow(ChecksumError);
  });

  it('a checksum of neither form is refused, not taken as a match', () => {
    expect(() => verifiedSum('s', 'crc32:8000:xyz', sum())).toThrow(/unknown checksum/);
    expect(() => verifiedSum('s', '', sum())).toThrow(ChecksumError);
  });

  it('a sum file torn or corrupted on disk is refused on read (file store)', async () => {
    const blobs = fileBlobs(dir);
    const checksum = await blobs.putNamed('sum-r1-a-1', sum());
    expect(await blobs.getNamed('sum-r1-a-1', checksum)).toEqual(sum());
    const path = join(dir, 'sums', 'sum-r1-a-1.f64');
    const torn = readFileSync(path);
    torn.fill(0, 4000);
    writeFileSync(path, torn);
    await expect(blobs.getNamed('sum-r1-a-1', checksum)).rejects.toThrow(ChecksumError);
  });
});
