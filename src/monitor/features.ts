import type { Recommendation } from '../model/index.js';
import type { PredictionRecord } from '../store/predictions/index.js';

/**
 * What the drift monitor watches in serving traffic: four numbers per answer, each tested on its own
 * with a two-sample KS test. They are defined once here, over a record of the prediction log (what the
 * server answered) or over an answer computed from a bundle (the training reference, simulated
 * traffic), so the reference and the test windows always hold the same quantity.
 *
 * Popularity ranks are those of the model that answered (`store`'s `popularityRanks`: 1 = its
 * best-seller, never-bought books share the last rank), carried by the record — the monitor needs no
 * bundle to read the log. A feature with no value for an answer is NaN and is left out of that
 * feature's sample (it does not count towards the window size of that feature).
 */

/** The features, in the order they are reported. */
export const FEATURE_NAMES = ['requested_rank', 'top_score', 'fallback', 'recommended_rank'] as const;

/** One of {@link FEATURE_NAMES}. */
export type FeatureName = (typeof FEATURE_NAMES)[number];

/**
 * One answer's features (NaN: no value for this answer).
 *
 * - `requested_rank`: the popularity rank of the requested book; for a basket, the mean rank of the
 *   requested books the model knows. No value when the model knows none of them (that answer is a
 *   fallback and counts there). Moves when customers look at other parts of the catalogue — the
 *   long tail instead of the best-sellers, or the reverse.
 * - `top_score`: the score of the first recommended book, for answers that are not a fallback (a
 *   fallback's scores are popularity shares, another scale). Moves when requests land on books whose
 *   neighbourhoods are weaker or stronger than at reference time.
 * - `fallback`: 1 when the answer is the popularity list (unknown book, or no co-bought neighbours),
 *   else 0. Its window mean is the fallback rate; KS on a 0/1 series compares two rates (D is their
 *   difference). Moves when traffic asks for books the model never saw.
 * - `recommended_rank`: the mean popularity rank of the recommended books, for answers that are not
 *   a fallback (a fallback returns the best-sellers by construction). Moves when what we show
 *   customers drifts towards or away from the best-sellers.
 */
export type FeatureValues = Record<FeatureName, number>;

/**
 * The features of one logged answer. A record written before the log carried ranks has no rank
 * features (NaN); `top_score` and `fallback` need only what every record holds.
 *
 * @example
 * const f = recordFeatures(record); // { requested_rank: 12, top_score: 0.41, fallback: 0, recommended_rank: 30.2 }
 */
export function recordFeatures(r: PredictionRecord): FeatureValues {
  return featuresOf(r.book_ranks, r.scores, r.fallback, r.returned_ranks);
}

/**
 * The features of an answer computed from a model (no log involved): `ranks` from `popularityRanks`,
 * `requested` the requested item indices (-1 for a book the model does not know).
 *
 * @example
 * const ranks = popularityRanks(bundle.model.popularOrder, bundle.model.nItems);
 * const f = answerFeatures(ranks, [17], recommender.forItem(17, 10));
 */
export function answerFeatures(
  ranks: Int32Array,
  requested: ArrayLike<number>,
  answer: Recommendation,
): FeatureValues {
  const requestedRanks: (number | null)[] = [];
  for (let i = 0; i < requested.length; i++)
    requestedRanks.push(requested[i] >= 0 ? ranks[requested[i]] : null);
  const returnedRanks: number[] = [];
  for (let i = 0; i < answer.items.length; i++) returnedRanks.push(ranks[answer.items[i]]);
  return featuresOf(requestedRanks, answer.scores, answer.fallback, returnedRanks);
}

function featuresOf(
  requestedRanks: ArrayLike<number | null> | undefined,
  scores: ArrayLike<number>,
  fallback: boolean,
  returnedRanks: ArrayLike<number> | undefined,
): FeatureValues {
  const top = scores.length > 0 ? scores[0] : Number.NaN;
  return {
    requested_rank: requestedRanks === undefined ? Number.NaN : mean(requestedRanks),
    top_score: fallback || !Number.isFinite(top) ? Number.NaN : top,
    fallback: fallback ? 1 : 0,
    recommended_rank: fallback || returnedRanks === undefined ? Number.NaN : mean(returnedRanks),
  };
}

/** Mean of the finite values; NaN when there is none. */
function mean(values: ArrayLike<number | null>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? Number.NaN : sum / n;
}
