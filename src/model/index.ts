/**
 * The recommender model: item-kNN training over purchase lines, the on-disk bundle, the
 * workspace's pointer to the latest trained bundle in the artifact store, and the recommender that
 * answers "customers who bought X also bought Y".
 *
 * @example
 * import { Recommender, trainItemKnn } from '../model/index.js';
 * const model = await trainItemKnn(interactions, { similarity: 'cosine', k: 20 });
 * const rec = new Recommender(model);
 * const { items, scores, fallback } = rec.forItem(17, 5);
 */

export type {
  BundleManifest,
  ModelBundle,
  ParseBundleOptions,
  ReadBundleOptions,
  WriteBundleInput,
} from './bundle.js';
export {
  BUNDLE_FORMAT_VERSION,
  BUNDLE_MANIFEST,
  bundleNotFound,
  FLOAT32_SCORES_FROM_BOOKS,
  modelIdOf,
  parseBundle,
  parseBundleManifest,
  readBundle,
  writeBundle,
} from './bundle.js';
export type { CustomerHistories } from './customer-history.js';
export {
  CUSTOMER_HISTORY_DEFINITION,
  CUSTOMER_HISTORY_VIEW,
  customerHistories,
  customerHistoryRef,
  historyBasket,
  historyEntries,
  historyPurchases,
} from './customer-history.js';
export { EASE_MAX_ITEMS } from './ease.js';
export type { ModelErrorCode } from './errors.js';
export { bundleCorrupt, MODEL_ERRORS, ModelError } from './errors.js';
export type { Contribution, Explanation } from './explain.js';
export { explainAnswer } from './explain.js';
export { ItemIndex } from './item-index.js';
export type { ItemKnn, ScoreArray } from './item-knn.js';
export type { ItemTable } from './item-table.js';
export { StringTable } from './item-table.js';
export type {
  BundleArtifacts,
  BundleArtifactsSource,
  LatestModel,
  ModelPaths,
  ModelPointer,
} from './latest-model.js';
export {
  LATEST_MODEL_POINTER,
  latestModel,
  readModelPointer,
  saveLatestModel,
  writeModelPointer,
} from './latest-model.js';
export { writeNeighboursCsv } from './neighbours-csv.js';
export type { DecayReference, ModelFamily, Similarity, TrainParams, TrainParamsInput } from './params.js';
export {
  DECAY_REFERENCES,
  DEFAULT_EASE_LAMBDA,
  MODEL_FAMILIES,
  SIMILARITIES,
  trainParamsSchema,
} from './params.js';
export type { Recommendation } from './recommender.js';
export { paddedFrom, Recommender } from './recommender.js';
export type { ShardPartial, ShardSpec } from './shard.js';
export { joinShards, MAX_SHARDS } from './shard.js';
export type { ShardFile } from './shard-files.js';
export {
  mergeShardFiles,
  readShardFile,
  SHARD_MANIFEST,
  shardFileOf,
  writeShardFile,
} from './shard-files.js';
export type { TrainOptions } from './train.js';
export { popularOrder, trainItemKnn, trainShards } from './train.js';
