/**
 * Exact null distribution of the two-sample KS statistic, as lattice paths: the pooled sample sorted
 * is a monotone path from (0, 0) to (m, n) (a step right per value of the larger sample, up per value
 * of the smaller), uniformly random under H0. D ≥ h / lcm(n, m) exactly when the path touches a line
 * at distance h from the diagonal. Every routine here takes the integer h and returns P(D ≥ h/lcm).
 *
 * The equal-size formulas and the two-sided band recursion evaluate the same floating-point
 * expressions, in the same order, as SciPy 1.10.1 (`_compute_prob_outside_square`,
 * `_compute_outer_prob_inside_method`), so their p-values agree bit for bit — which matters at the
 * edges where SciPy's own rounding decides a fallback.
 */

/**
 * Two-sided, equal sizes: P(D_{n,n} ≥ h/n) = 2 Σ_{k≥1} (−1)^{k−1} C(2n, n−kh) / C(2n, n), evaluated
 * in nested form from the largest k down (P ← a_k (1 − P)) so the alternating sum never cancels.
 */
export function twoSidedEqual(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    // a_k = C(2n, n − (k+1)h)/C(2n, n − kh) as h ratios; multiply then divide, as SciPy does.
    let a = 1;
    for (let j = 0; j < h; j++) a = ((n - k * h - j) * a) / (n + k * h + j + 1);
    p = a * (1 - p);
  }
  return 2 * p;
}

/** One-sided, equal sizes: P(D⁺_{n,n} ≥ h/n) = C(2n, n−h)/C(2n, n) = Π_{j<h} (n − j)/(n + j + 1). */
export function oneSidedEqual(n: number, h: number): number {
  let p = 1;
  for (let j = 0; j < h; j++) p *= (n - j) / (n + j + 1);
  return p;
}

/**
 * Two-sided, unequal sizes: 1 − P(path stays strictly inside the band |n'·i − m'·j| < h), with
 * n' = n/g, m' = m/g, i along the larger sample. q(i, j) is the probability that a random path to
 * (i, j) has already left the band: 1 outside it, and inside
 * q(i, j) = (i·q(i−1, j) + j·q(i, j−1)) / (i + j) — a convex combination, so no cancellation and no
 * overflow at any size. O(m · band width) time, O(n) memory.
 *
 * Each cell waits for the division of the cell below it, so a column is one long dependency chain.
 * Columns are therefore swept two at a time, the second one row behind the first (its cell j needs
 * the first column's cell j, computed one step earlier): two independent chains, about twice the
 * throughput, and every cell still computed by the same expression (the result is unchanged).
 */
export function twoSidedUnequal(n1: number, n2: number, h: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const g = gcd(m, n);
  const mg = m / g;
  const ng = n / g;
  // Column i of the band holds j in [lo(i), hi(i)): the points with |ng·i − mg·j| < h.
  const lo = (i: number) => Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
  const hi = (i: number) => Math.min(Math.ceil((ng * i + h) / mg), n + 1);
  // Indexed by j; only the band's cells are read. Column 0 inside the band: nothing has left it (0).
  let prev = new Float64Array(n + 1);
  const a = new Float64Array(n + 1);
  let b = new Float64Array(n + 1);
  let prevHi = hi(0);
  for (let i = 1; i <= m; i += 2) {
    const loA = lo(i);
    const hiA = hi(i);
    if (hiA <= loA) return 1;
    const i2 = i + 1;
    // Past the last column, B is an empty range and the sweep computes A alone.
    const loB = i2 <= m ? lo(i2) : n + 1;
    const hiB = i2 <= m ? hi(i2) : n + 1;
    if (i2 <= m && hiB <= loB) return 1;
    // Below a column's first band point the path has left the band (q = 1); at j = 0 the weight is 0.
    let belowA = loA === 0 ? 0 : 1;
    let belowB = loB === 0 ? 0 : 1;
    const end = Math.max(hiA, hiB + 1);
    for (let j = loA; j < end; j++) {
      if (j < hiA) {
        // Left neighbour: inside the last column's band, or above it (left the band: q = 1).
        const left = j < prevHi ? prev[j] : 1;
        belowA = (left * i + belowA * j) / (i + j);
        a[j] = belowA;
      }
      const k = j - 1;
      if (k >= loB && k < hiB) {
        const left = k < hiA ? a[k] : 1;
        belowB = (left * i2 + belowB * k) / (i2 + k);
        b[k] = belowB;
      }
    }
    if (i2 > m) return a[hiA - 1];
    const t = prev;
    prev = b;
    b = t;
    prevHi = hiB;
  }
  return prev[prevHi - 1];
}

/**
 * One-sided, unequal sizes: P(the path touches n'·i − m'·j ≥ h), i along the larger sample (by the
 * H0 symmetry (i, j) → (m − i, n − j) the same value serves D⁺ and D⁻). Same convex recursion as the
 * two-sided band with one boundary: exact, no binomials, no cancellation. O(m · n) time, O(n) memory;
 * callers only reach it while C(m + n, n) is finite (SciPy's domain for this case, see `ks.ts`).
 */
export function oneSidedUnequal(n1: number, n2: number, h: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const g = gcd(m, n);
  const mg = m / g;
  const ng = n / g;
  let prev = new Float64Array(n + 1); // column 0: the line is never touched (h ≥ 1): q = 0
  let cur = new Float64Array(n + 1);
  let prevLo = 0;
  for (let i = 1; i <= m; i++) {
    // Points with ng·i − mg·j ≥ h (j < lo) have touched the line: q = 1.
    const lo = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    if (lo > n) return 1;
    let below = 1;
    for (let j = lo; j <= n; j++) {
      const left = j < prevLo ? 1 : prev[j];
      below = j === 0 ? left : (left * i + below * j) / (i + j);
      cur[j] = below;
    }
    const t = prev;
    prev = cur;
    cur = t;
    prevLo = lo;
  }
  return prev[n];
}

/** Greatest common divisor of two positive integers. */
export function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}
