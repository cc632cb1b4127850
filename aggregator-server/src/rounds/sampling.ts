// Poisson sampling of check-ins: each client is in a round independently with probability q, the rate
// the privacy accountant assumes. The coin is a keyed hash of (round, client), not a fresh random draw,
// so checking in again cannot re-roll it: a client that was not sampled stays not sampled.

import { createHmac } from 'node:crypto';

/** A uniform number in [0, 1) derived from HMAC-SHA256(secret, round | client). */
export function samplingCoin(secret: string, roundId: number, clientId: string): number {
  const mac = createHmac('sha256', secret).update(`sample\0${roundId}\0${clientId}`).digest();
  // 53 bits: the mantissa of a double
  const hi = mac.readUInt32BE(0) >>> 5; // 27 bits
  const lo = mac.readUInt32BE(4) >>> 6; // 26 bits
  return (hi * 67_108_864 + lo) / 9_007_199_254_740_992;
}

export function isSampled(secret: string, roundId: number, clientId: string, q: number): boolean {
  return samplingCoin(secret, roundId, clientId) < q;
}
