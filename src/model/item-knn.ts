import type { TrainParams } from './params.js';

/** Neighbour scores: float64 from training, float32 when a large bundle stores them so. */
export type ScoreArray = Float64Array | Float32Array;

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
  /**
   * Score per neighbour entry. Training computes float64; a large bundle stores them rounded to
   * float32 (`bundle.ts`), after the ranking was decided in float64, so the order is unchanged.
   */
  readonly scores: ScoreArray;
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
