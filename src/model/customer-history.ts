import type { Interactions } from '../data/index.js';

/**
 * The customer-history feature: ONE definition of "what a customer bought", used where the model is
 * evaluated and trained on histories (the evaluator's history rows are the same distinct books,
 * ascending) and where it serves them (the online store, read per request). Changing it means a new
 * {@link CUSTOMER_HISTORY_DEFINITION}, hence new feature versions materialised beside the old ones.
 *
 * Definition 1: every distinct book the customer bought, each with its newest purchase time. The
 * basket the recommender scores is those books as item indices, ascending, unweighted — exactly the
 * evaluator's history row, so a customer's served answer equals the one the metrics were computed on.
 * Time decay (`halfLifeDays`, `decayReference: 'customer'`) shapes the item-item weights at training
 * and so reaches every answer through them; the basket itself stays unweighted, as it is in evaluation.
 */

/** The feature view's name (Feast's feature view). */
export const CUSTOMER_HISTORY_VIEW = 'customer_history';

/** The definition's version: part of every feature version, bumped when the definition changes. */
export const CUSTOMER_HISTORY_DEFINITION = 1;

/**
 * The feature version a model's histories live under: the definition and the model's dataset (the
 * first 16 hex characters of its hash). Every model trained on one dataset shares it; the registry's
 * lineage records it beside the dataset.
 * @example customerHistoryRef('ab12…') // { view: 'customer_history', version: 'd1-ab12…' }
 */
export function customerHistoryRef(datasetHash: string): { view: string; version: string } {
  return {
    view: CUSTOMER_HISTORY_VIEW,
    version: `d${CUSTOMER_HISTORY_DEFINITION}-${datasetHash.slice(0, 16)}`,
  };
}

/**
 * Every customer's history in CSR form: customer c's distinct books are
 * `items[offsets[c] .. offsets[c + 1])`, ascending, and `times[p]` is the newest purchase of `items[p]`
 * by c (epoch ms). Customers are `Interactions.customerIds` order.
 */
export interface CustomerHistories {
  readonly offsets: Int32Array;
  readonly items: Int32Array;
  readonly times: Float64Array;
}

/**
 * Build every customer's history from purchase lines (a counting sort by customer, then a sort of each
 * row). O(lines + customers · row log row).
 * @example const h = customerHistories(x); h.items.subarray(h.offsets[c], h.offsets[c + 1]);
 */
export function customerHistories(x: Interactions): CustomerHistories {
  const nC = x.customerIds.length;
  const start = new Int32Array(nC + 1);
  for (let l = 0; l < x.length; l++) start[x.customer[l] + 1]++;
  for (let c = 0; c < nC; c++) start[c + 1] += start[c];
  const cursor = start.slice(0, nC);
  const lines = new Int32Array(x.length);
  for (let l = 0; l < x.length; l++) lines[cursor[x.customer[l]]++] = l;

  const offsets = new Int32Array(nC + 1);
  const items = new Int32Array(x.length);
  const times = new Float64Array(x.length);
  // newest[i] is the slot of item i in the current customer's row, valid while owner[i] === c.
  const owner = new Int32Array(x.itemIds.length).fill(-1);
  const slot = new Int32Array(x.itemIds.length);
  let n = 0;
  for (let c = 0; c < nC; c++) {
    const rowStart = n;
    for (let p = start[c]; p < start[c + 1]; p++) {
      const l = lines[p];
      const it = x.item[l];
      if (owner[it] === c) {
        if (x.time[l] > times[slot[it]]) times[slot[it]] = x.time[l];
        continue;
      }
      owner[it] = c;
      slot[it] = n;
      items[n] = it;
      times[n++] = x.time[l];
    }
    sortRow(items, times, rowStart, n);
    offsets[c + 1] = n;
  }
  return { offsets, items: items.slice(0, n), times: times.slice(0, n) };
}

/** Sorts items[lo..hi) ascending, carrying times along (rows are short: insertion sort). */
function sortRow(items: Int32Array, times: Float64Array, lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const it = items[i];
    const t = times[i];
    let j = i - 1;
    while (j >= lo && items[j] > it) {
      items[j + 1] = items[j];
      times[j + 1] = times[j];
      j--;
    }
    items[j + 1] = it;
    times[j + 1] = t;
  }
}

/**
 * Customer c's history as the online store keeps it: external book ids with their newest time.
 * @example historyEntries(h, c, x.itemIds) // [{ book: '17', time: 1733011200000 }, …]
 */
export function historyEntries(
  h: CustomerHistories,
  c: number,
  itemIds: readonly string[],
): { book: string; time: number }[] {
  const out: { book: string; time: number }[] = [];
  for (let p = h.offsets[c]; p < h.offsets[c + 1]; p++)
    out.push({ book: itemIds[h.items[p]], time: h.times[p] });
  return out;
}

/**
 * The basket the recommender scores for a stored history: the books the model knows, as item indices,
 * distinct and ascending (the evaluator's history row). `unknown` counts books the model does not know
 * (bought after it was trained, or dropped from its catalogue).
 * @example const { basket } = historyBasket(entries.map((e) => e.book), (id) => ids.indexOf(id));
 */
export function historyBasket(
  books: readonly string[],
  indexOf: (book: string) => number,
): { basket: Int32Array; unknown: number } {
  const idx = new Int32Array(books.length);
  let n = 0;
  let unknown = 0;
  for (const b of books) {
    const i = indexOf(b);
    if (i < 0) unknown++;
    else idx[n++] = i;
  }
  const sorted = idx.subarray(0, n).sort();
  let m = 0;
  for (let p = 0; p < n; p++) if (p === 0 || sorted[p] !== sorted[p - 1]) sorted[m++] = sorted[p];
  return { basket: sorted.slice(0, m), unknown };
}

/**
 * Purchase lines as the online store appends them: one per (customer, distinct book) with the newest
 * time, by the same definition as {@link customerHistories}. Lines without a time (0) take `now`.
 * @example await online.append(historyPurchases(file.interactions, clock.now()));
 */
export function historyPurchases(
  x: Interactions,
  now: number,
): { customer: string; book: string; time: number }[] {
  const h = customerHistories(x);
  const out: { customer: string; book: string; time: number }[] = [];
  for (let c = 0; c < x.customerIds.length; c++) {
    for (let p = h.offsets[c]; p < h.offsets[c + 1]; p++) {
      out.push({ customer: x.customerIds[c], book: x.itemIds[h.items[p]], time: h.times[p] || now });
    }
  }
  return out;
}
