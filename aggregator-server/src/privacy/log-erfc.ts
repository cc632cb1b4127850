// log(erfc(x)) to near machine precision for every real x, including far in the tail where erfc(x)
// underflows to 0 (x > 26.5) and log(erfc(x)) ≈ −x². The fractional-order RDP series (rdp.ts) needs it
// at arguments of either sign and of magnitude up to thousands.
//   x ≤ −2:     erfc(x) = 2 − erfc(−x), in [1, 2]: no precision problem.
//   |x| < 2:    erfc(x) = 1 − erf(x), taken through log1p, with erf(x) = (2/√π) e^(−x²) Σ 2ⁿ x^(2n+1) / (2n+1)!!
//               (all terms positive, no cancellation; erfc ≥ 0.0047 here so 1 − erf loses < 3 digits).
//   x ≥ 2:      log erfc(x) = −x² + log(erfcx(x)), with the scaled erfcx(x) = e^(x²) erfc(x) from the
//               continued fraction erfcx(x) = (1/√π) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + …)))),
//               evaluated by the modified Lentz method.

const SQRT_PI = Math.sqrt(Math.PI);
const EPS = 1e-17;

export function logErfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  // log1p keeps full relative precision near x = 0, where log(erfc(x)) ≈ −2x/√π is tiny.
  if (x <= -2) return Math.log(2 - erfcxContinuedFraction(-x) * Math.exp(-x * x));
  if (x < 0) return Math.log1p(erfSeries(-x));
  if (x < 2) return Math.log1p(-erfSeries(x));
  return -x * x + Math.log(erfcxContinuedFraction(x));
}

function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < EPS * sum) break;
  }
  return (2 / SQRT_PI) * Math.exp(-x2) * sum;
}

/** erfcx(x) for x ≥ 2: the continued fraction K(a_n / x) with a_n = n/2, by modified Lentz. */
function erfcxContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 5000; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return 1 / (SQRT_PI * f);
}
