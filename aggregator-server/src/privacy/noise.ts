// Standard normal samples for the DP noise. Production noise must come from a cryptographically secure
// generator: a predictable generator lets anyone who knows its state subtract the noise again. Tests need
// reproducible samples, so a seeded generator exists too, under a name that says it is for tests only,
// and every source says which kind it is (`secure`), so the server can refuse the wrong one.

export interface GaussianSource {
  /** True only for the crypto-backed source. */
  readonly secure: boolean;
  /** One sample of N(0, 1). */
  next(): number;
}

/** Production: N(0, 1) from globalThis.crypto.getRandomValues (Web Crypto, in Node and browsers). */
export function secureGaussian(): GaussianSource {
  const crypto = globalThis.crypto;
  if (!crypto || typeof crypto.getRandomValues !== 'function')
    throw new Error('secureGaussian: globalThis.crypto.getRandomValues is not available');
  // getRandomValues fills at most 65,536 bytes per call; buffer to avoid one call per sample.
  const words = new Uint32Array(16_384);
  let pos = words.length;
  const nextWord = (): number => {
    if (pos === words.length) {
      crypto.getRandomValues(words);
      pos = 0;
    }
    return words[pos++]!;
  };
  return { secure: true, next: boxMuller(() => uniform53(nextWord(), nextWord())) };
}

/**
 * TESTS ONLY: reproducible N(0, 1) from a seeded xoshiro128** generator. Its output is predictable
 * from the seed, so noise drawn from it protects nothing; `secure` is false so a server can refuse it.
 */
export function seededGaussianForTestsOnly(seed: number): GaussianSource {
  const next32 = xoshiro128ss(seed);
  return { secure: false, next: boxMuller(() => uniform53(next32(), next32())) };
}

/** A uniform double in the open interval (0, 1) from 53 random bits (never 0, so log() is finite). */
function uniform53(a: number, b: number): number {
  const k = (a >>> 5) * 67_108_864 + (b >>> 6); // 27 + 26 bits
  return (k + 0.5) / 9_007_199_254_740_992; // 2^53
}

/** Box-Muller: two uniforms give two independent standard normals; hand them out one at a time. */
function boxMuller(uniform: () => number): () => number {
  let spare = Number.NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = Number.NaN;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const theta = 2 * Math.PI * uniform();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

/** xoshiro128** (Blackman and Vigna), state seeded by splitmix32 so any integer seed works. */
function xoshiro128ss(seed: number): () => number {
  let x = seed >>> 0;
  const splitmix32 = (): number => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let s0 = splitmix32();
  let s1 = splitmix32();
  let s2 = splitmix32();
  let s3 = splitmix32();
  return () => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
}

function rotl(v: number, k: number): number {
  return (v << k) | (v >>> (32 - k));
}
