import type { TrainParams } from './params.js';

/**
 * A trained item-kNN model: per item its top neighbours in CSR form, best first
 * (score descending, then smaller index), and a popularity list for fallback.
 */
export interface ItemKnn {
  readonly params: TrainParams;
  readonly nItems: number;
  /** neighbours of item i are neighbours[offsets[i] .. offsets[i+1]). Length nItems + 1. */
  readonly offsets: Int32Array;
  readonly neighbours: Int32Array;
  readonly scores: Float64Array;
  /**
   * Per neighbour entry, the rows (customers or baskets) that bought both: the co-buy counts that
   * explanations show. Absent in bundles written before they were stored.
   */
  readonly coCounts?: Int32Array;
  /** Distinct buyers (rows) per item. */
  readonly popularity: Int32Array;
  /** Items by popularity descending, then index ascending; items never bought are left out. */
  readonly popularOrder: Int32Array;
  /** Rows (customers or baskets) and distinct (row, item) pairs seen in training. */
  readonly nRows: number;
  readonly nPairs: number;
  /** Co-occurrence accumulator updates performed (work measure for benchmarks). */
  readonly pairUpdates: number;
}
