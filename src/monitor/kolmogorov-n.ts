import { logFactorialOverPower } from './binomial-pmf.js';
import { smirnovSf } from './smirnov.js';

/**
 * P(D_N ≥ x) for the two-sided one-sample KS statistic of N observations — SciPy's
 * `kstwo.sf(x, N)`, which `ks_2samp(method='asymp')` evaluates at N = round(n·m/(n+m)).
 *
 * Method by region (Simard & L'Ecuyer 2011, as SciPy 1.10.1 `_kolmogn` picks them; t = N·x, s = N·x²):
 *
 * | region | value |
 * |---|---|
 * | x ≤ 1/(2N) / x ≥ 1 | 1 / 0 |
 * | t ≤ 1 | 1 − N!/N^N (2t − 1)^N (Ruben–Gambino) |
 * | t ≥ N − 1 | 2 (1 − x)^N |
 * | x ≥ ½ | 2 · smirnov(N, x) (exact there) |
 * | N ≤ 140, s ≤ 4 | 1 − Durbin's exact cdf (SciPy: Durbin up to s ≤ 0.754693, then Pomeranz — the same exact value) |
 * | N ≤ 140, s > 4 | 2 · smirnov(N, x) |
 * | N > 140, s ≥ 370 | 0 |
 * | N > 140, s ≥ 2.2 | 2 · smirnov(N, x) |
 * | N > 140, N ≤ 10⁵ and N·x^1.5 ≤ 1.4 | 1 − Durbin |
 * | N > 140, otherwise | 1 − Pelz–Good asymptotic series |
 *
 * `2 · smirnov` and Pelz–Good are approximations; they are kept (rather than an exact value) because
 * matching SciPy's p-values is the contract. NaN when N is not a positive integer.
 */
export function kolmogorovSf(N: number, x: number): number {
  if (!(N >= 1) || !Number.isInteger(N) || Number.isNaN(x)) return Number.NaN;
  // SciPy's distribution wrapper answers outside the open support (1/(2N), 1) first.
  if (x >= 1) return 0;
  if (x <= 0.5 / N) return 1;
  const t = N * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let cdf: number;
    if (N <= 140) {
      cdf = 1;
      const r = 2 * t - 1;
      for (let i = 1; i <= N; i++) cdf *= i * (1 / N) * r;
    } else {
      cdf = Math.exp(logFactorialOverPower(N) + N * Math.log(2 * t - 1));
    }
    return clip01(1 - cdf);
  }
  if (t >= N - 1) return clip01(2 * (1 - x) ** N);
  if (x >= 0.5) return clip01(2 * smirnovSf(N, x));
  const s = t * x;
  if (N <= 140) {
    if (s <= 4) return clip01(1 - durbinCdf(N, x));
    return clip01(2 * smirnovSf(N, x));
  }
  if (s >= 370) return 0;
  if (s >= 2.2) return clip01(2 * smirnovSf(N, x));
  if (N <= 100_000 && N * x ** 1.5 <= 1.4) return clip01(1 - durbinCdf(N, x));
  return clip01(1 - pelzGoodCdf(N, x));
}

const TWO_128 = 2 ** 128;
const TWO_M128 = 2 ** -128;

/**
 * P(D_N < d) exactly, by Durbin's matrix method in Marsaglia–Tsang–Wang's form (2003): with
 * k = ⌈N·d⌉, h = k − N·d, P = N!/N^N · (H^N)[k−1][k−1] for a (2k−1)² matrix H of 1/j! terms.
 * All entries are ≥ 0, so the power has no cancellation; the power and the N!/N^N factor are
 * rescaled by exact powers of two, carried in a separate exponent, so nothing overflows.
 * O(k³ log N) time.
 */
