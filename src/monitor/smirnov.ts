import { binomialPmfInterior } from './binomial-pmf.js';

/** Natural log of the smallest normal double: below it SciPy's smirnov returns 0. */
const MIN_LOG = -708.3964185322641;
/** Past this n SciPy switches to an approximation (too many terms to sum). */
const MAX_COMPUTE_N = 1_000_000;

/**
 * P(D⁺_n ≥ x): the survival function of the one-sided one-sample KS statistic for n observations,
 * with the branches of SciPy's `scipy.special.smirnov` (1.10.1, cephes/kolmogorov.c): exact formulas
 * at the edges, 0 once −2nx² < ln(DBL_MIN), the approximation exp(−(6nx+1)²/(18n)) past n = 10⁶, and
 * otherwise the Birnbaum–Tingey sum
 *   x · Σ_{v=0}^{⌈n(1−x)⌉−1} C(n, v) (1 − x − v/n)^(n−v) (x + v/n)^(v−1).
 * SciPy sums it in double-double; here each term is a binomial probability (x/p)·P(Bin(n, p) = v),
 * p = x + v/n, taken in Loader's form (no big numbers), and the positive terms are summed with
 * compensation: both agree to ~1e-14 relative.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const [nxHi, nxLo] = twoProduct(n, x);
  // floor(n·x) and its fraction exactly: the branch and the last term depend on them.
  let nxFloor = Math.floor(nxHi);
  let alpha = nxHi - nxFloor + nxLo;
  if (alpha < 0) {
    nxFloor -= 1;
    alpha += 1;
  } else if (alpha >= 1) {
    nxFloor += 1;
    alpha -= 1;
  }
  if (nxFloor === 0 || (nxFloor === 1 && alpha === 0)) {
    // x ≤ 1/n: cdf = x (1 + x)^(n−1)
    return clip01(1 - x * Math.exp((n - 1) * Math.log1p(x)));
  }
  if (-2 * n * x * x < MIN_LOG) return 0;
  if (nxFloor >= n - 1) return Math.exp(n * Math.log1p(-x));
  if (n > MAX_COMPUTE_N) {
    const logp = -((6 * n * x + 1) ** 2) / 18 / n;
    // As SciPy: exp for small p, 1 − (−expm1) near 1.
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp);
  }
  // Terms v = 0 … n − ⌊nx⌋ − 1; the v where 1 − x − v/n = 0 (alpha = 0) is 0 and left out.
  const last = n - nxFloor - 1;
  let sum = Math.exp(n * Math.log1p(-x)); // v = 0: x · (1−x)^n / x
  let comp = 0;
  for (let v = 1; v <= last; v++) {
    const np = v + nxHi + nxLo; // n·p with p = x + v/n
    const nq = n - v - nxHi - nxLo; // n·(1 − p); > 0 for v ≤ last
    const term = (nxHi / (nxHi + v)) * binomialPmfInterior(v, n, np, nq, -(nxHi + nxLo));
    // Neumaier summation: positive terms spanning many magnitudes.
    const t = sum + term;
    comp += sum >= term ? sum - t + term : term - t + sum;
    sum = t;
    // SciPy's early stops: the remaining terms cannot move the sum, or they underflow past the middle.
    if (term > 0 ? 4 * (last - v + 1) * term < Number.EPSILON * sum && v !== last : v > n / 2) break;
  }
  return clip01(sum + comp);
}

/** Dekker's exact product: a·b = hi + lo, hi the rounded product. */
function twoProduct(a: number, b: number): [number, number] {
  const hi = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [hi, ah * bh - hi + ah * bl + al * bh + al * bl];
}

function split(a: number): [number, number] {
  const c = 134217729 * a; // 2^27 + 1
  const h = c - (c - a);
  return [h, a - h];
}

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}
