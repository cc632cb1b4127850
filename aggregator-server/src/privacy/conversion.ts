// From RDP to (ε, δ)-DP. A mechanism with RDP ε_R at order α is (ε, δ)-DP with the improved conversion
// of Balle, Barthe, Gaboardi, Hsu, Sato 2020 ("Hypothesis Testing Interpretations and Rényi Differential
// Privacy", Proposition 12; also Asoodeh et al. 2020, Eq. 20), as dp_accounting and Opacus use:
//   ε = ε_R + log((α − 1)/α) − (log δ + log α) / (α − 1),
// minimised over the orders. It is never worse than Mironov's classic ε_R + log(1/δ)/(α − 1).
// Like dp_accounting: when δ² + expm1(−ε_R) > 0 the KL bound δ ≤ √(1 − e^(−ε_R)) already gives ε = 0,
// and orders ≤ 1.01 are skipped because the formula is numerically unstable as α → 1.

import { requireNumber } from './checks';
import { checkOrders } from './rdp';

export interface EpsilonAtOrder {
  readonly epsilon: number;
  /** The Rényi order that gave the smallest ε. */
  readonly order: number;
}

export function epsilonFromRdp(
  orders: readonly number[],
  rdp: readonly number[],
  delta: number,
): EpsilonAtOrder {
  checkOrders(orders);
  requireNumber('delta', delta, { above: 0, below: 1 });
  if (rdp.length !== orders.length)
    throw new RangeError(`rdp: expected ${orders.length} values (one per order), got ${rdp.length}`);
  let best = Number.POSITIVE_INFINITY;
  let bestOrder = orders[0]!;
  for (let k = 0; k < orders.length; k++) {
    const alpha = orders[k]!;
    const r = rdp[k]!;
    if (!(r >= 0)) throw new RangeError(`rdp[${k}]: expected a number >= 0, got ${r}`);
    let epsilon: number;
    if (delta * delta + Math.expm1(-r) > 0) epsilon = 0;
    else if (alpha > 1.01) epsilon = r + Math.log1p(-1 / alpha) - Math.log(delta * alpha) / (alpha - 1);
    else epsilon = Number.POSITIVE_INFINITY;
    if (epsilon < best) {
      best = epsilon;
      bestOrder = alpha;
    }
  }
  return { epsilon: Math.max(0, best), order: bestOrder };
}
