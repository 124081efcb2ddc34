/**
 * Binomial probabilities without big numbers: Loader's saddle-point form (C. Loader, "Fast and
 * accurate computation of binomial probabilities", 2000). C(n, k) p^k q^(n−k) is written as
 * exp(stirlerr(n) − stirlerr(k) − stirlerr(n−k) − bd0(k, np) − bd0(n−k, nq)) · √(n / (2π k (n−k))):
 * every piece is small, so the result keeps ~15 significant digits at any n — where logs of
 * factorials (each ~n·log n) would lose digits to cancellation.
 */

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** stirlerr(k) for k = 0…15 from exact factorials (k! < 2^53 up to 18!). */
const SMALL_STIRLERR: Float64Array = (() => {
  const t = new Float64Array(16);
  let fact = 1;
  t[0] = Number.POSITIVE_INFINITY; // unused: callers never ask for 0
  for (let k = 1; k < 16; k++) {
    fact *= k;
    t[k] = Math.log(fact) - (k + 0.5) * Math.log(k) + k - LN_SQRT_2PI;
  }
  return t;
})();

/**
 * stirlerr(k) = ln k! − ((k + ½) ln k − k + ln √(2π)): the error of Stirling's formula, for an
 * integer k ≥ 1. The asymptotic series is used past 15, with as many terms as its size needs.
 */
export function stirlerr(k: number): number {
  if (k < 16) return SMALL_STIRLERR[k];
  const s0 = 1 / 12;
  const s1 = 1 / 360;
  const s2 = 1 / 1260;
  const s3 = 1 / 1680;
  const s4 = 1 / 1188;
  const kk = k * k;
  if (k > 500) return (s0 - s1 / kk) / k;
  if (k > 80) return (s0 - (s1 - s2 / kk) / kk) / k;
  if (k > 35) return (s0 - (s1 - (s2 - s3 / kk) / kk) / kk) / k;
  return (s0 - (s1 - (s2 - (s3 - s4 / kk) / kk) / kk) / kk) / k;
}

/**
 * bd0(x, M) = x ln(x/M) + M − x ≥ 0, the deviance term, given d = x − M exactly (callers know it
 * better than a subtraction would). Near x ≈ M it is summed as a series in v = d/(x+M) to avoid
 * the cancellation of the closed form.
 */
export function bd0(x: number, M: number, d: number): number {
  if (Math.abs(d) < 0.1 * (x + M)) {
    let v = d / (x + M);
    let s = d * v;
    let ej = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      ej *= v;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
    return s;
  }
  return x * Math.log1p(d / M) - d;
}

/**
 * P(K = k) for K ~ Binomial(n, p), 0 < k < n, with np = n·p, nq = n·(1 − p) and d = k − np passed
 * in, so the caller can form them without rounding p first (np + nq = n, so nk − nq = −d).
 */
export function binomialPmfInterior(k: number, n: number, np: number, nq: number, d: number): number {
  const nk = n - k;
  const lc = stirlerr(n) - stirlerr(k) - stirlerr(nk) - bd0(k, np, d) - bd0(nk, nq, -d);
  return Math.exp(lc) * Math.sqrt(n / (2 * Math.PI * k * nk));
}

/**
 * ln(n!/n^n) = ln √(2πn) − n + stirlerr(n), without forming either big number.
 */
export function logFactorialOverPower(n: number): number {
  return 0.5 * Math.log(2 * Math.PI * n) - n + stirlerr(n);
}

/**
 * ln C(a, b) for integers 0 ≤ b ≤ a, accurate enough to tell whether C overflows a double.
 */
export function logBinomial(a: number, b: number): number {
  if (b === 0 || b === a) return 0;
  const logFact = (k: number) => (k + 0.5) * Math.log(k) - k + LN_SQRT_2PI + stirlerr(k);
  return logFact(a) - logFact(b) - logFact(a - b);
}
