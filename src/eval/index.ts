/**
 * Offline evaluation of recommenders on purchase data: splits (leave-last-basket-out, time cut),
 * full-catalogue ranking metrics (HitRate, Precision, Recall, NDCG, MRR @k; coverage; popularity),
 * popularity and random baselines, and user-bootstrap CIs with paired model − baseline differences.
 * Pure: typed arrays in, numbers out; no I/O, no clock, randomness from seeded `Rng`s.
 *
 * @example
 * import { evaluate, mostPopularBaseline, randomBaseline, splitInteractions } from '../eval/index.js';
 * const { train, test } = splitInteractions(interactions); // last basket held out
 * const recommenders = { model: myRecommender, 'most-popular': mostPopularBaseline(train), random: randomBaseline(test.nItems) };
 * const report = evaluate({ train, test, recommenders, k: 10, seed: 42 });
 * console.log(report.comparisons[0].metrics.ndcg.verdict); // 'better' | 'worse' | 'inconclusive'
 */
export { mostPopularBaseline, randomBaseline } from './baselines.js';
export type { BootstrapOptions, Difference, Interval } from './bootstrap.js';
export {
  BOOTSTRAP_DEFAULTS,
  bootstrapCi,
  bootstrapIntervals,
  checkBootstrapOptions,
  differenceSeries,
  pairedBootstrap,
  toDifference,
} from './bootstrap.js';
export type { EvalErrorCode } from './errors.js';
export { checkK, EVAL_ERRORS, EvaluationError, MAX_K } from './errors.js';
export type { Comparison, EvalReport, EvaluateInput, RecommenderReport } from './evaluate.js';
export { DEFAULT_K, evaluate, flatMetrics } from './evaluate.js';
export type { ExposureCatalogue, ExposureReport, GroupConcentration } from './exposure.js';
export {
  exposureMetrics,
  exposureReport,
  gini,
  groupExposure,
  HEAD_SHARE,
  longTailMask,
  MIN_METADATA_SHARE,
} from './exposure.js';
export type { MetricName, MetricValues, ScoredLists, ScoreOptions, UserScores } from './metrics.js';
export { METRICS, metricLabel, rankingMetrics, scoreRecommender } from './metrics.js';
export { itemPopularity, popularityOrder } from './popularity.js';
export type { Recommender } from './recommender.js';
export { Marker } from './recommender.js';
export type { LastBasketRule, LeaveLastOutRule, Split, SplitRule, TimeRule } from './splits.js';
export {
  DEFAULT_TEST_FRACTION,
  SPLIT_KINDS,
  splitByTime,
  splitInteractions,
  splitLastBasket,
  splitLeaveLastOut,
  validationSplit,
} from './splits.js';
export type { TestSet } from './test-set.js';
