import type { Interactions } from '../data/index.js';
import { itemPopularity, type MetricValues, scoreRecommender, type TestSet } from '../eval/index.js';
import { type ItemKnn, Recommender, trainItemKnn } from '../model/index.js';
import type { TrialParams } from './space.js';

/** What a trial is scored on: the inner (validation) split, never the outer test set. */
export interface TrialData {
  readonly train: Interactions;
  readonly test: TestSet;
  /** List length scored. */
  readonly k: number;
}

/** A trial's validation metrics (means over the validation customers). */
export type TrialScore = MetricValues;

/**
 * Fit `params` on the validation split's train side and score its lists on the held-out side. One
 * thread: trials already run side by side, one per core.
 */
export async function scoreTrial(data: TrialData, params: TrialParams): Promise<TrialScore> {
  const knn = await fitModel(data.train, params, 1);
  const scored = scoreRecommender(data.test, evalRecommender(knn), {
    k: data.k,
    popularity: itemPopularity(data.train),
    name: 'trial',
  });
  return { ...scored.mean };
}

/**
 * Fit the model a point of the space describes: the one place trials and the final refit train, so a
 * new model family (a `family` row in the space) is dispatched here once.
 */
export function fitModel(train: Interactions, params: TrialParams, threads: number): Promise<ItemKnn> {
  return trainItemKnn(train, params, { threads });
}

/** The model as the evaluator's recommender: the basket answer leaves out what the customer owns. */
export function evalRecommender(knn: ItemKnn) {
  const rec = new Recommender(knn);
  return (history: Int32Array, k: number, out: Int32Array): number => {
    const answer = rec.forBasket(history, k);
    out.set(answer.items);
    return answer.items.length;
  };
}
