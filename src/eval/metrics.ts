import { checkK, EvaluationError } from './errors.js';
import { Marker, type Recommender } from './recommender.js';
import type { TestSet } from './test-set.js';

/**
 * The ranking metrics, all per user, all with binary relevance (an item is relevant when the
 * customer bought it in the test period), all in [0, 1], higher is better:
 *
 * - `hitRate` — HitRate@k: 1 when at least one of the top k is relevant, else 0.
 * - `precision` — Precision@k: relevant items in the top k, divided by k (also when the list is
 *   shorter than k: an empty slot is a wasted slot).
 * - `recall` — Recall@k: relevant items in the top k, divided by the number of relevant items.
 * - `ndcg` — NDCG@k: DCG = Σ_{rank r ≤ k, relevant} 1 / log2(r + 1), divided by the ideal DCG of
 *   min(k, |relevant|) relevant items at the top.
 * - `mrr` — MRR@k: 1 / rank of the first relevant item in the top k, 0 when there is none.
 */
export const METRICS = ['hitRate', 'precision', 'recall', 'ndcg', 'mrr'] as const;
/** A metric's key in reports: `'hitRate' | 'precision' | 'recall' | 'ndcg' | 'mrr'`. */
export type MetricName = (typeof METRICS)[number];

const LABELS: Record<MetricName, string> = {
  hitRate: 'HitRate',
  precision: 'Precision',
  recall: 'Recall',
  ndcg: 'NDCG',
  mrr: 'MRR',
};

/**
 * A metric's display name at a cut-off.
 * @example metricLabel('ndcg', 10) // 'NDCG@10'
 */
export function metricLabel(metric: MetricName, k: number): string {
  return `${LABELS[metric]}@${k}`;
}

/** One value per metric. */
export type MetricValues = Record<MetricName, number>;

/** Per-user values: one Float64Array per metric, indexed by test user (what the bootstrap resamples). */
export type UserScores = Record<MetricName, Float64Array>;

/** Discount 1 / log2(rank + 1) per 0-based position, and the ideal DCG of m relevant items. */
function discounts(k: number): { disc: Float64Array; ideal: Float64Array } {
  const disc = new Float64Array(k);
  const ideal = new Float64Array(k + 1);
  for (let i = 0; i < k; i++) {
    disc[i] = 1 / Math.log2(i + 2);
    ideal[i + 1] = ideal[i] + disc[i];
  }
  return { disc, ideal };
}

/**
 * The one scoring loop. `relevant` marks the user's relevant items; writes the five metrics of the
 * first min(n, k) items of `list` into `out[metric][u]`.
 */
function scoreList(
  list: ArrayLike<number>,
  n: number,
  relevant: Marker,
  nRelevant: number,
  k: number,
  disc: Float64Array,
  ideal: Float64Array,
  out: UserScores,
  u: number,
): void {
  const m = Math.min(n, k);
  let hits = 0;
  let dcg = 0;
  let rr = 0;
  for (let i = 0; i < m; i++) {
    if (!relevant.has(list[i])) continue;
    if (hits === 0) rr = 1 / (i + 1);
    hits++;
    dcg += disc[i];
  }
  out.hitRate[u] = hits > 0 ? 1 : 0;
  out.precision[u] = hits / k;
  out.recall[u] = nRelevant > 0 ? hits / nRelevant : 0;
  out.ndcg[u] = nRelevant > 0 ? dcg / ideal[Math.min(nRelevant, k)] : 0;
  out.mrr[u] = rr;
}

function emptyScores(n: number): UserScores {
  return {
    hitRate: new Float64Array(n),
    precision: new Float64Array(n),
    recall: new Float64Array(n),
    ndcg: new Float64Array(n),
    mrr: new Float64Array(n),
  };
}

/**
 * The five metrics of one ranked list against one set of relevant items (distinct indices).
 * Only the first k entries of `list` count. With no relevant item every metric is 0.
 *
 * @example
 * rankingMetrics([7, 3, 9], [3], 3)
 * // { hitRate: 1, precision: 1/3, recall: 1, ndcg: 1/log2(3), mrr: 1/2 }
 */
export function rankingMetrics(
  list: ArrayLike<number>,
  relevant: ArrayLike<number>,
  k: number,
): MetricValues {
  checkK(k);
  let size = 0;
  for (let i = 0; i < list.length; i++) size = Math.max(size, list[i] + 1);
  for (let i = 0; i < relevant.length; i++) size = Math.max(size, relevant[i] + 1);
  const marker = new Marker(size);
  marker.reset(relevant);
  const { disc, ideal } = discounts(k);
  const out = emptyScores(1);
  scoreList(list, list.length, marker, relevant.length, k, disc, ideal, out, 0);
  return {
    hitRate: out.hitRate[0],
    precision: out.precision[0],
    recall: out.recall[0],
    ndcg: out.ndcg[0],
    mrr: out.mrr[0],
  };
}

