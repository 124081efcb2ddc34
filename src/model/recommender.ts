import { kOutOfRange } from './errors.js';
import type { ItemKnn, ScoreArray } from './item-knn.js';

/** An answer: item indices best first, their scores, and whether popularity stood in. */
export interface Recommendation {
  readonly items: Int32Array;
  /** Float32 when the bundle stores its scores so (a single book's answer is a view over them). */
  readonly scores: ScoreArray;
  /** True when the answer is the popularity list (unknown item, or no co-bought neighbours). */
  readonly fallback: boolean;
  /**
   * Entries from this index on are padding from the popularity list, not the model's neighbours:
   * 0 for a fallback, items.length when nothing was padded. Read it through {@link paddedFrom}:
   * answers built elsewhere may leave it out.
   */
  readonly padFrom?: number;
}

/** Where an answer's popularity padding starts (absent `padFrom`: all of a fallback, else none). */
export function paddedFrom(a: Recommendation): number {
  return a.padFrom ?? (a.fallback ? 0 : a.items.length);
}

/**
 * Answers "what else?" from a trained or loaded item-kNN model. Single-item answers are views
 * into the model's arrays (no copy); baskets reuse one scratch accumulator.
 *
 * @example
 * const rec = new Recommender(model);
 * const { items, scores, fallback } = rec.forItem(17, 5);
 */
export class Recommender {
  readonly model: ItemKnn;
  /** Largest k a caller may ask for: the neighbours kept per item. */
  readonly maxK: number;
  readonly #popularScores: Float64Array;
  readonly #acc: Float64Array;
  readonly #inBasket: Uint8Array;
  readonly #touched: Int32Array;

  constructor(model: ItemKnn) {
    this.model = model;
    this.maxK = model.params.k;
    // Fallback scores are purchase shares, so they read as "how popular", not as similarities.
    const rows = Math.max(1, model.nRows);
    // A plain loop: Float64Array.from with a map function iterates generically (1 s on 1M books).
    const order = model.popularOrder;
    const shares = new Float64Array(order.length);
    for (let q = 0; q < order.length; q++) shares[q] = model.popularity[order[q]] / rows;
    this.#popularScores = shares;
    this.#acc = new Float64Array(model.nItems);
    this.#inBasket = new Uint8Array(model.nItems);
    this.#touched = new Int32Array(model.nItems);
  }

  /** Throws MODEL_K_OUT_OF_RANGE unless k is an integer in 1..maxK. */
  checkK(k: number): void {
    if (!Number.isInteger(k) || k < 1 || k > this.maxK) throw kOutOfRange(k, this.maxK);
  }

  /**
   * Top-k neighbours of one item (fewer when it has fewer: a single book's list is not padded); an
   * unknown index (e.g. -1) or a lone item gets the popularity list.
   */
  forItem(item: number, k: number): Recommendation {
    this.checkK(k);
    const m = this.model;
    if (item >= 0 && item < m.nItems) {
      const lo = m.offsets[item];
      const hi = m.offsets[item + 1];
      if (hi > lo) {
        const end = Math.min(hi, lo + k);
        return {
          items: m.neighbours.subarray(lo, end),
          scores: m.scores.subarray(lo, end),
          fallback: false,
          padFrom: end - lo,
        };
      }
    }
    return this.#popular(k, item);
  }

  /**
   * Top-k for a basket: each candidate's score is the sum of its similarities to the basket's
   * items; the basket's own items are never recommended. Short answers are padded with popular
   * items (fallback stays false when at least one neighbour scored).
   */
  forBasket(items: ArrayLike<number>, k: number): Recommendation {
    this.checkK(k);
    const m = this.model;
    const acc = this.#acc;
    const inBasket = this.#inBasket;
    const touched = this.#touched;
    let nt = 0;
    for (let b = 0; b < items.length; b++) {
      const it = items[b];
      if (it >= 0 && it < m.nItems) inBasket[it] = 1;
    }
    for (let b = 0; b < items.length; b++) {
      const it = items[b];
      if (it < 0 || it >= m.nItems) continue;
      for (let p = m.offsets[it], end = m.offsets[it + 1]; p < end; p++) {
        const j = m.neighbours[p];
        if (inBasket[j]) continue;
        if (acc[j] === 0) touched[nt++] = j;
        acc[j] += m.scores[p];
      }
    }
    const outItems = new Int32Array(k);
    const outScores = new Float64Array(k);
    let n = 0;
    // Selection by insertion into the k-long output: baskets touch few candidates, k is small.
    for (let t = 0; t < nt; t++) {
      const j = touched[t];
      const s = acc[j];
      acc[j] = 0;
      if (n === k && !(s > outScores[n - 1] || (s === outScores[n - 1] && j < outItems[n - 1]))) continue;
      let pos = n < k ? n++ : k - 1;
      while (pos > 0 && (s > outScores[pos - 1] || (s === outScores[pos - 1] && j < outItems[pos - 1]))) {
        outItems[pos] = outItems[pos - 1];
        outScores[pos] = outScores[pos - 1];
        pos--;
      }
      outItems[pos] = j;
      outScores[pos] = s;
    }
    const scored = n;
    if (n < k) {
      for (let t = 0; t < n; t++) inBasket[outItems[t]] = 1;
      for (let q = 0; q < m.popularOrder.length && n < k; q++) {
        const j = m.popularOrder[q];
        if (inBasket[j]) continue;
        outItems[n] = j;
        outScores[n] = this.#popularScores[q];
        n++;
      }
      for (let t = 0; t < scored; t++) inBasket[outItems[t]] = 0;
    }
    for (let b = 0; b < items.length; b++) {
      const it = items[b];
      if (it >= 0 && it < m.nItems) inBasket[it] = 0;
    }
    return {
      items: outItems.subarray(0, n),
      scores: outScores.subarray(0, n),
      fallback: scored === 0,
      padFrom: scored,
    };
  }

  #popular(k: number, exclude: number): Recommendation {
    const order = this.model.popularOrder;
    const limit = Math.min(order.length, k + 1);
    let skip = -1;
    for (let q = 0; q < limit; q++) if (order[q] === exclude) skip = q;
    if (skip < 0) {
      const end = Math.min(order.length, k);
      return {
        items: order.subarray(0, end),
        scores: this.#popularScores.subarray(0, end),
        fallback: true,
        padFrom: 0,
      };
    }
    const items = new Int32Array(Math.min(k, order.length - 1));
    const scores = new Float64Array(items.length);
    for (let q = 0, n = 0; n < items.length; q++) {
      if (q === skip) continue;
      items[n] = order[q];
      scores[n++] = this.#popularScores[q];
    }
    return { items, scores, fallback: true, padFrom: 0 };
  }
}
