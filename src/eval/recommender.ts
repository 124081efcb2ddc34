/**
 * What the evaluator asks of every recommender — the model and the baselines alike: given one
 * customer's train history, write the top `k` item indices into `out`, best first, and return how
 * many were written (at most `k`).
 *
 * Contract (checked by `evaluate`, which fails with `EVAL_BAD_RECOMMENDATION` otherwise):
 * - `history` holds the customer's distinct train items, ascending; treat it as read-only.
 * - the list ranks the WHOLE catalogue: no item of `history`, no duplicates, every index in
 *   [0, nItems). Full ranking, not sampled negatives: metrics over a handful of sampled items can
 *   reverse the order of two recommenders (Krichene & Rendle, "On Sampled Metrics for Item
 *   Recommendation", KDD 2020), so a claim "the model beats popularity" must come from the full list.
 * - `out.length >= k`. Write nothing beyond `out[k - 1]`.
 * - it is called once per user in a tight loop: keep scratch buffers in the closure, allocate
 *   nothing per call where typed arrays do.
 *
 * @example
 * const firstK: Recommender = (history, k, out) => {
 *   let n = 0;
 *   for (let i = 0; i < nItems && n < k; i++) if (!history.includes(i)) out[n++] = i;
 *   return n;
 * };
 */
export type Recommender = (history: Int32Array, k: number, out: Int32Array) => number;

/**
 * A per-item marker that is reset in O(1): `next()` starts a new generation, `set(i)` marks `i`
 * in it, `has(i)` tests. Recommenders use it to skip history items without allocating.
 *
 * @example
 * const owned = new Marker(nItems); // once, outside the loop
 * owned.reset(history);             // per call
 * if (!owned.has(item)) out[n++] = item;
 */
export class Marker {
  readonly #mark: Int32Array;
  #gen = 0;
  constructor(size: number) {
    this.#mark = new Int32Array(size);
  }
  next(): void {
    if (++this.#gen === 0x7fffffff) {
      this.#mark.fill(0);
      this.#gen = 1;
    }
  }
  set(i: number): void {
    this.#mark[i] = this.#gen;
  }
  has(i: number): boolean {
    return this.#mark[i] === this.#gen;
  }
  /** Start a generation holding exactly `items`. */
  reset(items: ArrayLike<number>): void {
    this.next();
    for (let j = 0; j < items.length; j++) this.#mark[items[j]] = this.#gen;
  }
}
