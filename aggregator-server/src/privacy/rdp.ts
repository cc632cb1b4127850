// Rényi differential privacy of one round of the Poisson-subsampled Gaussian mechanism: each client
// takes part independently with probability q, and the sum of their (clipped, sensitivity-1-scaled)
// updates gets Gaussian noise with noise multiplier σ = z. Mironov, Talwar, Zhang 2019, "Rényi
// Differential Privacy of the Sampled Gaussian Mechanism" (arXiv:1908.10530), Section 3.3: the RDP at
// order α is  ε(α) = log(A_α) / (α − 1),  with
//   integer α:     A_α = Σ_{i=0..α} C(α,i) (1−q)^(α−i) q^i exp((i² − i) / (2σ²))
//   fractional α:  A_α = A₀ + A₁, two series over i = 0, 1, 2, … with generalised binomials C(α,i):
//     A₀ = Σ C(α,i) q^i (1−q)^(α−i) exp((i² − i)/(2σ²)) · ½ erfc((i − z₀) / (√2 σ))
//     A₁ = Σ C(α,i) q^(α−i) (1−q)^i exp(((α−i)² − (α−i))/(2σ²)) · ½ erfc((z₀ − (α−i)) / (√2 σ))
//     where z₀ = σ² log(1/q − 1) + ½.
// Everything is computed in log-space (log-sum-exp) so that large orders neither overflow nor lose
// the small terms; this follows the structure of Google's dp_accounting rdp_privacy_accountant.py.

import { requireNumber } from './checks';
import { logErfc } from './log-erfc';
import { logSumExp, logSumExpSigned } from './log-math';

/** The orders TensorFlow Privacy, Opacus and dp_accounting use: 1.1, 1.2, …, 10.9, 12, …, 63, 128, 256, 512. */
export const DEFAULT_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10),
  ...Array.from({ length: 52 }, (_, k) => 12 + k),
  128,
  256,
  512,
]);

/**
 * Stop a fractional series once both new terms are below e^-30 relative to what is measured: A_α ≥ 1,
 * but the RDP is log(A_α) ≈ A_α − 1 = O(q²/σ²) for small q, so the cut-off shrinks with q²/σ² too
 * (dp_accounting uses a flat e^-30, which leaves ~1e-7 relative error at q = 0.001).
 */
const SERIES_CUTOFF = -30;
/**
 * The series converge only polynomially when σ is large and q is not small (1e5 terms at q = 0.5,
 * σ = 20). Past this many terms the order falls back to the ceiling integer order (see below).
 */
const MAX_SERIES_TERMS = 100_000;

/**
 * RDP ε(α) of one round of the Poisson-subsampled Gaussian mechanism at each order.
 * q = 0 costs nothing; z = 0 (no noise) costs Infinity; q = 1 is the plain Gaussian, α / (2z²).
 */
export function rdpSubsampledGaussian(
  samplingRate: number,
  noiseMultiplier: number,
  orders: readonly number[] = DEFAULT_ORDERS,
): number[] {
  const q = requireNumber('samplingRate', samplingRate, { min: 0, max: 1 });
  const sigma = requireNumber('noiseMultiplier', noiseMultiplier, { min: 0 });
  checkOrders(orders);
  return orders.map((alpha) => {
    if (sigma === 0) return Number.POSITIVE_INFINITY;
    if (q === 0) return 0;
    if (q === 1) return alpha / (2 * sigma * sigma);
    if (Number.isInteger(alpha)) return logAInteger(q, sigma, alpha) / (alpha - 1);
    // RDP is non-decreasing in the order, so the next integer order bounds a fractional one from above.
    // Taking the smaller of the two keeps the fractional value when its series converged, and replaces
    // it with that valid bound when the series was cut off, or when, for a tiny RDP (below ~1e-15), the
    // sum near 1 lost its last digits and came out above the bound.
    const ceiling = Math.ceil(alpha);
    const bound = logAInteger(q, sigma, ceiling) / (ceiling - 1);
    const logA = logAFractional(q, sigma, alpha);
    return logA === undefined ? bound : Math.min(logA / (alpha - 1), bound);
  });
}

export function checkOrders(orders: readonly number[]): void {
  if (!Array.isArray(orders) || orders.length === 0)
    throw new RangeError('orders: expected a non-empty list of Rényi orders');
  orders.forEach((alpha, i) => {
    requireNumber(`orders[${i}]`, alpha, { above: 1 });
  });
}

/**
 * log A_α for integer α: a finite binomial sum, every term positive. The binomial weights sum to 1, so
 * A_α − 1 = Σ_{i≥2} C(α,i) (1−q)^(α−i) q^i (exp((i² − i)/(2σ²)) − 1) (the i = 0, 1 terms have no
 * exponential factor). Summing that and returning log1p of it keeps full relative precision when the
 * RDP is tiny (small q), where log of a sum near 1 would keep only its absolute precision.
 */
function logAInteger(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const twoSigma2 = 2 * sigma * sigma;
  const terms: number[] = [];
  let logBinom = Math.log(alpha); // log C(α, 1)
  for (let i = 2; i <= alpha; i++) {
    logBinom += Math.log(alpha - i + 1) - Math.log(i);
    terms.push(logBinom + i * logQ + (alpha - i) * log1mQ + logExpm1((i * i - i) / twoSigma2));
  }
  return log1pExp(logSumExp(terms));
}

/** log(e^c − 1) for c > 0, without overflow for large c. */
function logExpm1(c: number): number {
  return c > 30 ? c + Math.log1p(-Math.exp(-c)) : Math.log(Math.expm1(c));
}

/** log(1 + e^x), without overflow for large x. */
function log1pExp(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * log A_α for fractional α: the two series of MTZ19 Section 3.3, with signed generalised binomials.
 * Undefined when the series has not converged within MAX_SERIES_TERMS terms.
 */
function logAFractional(q: number, sigma: number, alpha: number): number | undefined {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const twoSigma2 = 2 * sigma * sigma;
  const sqrt2Sigma = Math.SQRT2 * sigma;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const cutoff = SERIES_CUTOFF + Math.min(0, 2 * Math.log(q / Math.max(1, sigma)));
  const logs: number[] = [];
  const signs: number[] = [];
  let logAbsBinom = 0; // log |C(α, 0)|
  let sign = 1;
  for (let i = 0; ; i++) {
    if (i > 0) {
      const factor = alpha - i + 1; // C(α, i) = C(α, i−1) · (α − i + 1) / i
      logAbsBinom += Math.log(Math.abs(factor)) - Math.log(i);
      if (factor < 0) sign = -sign;
    }
    const j = alpha - i;
    const logS0 =
      logAbsBinom +
      i * logQ +
      j * log1mQ +
      (i * i - i) / twoSigma2 +
      Math.log(0.5) +
      logErfc((i - z0) / sqrt2Sigma);
    const logS1 =
      logAbsBinom +
      j * logQ +
      i * log1mQ +
      (j * j - j) / twoSigma2 +
      Math.log(0.5) +
      logErfc((z0 - j) / sqrt2Sigma);
    logs.push(logS0, logS1);
    signs.push(sign, sign);
    if (i > alpha && Math.max(logS0, logS1) < cutoff) break;
    if (i >= MAX_SERIES_TERMS) return undefined;
  }
  return logSumExpSigned(logs, signs);
}