/** A recommender's lists over a test set, scored. */
export interface ScoredLists {
  /** Per-user metric values, indexed like the test set's users. */
  readonly perUser: UserScores;
  /** Mean of each metric over users. */
  readonly mean: MetricValues;
  /** Catalogue coverage: share of catalogue items in at least one list, in [0, 1]. */
  readonly coverage: number;
  /** Distinct items recommended to anyone. */
  readonly distinctItems: number;
  /**
   * Mean train popularity (distinct train buyers) of a recommended item, over every list slot.
   * Higher = the recommender leans on best sellers. No CI: it describes the lists, not users' outcomes.
   */
  readonly meanPopularity: number;
  /**
   * `meanPopularity` divided by the best seller's buyer count, in [0, 1]: 1 would be every slot
   * holding the single most popular item; compares across datasets without percentiles.
   */
  readonly meanPopularityNorm: number;
  /** Mean list length (k unless the catalogue minus history is shorter, or the recommender stops early). */
  readonly meanListLength: number;
  /** Per item, the lists that held it (its exposure; see `exposureReport`). */
  readonly exposure: Int32Array;
}

/** Options of {@link scoreRecommender}. */
export interface ScoreOptions {
  /** List length. @default 10 */
  k?: number;
  /** Distinct train buyers per item (see `itemPopularity`), for the popularity statistics. */
  popularity: Int32Array;
  /** Recommender name, for error messages. @default 'recommender' */
  name?: string;
  /** Called every 1,024 users and at the end with (users done, users). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Ask a recommender for every test user's top k and score the lists. Per user it allocates only
 * the history view it hands the recommender; scratch is typed arrays made once. Fails with `EVAL_BAD_RECOMMENDATION` when a list
 * breaks the {@link Recommender} contract.
 *
 * @example
 * const scored = scoreRecommender(split.test, mostPopularBaseline(split.train), {
 *   k: 10, popularity: itemPopularity(split.train),
 * });
 * console.log(scored.mean.ndcg, scored.coverage);
 */
export function scoreRecommender(test: TestSet, recommend: Recommender, opts: ScoreOptions): ScoredLists {
  const k = opts.k ?? 10;
  checkK(k, test.nItems);
  const name = opts.name ?? 'recommender';
  const { nUsers, nItems, heldOffsets, heldItems, historyOffsets, historyItems, customer } = test;
  const popularity = opts.popularity;
  if (popularity.length !== nItems) {
    throw new EvaluationError(
      'EVAL_CATALOGUE_MISMATCH',
      `popularity has ${popularity.length} items, the test set ${nItems}: count it on this split's train side`,
      { field: 'popularity' },
    );
  }
  let maxPop = 0;
  for (let i = 0; i < nItems; i++) if (popularity[i] > maxPop) maxPop = popularity[i];

  const { disc, ideal } = discounts(k);
  const out = new Int32Array(k);
  const perUser = emptyScores(nUsers);
  const relevant = new Marker(nItems);
  const owned = new Marker(nItems);
  const listed = new Marker(nItems);
  const exposure = new Int32Array(nItems);
  let distinct = 0;
  let slots = 0;
  let popSum = 0;

  for (let u = 0; u < nUsers; u++) {
    const hs = historyOffsets[u];
    const he = historyOffsets[u + 1];
    const n = recommend(historyItems.subarray(hs, he), k, out);
    if (!(Number.isInteger(n) && n >= 0 && n <= k)) {
      throw badList(name, customer[u], `returned count ${n}, expected an integer in [0, ${k}]`);
    }
    owned.next();
    for (let j = hs; j < he; j++) owned.set(historyItems[j]);
    listed.next();
    for (let i = 0; i < n; i++) {
      const it = out[i];
      if (!(it >= 0 && it < nItems))
        throw badList(name, customer[u], `item index ${it} is not in the catalogue`);
      if (owned.has(it)) throw badList(name, customer[u], `item ${it} is in the customer's history`);
      if (listed.has(it)) throw badList(name, customer[u], `item ${it} appears twice`);
      listed.set(it);
      if (exposure[it]++ === 0) distinct++;
      popSum += popularity[it];
    }
    slots += n;
    const gs = heldOffsets[u];
    const ge = heldOffsets[u + 1];
    relevant.next();
    for (let j = gs; j < ge; j++) relevant.set(heldItems[j]);
    scoreList(out, n, relevant, ge - gs, k, disc, ideal, perUser, u);
    if (opts.onProgress !== undefined && ((u + 1) & 1023) === 0) opts.onProgress(u + 1, nUsers);
  }
  opts.onProgress?.(nUsers, nUsers);

  const meanPopularity = slots > 0 ? popSum / slots : 0;
  return {
    perUser,
    mean: {
      hitRate: mean(perUser.hitRate),
      precision: mean(perUser.precision),
      recall: mean(perUser.recall),
      ndcg: mean(perUser.ndcg),
      mrr: mean(perUser.mrr),
    },
    coverage: nItems > 0 ? distinct / nItems : 0,
    distinctItems: distinct,
    meanPopularity,
    meanPopularityNorm: maxPop > 0 ? meanPopularity / maxPop : 0,
    meanListLength: nUsers > 0 ? slots / nUsers : 0,
    exposure,
  };
}

function mean(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return v.length > 0 ? s / v.length : 0;
}

function badList(name: string, customer: number, what: string): EvaluationError {
  return new EvaluationError(
    'EVAL_BAD_RECOMMENDATION',
    `recommender "${name}" broke its contract for customer index ${customer}: ${what}; ` +
      'a list must hold at most k distinct catalogue items, none from the customer history',
    { field: 'recommenders' },
  );
}
