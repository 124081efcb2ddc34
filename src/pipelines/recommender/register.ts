import { readFile, writeFile } from 'node:fs/promises';
import type { DataReport } from '../../data/index.js';
import { artifact, defineStep, param } from '../../pipeline/index.js';
import type { EvaluationRecord } from './evaluate.js';
import { materialiseHistories } from './online-features.js';
import { MODEL_NAME } from './params.js';
import type { SweepRecord } from './sweep.js';

/**
 * register: store the refit bundle in the content-addressed artifact store and register it as a new version
 * of the `recommender` model with its test metrics, parameters and lineage (dataset URI + hash + the
 * data-quality report, code version, the run). Idempotent per bundle: registering the same bytes again
 * returns the version they already have. Writes `model.json` naming the bundle, metrics and gates.
 * First it materialises the dataset's customer histories into the online store under the feature
 * version serving derives from the bundle, and the version's lineage records it (Feast's materialize).
 */
export const registerStep = defineStep({
  name: 'register',
  version: '3',
  description:
    'Materialise customer histories, register the bundle as a new model version with metrics, gates, lineage and the search.',
  inputs: {
    params: { datasetHash: param.string(), datasetSource: param.string() },
    artifacts: {
      bundle: artifact.directory(),
      evaluation: artifact.file(),
      dataReport: artifact.file(),
      sweep: artifact.file({ description: "pick-best's search record: space, trials, choice" }),
      dataset: artifact.directory({
        description: 'the dataset the bundle was refit on: its customer histories',
      }),
    },
  },
  outputs: {
    params: { version: param.integer({ min: 1 }), artifactHash: param.string() },
    artifacts: {
      model: artifact.file({ description: 'model.json: the version, its bundle, metrics and gates' }),
    },
  },
  pure: false,
  retrySafe: true,
  timeoutSeconds: 600,
  retry: { limit: 2, backoff: { durationSeconds: 5, factor: 2, maxDurationSeconds: 120 }, retryOn: 'error' },
  run: async (ctx, { datasetHash, datasetSource, bundle, evaluation, dataReport, sweep, dataset }) => {
    const ev = JSON.parse(await readFile(evaluation, 'utf8')) as EvaluationRecord;
    const search = JSON.parse(await readFile(sweep, 'utf8')) as SweepRecord;
    const data = JSON.parse(await readFile(dataReport, 'utf8')) as DataReport;
    // Histories before the version: a registered version's features are always there to read.
    const online = await materialiseHistories(ctx, dataset, bundle);
    const stored = await ctx.artifacts.putDir(bundle);
    const v = await ctx.registry.registerVersion(
      {
        model: MODEL_NAME,
        artifact: { sha256: stored.sha256, uri: stored.uri },
        metrics: ev.metrics,
        params: { ...ev.params, algorithm: 'item-knn' },
        tags: { 'bookml.model-id': ev.refit.modelId },
        lineage: {
          dataset: { uri: datasetSource, hash: datasetHash, validation: { ...data, pass: data.pass } },
          codeVersion: { ...ctx.codeVersion },
          evaluation: { ...ev.evaluation },
          // The search that chose the parameters: its space, every trial on validation, and the choice.
          // Not part of `evaluation`, which says how the metrics were computed (the no-regression gate
          // compares versions on it).
          tuning: {
            metric: search.metric,
            split: search.split,
            strategy: search.strategy,
            space: search.space,
            trials: search.ranked,
            choice: search.choice,
          },
          ...(online === undefined ? {} : { online: { ...online } }),
        },
        // Keyed by content: a retried attempt, or a later run whose evaluate was served from the cache,
        // gets the version these exact bytes already have instead of a duplicate.
        idempotencyKey: `bundle:${stored.sha256}`,
      },
      { runId: ctx.runId, taskId: ctx.taskId },
    );
    const model = ctx.outputPath('model');
    const record = {
      model: MODEL_NAME,
      version: v.version,
      bundle: { uri: stored.uri, sha256: stored.sha256, modelId: ev.refit.modelId },
      params: ev.params,
      metrics: ev.metrics,
      gates: ev.gates,
      dataset: { uri: datasetSource, hash: datasetHash },
      online: online ?? null,
      run: ctx.runId,
    };
    await writeFile(model, `${JSON.stringify(record, null, 2)}\n`);
    ctx.log.info(`registered ${MODEL_NAME} v${v.version} (${stored.sha256.slice(0, 12)})`);
    await ctx.events.publish('model.registered', {
      model: MODEL_NAME,
      version: v.version,
      artifactHash: stored.sha256,
      run: ctx.runId,
    });
    return { version: v.version, artifactHash: stored.sha256, model };
  },
});

/**
 * promote: move the alias (default `staging`) to the registered version through the registry's gates
 * (threshold, beat most-popular, no regression vs production, data quality, latency, coverage). A failed
 * gate fails the step without retries and nothing moves; `production` records a pending approval unless
 * the model's policy auto-approves. Idempotent per run and version.
 */
export const promoteStep = defineStep({
  name: 'promote',
  version: '1',
  description: 'Move the alias to the new version through the registry gates.',
  inputs: { params: { version: param.integer({ min: 1 }), alias: param.string() } },
  outputs: {
    params: {
      status: param.enum(['moved', 'unchanged', 'pending-approval', 'already-done']),
      fromVersion: param.integer({ min: 0 }),
    },
  },
  pure: false,
  retrySafe: true,
  timeoutSeconds: 600,
  retry: { limit: 2, backoff: { durationSeconds: 5, factor: 2, maxDurationSeconds: 120 }, retryOn: 'error' },
  run: async (ctx, { version, alias }) => {
    const out = await ctx.registry.promote({
      model: MODEL_NAME,
      version,
      alias,
      runId: ctx.runId,
      reason: `pipeline run ${ctx.runId}`,
    });
    ctx.log.info(
      `${alias} → v${version}: ${out.status}${out.fromVersion === null ? '' : ` (was v${out.fromVersion})`}`,
    );
    if (out.status === 'moved') {
      await ctx.events.publish('model.promoted', {
        model: MODEL_NAME,
        version,
        alias,
        fromVersion: out.fromVersion,
        run: ctx.runId,
      });
    }
    return { status: out.status, fromVersion: out.fromVersion ?? 0 };
  },
});
