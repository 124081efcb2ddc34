import { Rng } from '../core/index.js';
import type { Interactions } from '../data/index.js';
import { type ModelBundle, Recommender } from '../model/index.js';
import { popularityRanks } from '../store/predictions/index.js';
import { MonitorError } from './errors.js';
import { answerFeatures, type FeatureValues } from './features.js';

/**
 * Traffic computed from a model instead of read from the log: the reference a version's training
 * data implies, and shifted request mixes for `bookml demo drift` and tests. Answers come from the
 * same `Recommender` the server runs, and features from `answerFeatures`, so they are comparable
 * with logged traffic value for value.
 */

/** What simulating traffic needs of a model bundle (a `ModelBundle` has it). */
export type TrafficModel = Pick<ModelBundle, 'model' | 'itemIds' | 'itemIdsNumeric'>;

/** Options of {@link shiftedTraffic}. */
export interface ShiftedTrafficOptions {
  /**
   * Share of requests moved to the long tail, 0–1: each request is, with this probability, a book
   * drawn uniformly from the less popular half of the books the model saw bought; otherwise a book
   * drawn in proportion to its purchase lines (the training mix). 0 is unshifted traffic.
   */
  shift: number;
  /** Requests to generate. */
  n: number;
  /** Seed of the draw: the same seed gives the same requests. @default 1 */
  seed?: number;
}

/**
 * Request book ids (in the model's id type) whose popularity mix is shifted toward the long tail by
 * `shift` — what customers browsing away from the best-sellers look like to the server, as the data
 * generator's `--shift` moves genres. Feed them to `/recommend`, or to {@link trafficFeatures}.
 *
 * @example
 * const normal = shiftedTraffic(bundle, { shift: 0, n: 5000, seed: 1 });
 * const tail = shiftedTraffic(bundle, { shift: 0.5, n: 5000, seed: 2 }); // half the requests from the tail
 */
export function shiftedTraffic(bundle: TrafficModel, opts: ShiftedTrafficOptions): Array<number | string> {
  const { shift, n } = opts;
  if (!(shift >= 0 && shift <= 1)) bad('shift', `must be in 0..1, got ${shift}`);
  if (!Number.isSafeInteger(n) || n < 0) bad('n', `must be a whole number ≥ 0, got ${n}`);
  const m = bundle.model;
  const order = m.popularOrder;
  if (order.length === 0) bad('model', 'has no bought books to draw requests from');
  // Cumulative purchase lines in popularity order: a draw is a binary search.
  const cumulative = new Float64Array(order.length);
  let total = 0;
  for (let q = 0; q < order.length; q++) cumulative[q] = total += m.popularity[order[q]];
  const tailStart = Math.floor(order.length / 2);
  const rng = new Rng(opts.seed ?? 1);
  const out: Array<number | string> = [];
  for (let r = 0; r < n; r++) {
    let q: number;
    if (rng.next() < shift) q = tailStart + rng.int(order.length - tailStart);
    else q = upperBound(cumulative, rng.next() * total);
    const id = bundle.itemIds[order[q]];
    out.push(bundle.itemIdsNumeric ? Number(id) : id);
  }
  return out;
}

/**
 * The features of single-book requests answered by `bundle` (what the server would log for them);
 * ids the model does not know get the fallback answer, as they would when served.
 *
 * @example
 * const rows = trafficFeatures(bundle, shiftedTraffic(bundle, { shift: 0.5, n: 2000 }));
 */
export function trafficFeatures(
  bundle: TrafficModel,
  bookIds: ReadonlyArray<number | string>,
  opts: { k?: number } = {},
): FeatureValues[] {
  const rec = new Recommender(bundle.model);
  const k = Math.min(opts.k ?? 10, rec.maxK);
  const ranks = popularityRanks(bundle.model.popularOrder, bundle.model.nItems);
  const index = new Map<string, number>(bundle.itemIds.map((id, i) => [id, i]));
  return bookIds.map((id) => {
    const idx = index.get(String(id)) ?? -1;
    return answerFeatures(ranks, [idx], rec.forItem(idx, k));
  });
}

/** Options of {@link referenceFromTraining}. */
export interface TrainingReferenceOptions {
  /** Answers to simulate (purchase lines drawn without replacement). @default 5000 */
  size?: number;
  /** Recommendations per answer, as the server's default k. @default 10 */
  k?: number;
  /** @default 1 */
  seed?: number;
}

/**
 * A reference window from a version's training data: each simulated request is a book from a
 * purchase line drawn at random (a customer looking at what customers buy), answered by the model.
 * Use it as `ProductionPort.trainingReference` so a version is compared with the traffic its data
 * implies from its first minute, instead of with its own first answers (which may already drift).
 *
 * @example
 * const { interactions } = await loadDataset(datasetDir);
 * const rows = referenceFromTraining(readBundle(bundleDir), interactions, { size: 5000 });
 */
export function referenceFromTraining(
  bundle: TrafficModel,
  interactions: Interactions,
  opts: TrainingReferenceOptions = {},
): FeatureValues[] {
  const size = opts.size ?? 5000;
  if (!Number.isSafeInteger(size) || size < 1) bad('size', `must be a positive whole number, got ${size}`);
  const lines = interactions.length;
  if (lines === 0) bad('interactions', 'has no purchase lines');
  // A partial Fisher–Yates shuffle of line numbers: `size` distinct lines, seeded.
  const pick = Math.min(size, lines);
  const order = new Int32Array(lines);
  for (let i = 0; i < lines; i++) order[i] = i;
  const rng = new Rng(opts.seed ?? 1);
  const ids: string[] = [];
  for (let i = 0; i < pick; i++) {
    const j = i + rng.int(lines - i);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
    ids.push(interactions.itemIds[interactions.item[order[i]]]);
  }
  return trafficFeatures(bundle, ids, { k: opts.k });
}

/** First index whose cumulative count exceeds `x`. */
function upperBound(cumulative: Float64Array, x: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function bad(field: string, why: string): never {
  throw new MonitorError('MONITOR_BAD_OPTION', `${field} ${why}`, { field });
}
