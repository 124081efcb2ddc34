import { definePipeline, param } from '../../pipeline/index.js';
import { RECOMMENDER_PARAMS } from './params.js';
import { recommenderGraph } from './pipeline.js';
import { MAX_PIPELINE_SHARDS, mergeShardsStep, shardPlanStep, trainShardStep } from './shards.js';

/**
 * The recommender pipeline with the refit in shards, for data too large for one pod:
 *
 * ```
 * … → pick-best → evaluate ─────────────────────────────────────────┐
 *              └→ shard-plan → train-shard ×shards → merge (bundle) → register → promote
 * ```
 *
 * `merge`'s bundle is byte-identical to `evaluate`'s unsharded refit (same manifest, same hashes), so the
 * version registered is the one `recommender` registers on the same data; `recommender` itself is
 * unchanged. The shards fan out with `withParam` over `shard-plan`'s list and start once the sweep has
 * chosen, beside the evaluation.
 */
export const shardedRecommenderPipeline = definePipeline({
  name: 'recommender-sharded',
  description:
    "The recommender pipeline with the final refit split into item-range shards (train-shard ×N → merge), registering the same bundle as 'recommender'.",
  params: {
    ...RECOMMENDER_PARAMS,
    shards: param.integer({
      default: 2,
      min: 1,
      max: MAX_PIPELINE_SHARDS,
      description: 'item-range shards the refit is split into, each its own step (pod on Argo)',
    }),
  },
  timeoutSeconds: 4 * 3600,
  build: (p, b) =>
    recommenderGraph.build(p, b, (best) => {
      const plan = b.task('shard-plan', shardPlanStep, { shards: p.shards });
      const parts = b.fanOut('train-shard', trainShardStep, plan.outputs.shards, (shard) => ({
        ...best,
        index: shard.index,
        count: shard.count,
      }));
      return b.task('merge', mergeShardsStep, { partials: parts.outputs.partial }).outputs.bundle;
    }),
});
