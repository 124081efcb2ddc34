/**
 * The extremes of Δ(v) = F_x(v) − F_y(v) over the pooled sample, for two sorted samples: what every
 * KS statistic is read from. F are right-continuous ECDFs (#values ≤ v over the size), so ties need
 * nothing special: Δ is compared only after every copy of v in both samples has been consumed.
 */
export interface EcdfExtremes {
  /** max_v Δ(v) ≥ 0 (Δ is 0 past the largest value). */
  plus: number;
  /** Where `plus` is reached (a pooled value). */
  plusAt: number;
  /** max_v −Δ(v) ≥ 0. */
  minus: number;
  /** Where `minus` is reached (a pooled value). */
  minusAt: number;
}

/**
 * Walk both sorted samples once with two pointers (O(n + m), no allocation). Δ is computed as
 * `i / n − j / m`, the same floating-point expression SciPy evaluates, so D matches it bit for bit.
 * On ties of the extreme, the location follows SciPy's argmax over the concatenation
 * [sorted x, sorted y]: the smallest value present in x reaching it, else the smallest in y.
 */
export function ecdfExtremes(x: Float64Array, y: Float64Array): EcdfExtremes {
  const n = x.length;
  const m = y.length;
  // Extremes over values present in x, and over values present in y: x's entries come first in
  // SciPy's concatenation, so an x value wins a tie.
  let plusX = Number.NEGATIVE_INFINITY;
  let plusXAt = Number.NaN;
  let plusY = Number.NEGATIVE_INFINITY;
  let plusYAt = Number.NaN;
  let minX = Number.POSITIVE_INFINITY;
  let minXAt = Number.NaN;
  let minY = Number.POSITIVE_INFINITY;
  let minYAt = Number.NaN;
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    const v = j >= m || (i < n && x[i] <= y[j]) ? x[i] : y[j];
    const i0 = i;
    const j0 = j;
    while (i < n && x[i] === v) i++;
    while (j < m && y[j] === v) j++;
    const diff = i / n - j / m;
    if (i > i0) {
      if (diff > plusX) {
        plusX = diff;
        plusXAt = v;
      }
      if (diff < minX) {
        minX = diff;
        minXAt = v;
      }
    }
    if (j > j0) {
      if (diff > plusY) {
        plusY = diff;
        plusYAt = v;
      }
      if (diff < minY) {
        minY = diff;
        minYAt = v;
      }
    }
  }
  const plus = plusX >= plusY ? plusX : plusY;
  const min = minX <= minY ? minX : minY;
  // −min is ≥ 0 (Δ ends at 0); `+ 0` turns a −0 into 0.
  const minus = Math.min(Math.max(-min, 0), 1) + 0;
  return {
    plus: plus + 0,
    plusAt: plusX >= plusY ? plusXAt : plusYAt,
    minus,
    minusAt: minX <= minY ? minXAt : minYAt,
  };
}
