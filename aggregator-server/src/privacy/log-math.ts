// Log-space sums: the RDP series add terms like e^(700) and e^(−700) that overflow or underflow as
// plain doubles, so they are summed as logarithms, scaled by the largest term (log-sum-exp).

/** log(Σ exp(xs[i])); −Infinity for an empty list. */
export function logSumExp(xs: readonly number[]): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const x of xs) if (x > max) max = x;
  if (max === Number.NEGATIVE_INFINITY || max === Number.POSITIVE_INFINITY) return max;
  let sum = 0;
  for (const x of xs) sum += Math.exp(x - max);
  return max + Math.log(sum);
}

/** log(Σ signs[i]·exp(xs[i])); throws if the signed sum is not positive (its log is undefined). */
export function logSumExpSigned(xs: readonly number[], signs: readonly number[]): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const x of xs) if (x > max) max = x;
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += signs[i]! * Math.exp(xs[i]! - max);
  if (!(sum > 0)) throw new RangeError(`logSumExpSigned: the signed sum is not positive (${sum})`);
  return max + Math.log(sum);
}
