/**
 * Dense symmetric positive-definite inverse for EASE, in Float64Array, row-major n×n.
 *
 * Cholesky A = L·Lᵀ, then P = A⁻¹ by forward and back substitution against the identity. At
 * 2,000 items the matrix (32 MB) does not fit in cache, so memory traffic, not arithmetic, is
 * what costs: the factorisation works on four rows at once and the substitutions on eight
 * right-hand sides at once, so each row of L read from memory feeds four (eight) independent
 * multiply-adds (8 took CPU time from 2.7 s to 2.5 s at 2,000 items). Only P's upper triangle is solved for
 * (P is symmetric): about n³/2 multiply-adds in all.
 */

/** Rows handled per pass over memory in the Cholesky factorisation. */
const B = 4;
/** Right-hand sides (columns of the identity) solved per pass over L in the substitutions. */
const R = 8;

/** Σ a[ai+t]·b[bi+t] for t < len, unrolled by four. */
function dot(a: Float64Array, ai: number, b: Float64Array, bi: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t = 0;
  for (; t + 3 < len; t += 4) {
    s0 += a[ai + t] * b[bi + t];
    s1 += a[ai + t + 1] * b[bi + t + 1];
    s2 += a[ai + t + 2] * b[bi + t + 2];
    s3 += a[ai + t + 3] * b[bi + t + 3];
  }
  for (; t < len; t++) s0 += a[ai + t] * b[bi + t];
  return s0 + s1 + s2 + s3;
}

/**
 * Cholesky factor of the symmetric positive-definite `a` (its lower triangle is read), written
 * over `a`'s lower triangle. Returns false when `a` is not positive definite.
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  let i0 = 0;
  // Four rows at a time: row j of L, once read, serves all four.
  for (; i0 + B <= n; i0 += B) {
    const r0 = i0 * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    for (let j = 0; j < i0; j++) {
      const rj = j * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0; t < j; t++) {
        const l = a[rj + t];
        s0 += a[r0 + t] * l;
        s1 += a[r1 + t] * l;
        s2 += a[r2 + t] * l;
        s3 += a[r3 + t] * l;
      }
      const d = a[rj + j];
      a[r0 + j] = (a[r0 + j] - s0) / d;
      a[r1 + j] = (a[r1 + j] - s1) / d;
      a[r2 + j] = (a[r2 + j] - s2) / d;
      a[r3 + j] = (a[r3 + j] - s3) / d;
    }
    for (let i = i0; i < i0 + B; i++) if (!finishRow(a, n, i, i0)) return false;
  }
  // The last rows (fewer than four) one by one.
  for (let i = i0; i < n; i++) if (!finishRow(a, n, i, 0)) return false;
  return true;
}

/** Columns [from, i] of L's row i, once columns before `from` are done. */
function finishRow(a: Float64Array, n: number, i: number, from: number): boolean {
  const ri = i * n;
  for (let j = from; j < i; j++) {
    const rj = j * n;
    a[ri + j] = (a[ri + j] - dot(a, ri, a, rj, j)) / a[rj + j];
  }
  const d = a[ri + i] - dot(a, ri, a, ri, i);
  if (!(d > 0)) return false;
  a[ri + i] = Math.sqrt(d);
  return true;
}

/** The factored state the substitutions share (between threads too: every array may be shared). */
export interface InverseWork {
  readonly n: number;
  /** L in the lower triangle (diagonal included); P's strict upper triangle is written over the upper. */
  readonly a: Float64Array;
  /** Lᵀ, upper triangle: the back pass reads rows. */
  readonly lt: Float64Array;
  /** P's diagonal. */
  readonly pDiag: Float64Array;
}

/** Columns solved per block: the substitution works on this many right-hand sides at once. */
export const INVERSE_BLOCK = R;

/**
 * Factor `a` (Cholesky, in place) and set up the substitutions. `alloc` makes the other arrays
 * (shared ones when threads will solve). Null when `a` is not positive definite.
 */
export function factorForInverse(
  a: Float64Array,
  n: number,
  alloc: (length: number) => Float64Array = (length) => new Float64Array(length),
): InverseWork | null {
  if (!choleskyInPlace(a, n)) return null;
  const lt = alloc(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k <= i; k++) lt[k * n + i] = a[i * n + k];
  return { n, a, lt, pDiag: alloc(n) };
}

/**
 * Solve columns j0 … j0+R-1 of P (entries i ≥ j). Blocks are independent: any thread may take any
 * block, because each reads only L (a's lower triangle, lt) and writes only its own rows of a's
 * upper triangle and of pDiag. `y` is the thread's scratch, n·R long.
 */
