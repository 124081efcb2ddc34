import { join } from 'node:path';
import { artifact, defineStep, param } from '../../pipeline/index.js';
import { EVAL_K, SIMILARITIES } from './params.js';

/**
 * The refit in shards (the `recommender-sharded` pipeline): `shard-plan` lists the shards,
 * `train-shard` ×N each score one item range of the chosen configuration over every line and store
 * their partial in the artifact store (a fan-out's artifacts do not travel downstream on Argo, so they
 * pass as content hashes), and `merge` joins them into the bundle — byte-identical to `evaluate`'s
 * unsharded refit, so the version registered is the same whichever way it was trained.
 */

/** Most shards a run may ask for. */
export const MAX_PIPELINE_SHARDS = 64;

const shardItem = { index: param.integer({ min: 0 }), count: param.integer({ min: 1 }) };

/** shard-plan: one item per shard, for the fan-out (Argo's `withParam` takes a JSON list). */
export const shardPlanStep = defineStep({
  name: 'shard-plan',
  version: '1',
  description: 'List the shards of the refit: one item per item range.',
  inputs: { params: { shards: param.integer({ min: 1, max: MAX_PIPELINE_SHARDS }) } },
  outputs: { params: { shards: param.list(shardItem, { minItems: 1 }) } },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 60,
  run: async (_ctx, { shards }) => ({
    shards: Array.from({ length: shards }, (_, index) => ({ index, count: shards })),
  }),
});

/** train-shard: the chosen configuration refit on every line, scoring one item range only. */
export const trainShardStep = defineStep({
  name: 'train-shard',
  version: '1',
  description: 'Refit the chosen configuration on the whole dataset for one item range; store the partial.',
  inputs: {
    params: {
      similarity: param.enum(SIMILARITIES),
      k: param.integer({ min: EVAL_K, max: 1000 }),
      options: param.string({ default: '{}' }),
      trainOptions: param.string({ default: '{}' }),
      ...shardItem,
    },
    artifacts: { dataset: artifact.directory() },
  },
  outputs: { params: { partial: param.string({ description: 'sha256 of the stored partial' }) } },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 3600,
  retry: { limit: 1, backoff: { durationSeconds: 10, factor: 2, maxDurationSeconds: 600 }, retryOn: 'error' },
  run: async (ctx, { similarity, k, options, trainOptions, index, count, dataset }) => {
    const [{ loadDataset }, model, { bundleAbout, parseTrainOptions, pointParams }] = await Promise.all([
      import('../../data/index.js'),
      import('../../model/index.js'),
      import('./model-fit.js'),
    ]);
    const loaded = await loadDataset(dataset, { cacheDir: await ctx.datasets.parsedCacheDir() });
    const params = pointParams(similarity, k, options, parseTrainOptions(trainOptions));
    // One thread, as evaluate's refit: the shards already run side by side.
    const [part] = await model.trainShards(
      loaded.interactions,
      params,
      { count, only: index },
      { threads: 1 },
    );
    const dir = join(ctx.scratchDir, 'partial');
    model.writeShardFile(dir, model.shardFileOf(part, bundleAbout(loaded, ctx)));
    const stored = await ctx.artifacts.putDir(dir);
    ctx.log.info(`shard ${index + 1}/${count}: books [${part.lo}, ${part.hi})`, { partial: stored.sha256 });
    return { partial: stored.sha256 };
  },
});

/** merge: every shard's partial into the bundle `register` stores. */
export const mergeShardsStep = defineStep({
  name: 'merge',
  version: '1',
  description: 'Merge the shard partials into the model bundle (byte-identical to an unsharded refit).',
  inputs: { params: { partials: param.list(param.string(), { minItems: 1 }) } },
  outputs: {
    params: { modelId: param.string() },
    artifacts: { bundle: artifact.directory({ description: 'the merged model bundle' }) },
  },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 1800,
  run: async (ctx, { partials }) => {
    const model = await import('../../model/index.js');
    const files = [];
    for (const sha of partials) files.push(model.readShardFile(await ctx.artifacts.getDir(sha)));
    const bundle = ctx.outputPath('bundle');
    const manifest = model.writeBundle(bundle, model.mergeShardFiles(files));
    ctx.log.info(`merged ${partials.length} shard(s) into ${manifest.modelId}`);
    return { modelId: manifest.modelId, bundle };
  },
});
