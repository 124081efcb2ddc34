import type { Rng } from '../core/index.js';
import type { SyntheticCatalogue } from './synthetic-catalogue.js';

/**
 * The time-varying draws of the synthetic Bookstore, precomputed per time bucket so one draw is a
 * binary search: which genre, which book within a genre, which customer, how big a basket.
 */

/** Time buckets over the period (even, so the second half starts on a bucket boundary). */
export const BUCKETS = 24;

/** Basket sizes 1..MAX_BASKET, P(s) ∝ log-normal density at s (μ = 0.4, σ = 0.7): mean ≈ 1.9. */
const MAX_BASKET = 40;

export class SyntheticSampler {
  readonly cat: SyntheticCatalogue;
  /** Books in genre order (authorBooks): genre g holds positions [genreStart[g], genreStart[g+1]). */
  readonly genreStart: Int32Array;
  /** Per bucket: cumulative book weight over genre-ordered positions. */
  readonly bookCum: Float64Array[];
  /** Per bucket: cumulative genre shares for genre-level draws (the shifted mix in the second half). */
  readonly genreCum: Float64Array[];
  readonly basketCum: Float64Array;

  /**
   * @param shift 0..1: in the second half of the period, book weights become
   *   (1 − shift)·popularity + shift·shiftedPopularity, and genre-level draws use
   *   (1 − shift)·genre shares + shift·reversed genre shares (the smallest genre gets the largest share).
   */
  constructor(cat: SyntheticCatalogue, shift: number) {
    this.cat = cat;
    const G = cat.nGenres;
    const gs = new Int32Array(G + 1);
    for (let b = 0; b < cat.nBooks; b++) gs[cat.genre[b] + 1]++;
    for (let g = 0; g < G; g++) gs[g + 1] += gs[g];
    this.genreStart = gs;
    this.bookCum = [];
    this.genreCum = [];
    for (let k = 0; k < BUCKETS; k++) {
      const t = (k + 0.5) / BUCKETS;
      const late = k >= BUCKETS / 2;
      const cum = new Float64Array(cat.nBooks);
      const share = new Float64Array(G);
      let acc = 0;
      for (let p = 0; p < cat.nBooks; p++) {
        const b = cat.authorBooks[p];
        let w = late ? (1 - shift) * cat.popularity[b] + shift * cat.shiftedPopularity[b] : cat.popularity[b];
        w *= Math.exp(cat.trend[b] * (t - 0.5));
        if (cat.release[b] > t) w = 0;
        acc += w;
        cum[p] = acc;
        share[cat.genre[b]] += w;
      }
      this.bookCum.push(cum);
      if (late && shift > 0) {
        const byShare = Array.from({ length: G }, (_, g) => g).sort((a, b) => share[b] - share[a] || a - b);
        const mixed = new Float64Array(G);
        for (let r = 0; r < G; r++) {
          mixed[byShare[r]] = (1 - shift) * share[byShare[r]] + shift * share[byShare[G - 1 - r]];
        }
        share.set(mixed);
      }
      const gc = new Float64Array(G);
      let gacc = 0;
      for (let g = 0; g < G; g++) gc[g] = gacc += share[g];
      this.genreCum.push(gc);
    }
    const pmf = Array.from({ length: MAX_BASKET }, (_, i) => {
      const z = (Math.log(i + 1) - 0.4) / 0.7;
      return Math.exp(-0.5 * z * z) / (i + 1);
    });
    const total = pmf.reduce((s, x) => s + x, 0);
    this.basketCum = new Float64Array(MAX_BASKET);
    let c = 0;
    pmf.forEach((p, i) => {
      c += p / total;
      this.basketCum[i] = c;
    });
  }

  /** A basket size in lines. */
  basketSize(rng: Rng): number {
    return 1 + searchCum(this.basketCum, 0, MAX_BASKET, rng.next());
  }

  /** A genre drawn by the bucket's genre shares. */
  genre(rng: Rng, k: number): number {
    const gc = this.genreCum[k];
    return searchCum(gc, 0, gc.length, rng.next() * gc[gc.length - 1]);
  }

  /** A book of genre g by the bucket's weights; from any genre when g sells nothing then. */
  book(rng: Rng, k: number, g: number): number {
    const cum = this.bookCum[k];
    const s = this.genreStart[g];
    const e = this.genreStart[g + 1];
    const lo = s === 0 ? 0 : cum[s - 1];
    const hi = cum[e - 1];
    if (hi <= lo) return this.book(rng, k, this.genre(rng, k));
    return this.cat.authorBooks[searchCum(cum, s, e, lo + rng.next() * (hi - lo))];
  }

  /** Whether book b is on sale in bucket k. */
  released(b: number, k: number): boolean {
    return this.cat.release[b] <= (k + 0.5) / BUCKETS;
  }
}

/** First position p in [lo, hi) with cum[p] > u (the last one when rounding runs past the end). */
export function searchCum(cum: Float64Array, lo: number, hi: number, u: number): number {
  let a = lo;
  let b = hi - 1;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (cum[m] > u) b = m;
    else a = m + 1;
  }
  return a;
}

/** Customers: activity weights (log-normal, σ = 1.2: a few heavy buyers) and two genres each. */
export interface SyntheticCustomers {
  cum: Float64Array;
  primary: Int32Array;
  secondary: Int32Array;
}

export function buildCustomers(rng: Rng, n: number, sampler: SyntheticSampler): SyntheticCustomers {
  const cum = new Float64Array(n);
  const primary = new Int32Array(n);
  const secondary = new Int32Array(n);
  let acc = 0;
  for (let c = 0; c < n; c++) {
    acc += Math.exp(1.2 * rng.normal());
    cum[c] = acc;
    primary[c] = sampler.genre(rng, 0);
    // Genres bought together: the second genre is usually the first one's sibling.
    secondary[c] = rng.next() < 0.6 ? sampler.cat.siblingGenre[primary[c]] : sampler.genre(rng, 0);
  }
  return { cum, primary, secondary };
}
