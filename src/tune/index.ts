/**
 * Automatic tuning of the recommender: a seeded TPE search over a declarative table of trainer options,
 * trials fitted and scored on a validation split carved from the train side (in parallel worker
 * threads), and the chosen parameters scored once on the test split against plain cosine and
 * most-popular with bootstrap CIs.
 *
 * @example
 * import { tune } from '../tune/index.js';
 * const r = await tune(interactions, { trials: 60, seed: 1, split: { kind: 'leave-last-out' }, threads: 2 });
 * console.log(r.best.params, r.test.ndcg_at_10);
 */
export type { TuneErrorCode } from './errors.js';
export { TUNE_ERRORS, TuneError } from './errors.js';
export type { TrialFailure, TrialOutcome } from './pool.js';
export type { SearchOptions, SearchResult, TrialRecord } from './search.js';
export { checkSearchOptions, flatScore, MAX_TRIALS, pickBest, search } from './search.js';
export type {
  CatalogueShape,
  ChoiceDimension,
  Condition,
  Dimension,
  NumberDimension,
  SearchSpace,
  TrialParams,
} from './space.js';
export {
  catalogueShape,
  DEFAULT_SPACE,
  decode,
  describeSpace,
  EASE_LAMBDA_RELATIVE,
  isActive,
  searchSpace,
} from './space.js';
export type { Observation, TpeOptions } from './tpe.js';
export { proposeTpe, randomPoint } from './tpe.js';
export type { TrialData, TrialScore } from './trial.js';
export { evalRecommender, fitModel, scoreTrial } from './trial.js';
export type { TuneOptions, TuneResult } from './tune.js';
export { PLAIN_COSINE, searchValidation, tune } from './tune.js';