export function durbinCdf(N: number, d: number): number {
  if (d >= 1) return 1;
  const nd = N * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const invFact = new Float64Array(m + 2);
  invFact[0] = 1;
  for (let j = 1; j <= m + 1; j++) invFact[j] = invFact[j - 1] / j;
  const H = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= Math.min(i + 1, m - 1); j++) H[i * m + j] = invFact[i - j + 1];
  }
  // First column and last row: (1 − h^j)/j!; their shared corner (1 − 2h^m + max(0, 2h − 1)^m)/m!.
  for (let i = 0; i < m; i++) {
    const v = (1 - h ** (i + 1)) * invFact[i + 1];
    H[i * m] = v;
    H[(m - 1) * m + (m - 1 - i)] = v;
  }
  H[(m - 1) * m] = (1 + (Math.max(2 * h - 1, 0) ** m - 2 * h ** m)) * invFact[m];

  const centre = (k - 1) * m + (k - 1);
  let power: Float64Array | null = null;
  let powerExp = 0;
  let base: Float64Array = H;
  let baseExp = 0;
  for (let e = N; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) {
      power = power === null ? base.slice() : multiply(power, base, m);
      powerExp += baseExp;
      if (power[centre] > TWO_128) {
        scale(power, TWO_M128);
        powerExp += 128;
      }
    }
    if (e > 1) {
      base = multiply(base, base, m);
      baseExp *= 2;
      if (base[centre] > TWO_128) {
        scale(base, TWO_M128);
        baseExp += 128;
      }
    }
  }
  let p = (power as Float64Array)[centre];
  // × N!/N^N, one factor at a time, keeping p in range.
  for (let i = 1; i <= N; i++) {
    p = (i * p) / N;
    if (p < TWO_M128) {
      p *= TWO_128;
      powerExp -= 128;
    }
  }
  return ldexp(p, powerExp);
}

function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const row = i * m;
    for (let l = 0; l < m; l++) {
      const a_il = a[row + l];
      if (a_il === 0) continue;
      const bRow = l * m;
      for (let j = 0; j < m; j++) out[row + j] += a_il * b[bRow + j];
    }
  }
  return out;
}

function scale(a: Float64Array, f: number): void {
  for (let i = 0; i < a.length; i++) a[i] *= f;
}

/** p · 2^e without overflowing 2^e on the way. */
function ldexp(p: number, e: number): number {
  let out = p;
  let rest = e;
  while (rest > 512) {
    out *= 2 ** 512;
    rest -= 512;
  }
  while (rest < -512) {
    out *= 2 ** -512;
    rest += 512;
  }
  return out * 2 ** rest;
}

const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const SQRT3 = Math.sqrt(3);
const MIN_LOG = -708;

/**
 * P(D_N ≤ x) by the Pelz–Good series (1976): Li-Chien/Korolyuk's expansion
 * K0(z) + K1(z)/√N + K2(z)/N + K3(z)/N^1.5 at z = x√N, rewritten through Jacobi's theta identity into
 * sums of q^((2k−1)²), q = e^(−π²/(8z²)), that converge fast for small z. An approximation: it is
 * evaluated term for term as SciPy 1.10.1 (`_kolmogn_PelzGood`) does, since its value is the p-value.
 */
export function pelzGoodCdf(N: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(N) * x;
  const z2 = z ** 2;
  const z3 = z ** 3;
  const z4 = z ** 4;
  const z6 = z ** 6;
  const qlog = -PI2 / 8 / z2;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);

  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;

  // Σ_k c_k q^((2k−1)²) by Horner from the largest k: (2k+1)² − (2k−1)² = 8k.
  let K0 = 0;
  let K1 = 0;
  let K2 = 0;
  let K3 = 0;
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const mm = 2 * k - 1;
    const m2 = mm ** 2;
    const m4 = mm ** 4;
    const m6 = mm ** 6;
    const qp = q ** (8 * k);
    K0 = K0 * qp + 1;
    K1 = K1 * qp + (k1a + k1b * m2);
    K2 = K2 * qp + (k2a + k2b * m2 + k2c * m4);
    K3 = K3 * qp + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  K0 = (K0 * q * SQRT_2PI) / z;
  K1 = (K1 * q * SQRT_2PI) / (6 * z4);
  K2 = (K2 * q * SQRT_2PI) / (72 * z ** 7);
  K3 = (K3 * q * SQRT_2PI) / (6480 * z ** 10);

  // The extra sums over all k ≥ 1 of q'^(k²), q' = e^(−π²/(2z²)), for K2 and K3 (from k = maxk down).
  q = Math.exp(-PI2 / 2 / z2);
  const sqrt3z = SQRT3 * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k > 0; k--) {
    const k2 = k ** 2;
    const qk = q ** k2;
    const kpi = Math.PI * k;
    k2extra += k2 * qk;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qk;
  }
  K2 += k2extra * ((PI2 * SQRT_2PI) / (-36 * z3));
  K3 += k3extra * ((PI2 * SQRT_2PI) / (216 * z6));

  return K0 + K1 / N ** 0.5 + K2 / N + K3 / N ** 1.5;
}

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}