export function solveInverseBlock(work: InverseWork, j0: number, y: Float64Array): void {
  const { n, a, lt, pDiag } = work;
  const w = Math.min(R, n - j0);
  forward(a, n, y, j0, w);
  backward(lt, n, y, j0);
  for (let c = 0; c < w; c++) {
    const j = j0 + c;
    const rj = j * n;
    pDiag[j] = y[j * R + c];
    for (let i = j + 1; i < n; i++) a[rj + i] = y[i * R + c];
  }
}

/** The full inverse from solved blocks, written over `lt` (both triangles). */
export function assembleInverse(work: InverseWork): Float64Array {
  const { n, a, lt, pDiag } = work;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    lt[ri + i] = pDiag[i];
    for (let j = i + 1; j < n; j++) {
      const v = a[ri + j];
      lt[ri + j] = v;
      lt[j * n + i] = v;
    }
  }
  return lt;
}

/** Scratch for {@link solveInverseBlock}. */
export function inverseScratch(n: number): Float64Array {
  return new Float64Array(n * R);
}

/**
 * The inverse of a symmetric positive-definite matrix, full (both triangles filled), on this
 * thread. `a` is consumed. Returns null when `a` is not positive definite.
 *
 * @example
 * spdInverse(Float64Array.of(4, 2, 2, 3), 2); // ≈ [0.375, -0.25, -0.25, 0.5]
 */
export function spdInverse(a: Float64Array, n: number): Float64Array | null {
  const work = factorForInverse(a, n);
  if (work === null) return null;
  const y = inverseScratch(n);
  for (let j0 = 0; j0 < n; j0 += R) solveInverseBlock(work, j0, y);
  return assembleInverse(work);
}

/** L·Y = [e_j0 … e_j0+w-1] for rows ≥ j0 (rows before are zero). */
function forward(l: Float64Array, n: number, y: Float64Array, j0: number, w: number): void {
  for (let i = j0; i < n; i++) {
    const ri = i * n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let s5 = 0;
    let s6 = 0;
    let s7 = 0;
    for (let k = j0; k < i; k++) {
      const v = l[ri + k];
      const yk = k * R;
      s0 += v * y[yk];
      s1 += v * y[yk + 1];
      s2 += v * y[yk + 2];
      s3 += v * y[yk + 3];
      s4 += v * y[yk + 4];
      s5 += v * y[yk + 5];
      s6 += v * y[yk + 6];
      s7 += v * y[yk + 7];
    }
    const d = l[ri + i];
    const c = i - j0;
    const yi = i * R;
    y[yi] = ((c === 0 ? 1 : 0) - s0) / d;
    y[yi + 1] = ((c === 1 && w > 1 ? 1 : 0) - s1) / d;
    y[yi + 2] = ((c === 2 && w > 2 ? 1 : 0) - s2) / d;
    y[yi + 3] = ((c === 3 && w > 3 ? 1 : 0) - s3) / d;
    y[yi + 4] = ((c === 4 && w > 4 ? 1 : 0) - s4) / d;
    y[yi + 5] = ((c === 5 && w > 5 ? 1 : 0) - s5) / d;
    y[yi + 6] = ((c === 6 && w > 6 ? 1 : 0) - s6) / d;
    y[yi + 7] = ((c === 7 && w > 7 ? 1 : 0) - s7) / d;
  }
}

/** Lᵀ·X = Y for rows ≥ j0, X over Y. */
function backward(lt: Float64Array, n: number, y: Float64Array, j0: number): void {
  for (let i = n - 1; i >= j0; i--) {
    const ri = i * n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let s5 = 0;
    let s6 = 0;
    let s7 = 0;
    for (let k = i + 1; k < n; k++) {
      const v = lt[ri + k];
      const xk = k * R;
      s0 += v * y[xk];
      s1 += v * y[xk + 1];
      s2 += v * y[xk + 2];
      s3 += v * y[xk + 3];
      s4 += v * y[xk + 4];
      s5 += v * y[xk + 5];
      s6 += v * y[xk + 6];
      s7 += v * y[xk + 7];
    }
    const d = lt[ri + i];
    const yi = i * R;
    y[yi] = (y[yi] - s0) / d;
    y[yi + 1] = (y[yi + 1] - s1) / d;
    y[yi + 2] = (y[yi + 2] - s2) / d;
    y[yi + 3] = (y[yi + 3] - s3) / d;
    y[yi + 4] = (y[yi + 4] - s4) / d;
    y[yi + 5] = (y[yi + 5] - s5) / d;
    y[yi + 6] = (y[yi + 6] - s6) / d;
    y[yi + 7] = (y[yi + 7] - s7) / d;
  }
}
