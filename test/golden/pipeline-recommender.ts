/**
 * A recommender-shaped pipeline for the pipeline engine's tests (the real one lives in src/pipelines/):
 * ingest → validate → train (fan-out over similarity × k) → pick-best → evaluate → register → promote, a
 * report when the gate fails, and an exit handler. Its compiled forms are the golden files beside it
 * (as KFP keeps each test pipeline next to its compiled YAML): engine-fixture.argo.yaml.
 */

import type { ArgoCompileOptions } from '../../src/pipeline/compile/index.js';
import { artifact, definePipeline, defineStep, eq, ne, param } from '../../src/pipeline/index.js';

const SIMILARITIES = ['cosine', 'jaccard', 'lift', 'conditional'] as const;

export const ingestStep = defineStep({
  name: 'ingest',
  version: '1',
  description: 'Snapshot books and orders from the source.',
  inputs: { params: { datasetUri: param.string() } },
  outputs: {
    params: { datasetHash: param.string(), rows: param.integer() },
    artifacts: { dataset: artifact.directory() },
  },
  pure: false,
  retrySafe: true,
  timeoutSeconds: 600,
  retry: { limit: 3, backoff: { durationSeconds: 10, factor: 2, maxDurationSeconds: 600 } },
  env: ['BOOKML_INGEST_LIMIT'],
  run: async (ctx, { datasetUri }) => ({
    datasetHash: `sha256:${datasetUri.length}`,
    rows: 1200,
    dataset: ctx.outputPath('dataset'),
  }),
});

export const validateStep = defineStep({
  name: 'validate',
  version: '1',
  inputs: { params: { datasetHash: param.string() }, artifacts: { dataset: artifact.directory() } },
  outputs: { params: { pass: param.boolean(), reportId: param.string() } },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 300,
  run: async (_ctx, { datasetHash }) => ({ pass: true, reportId: `report-${datasetHash}` }),
});

export const trainStep = defineStep({
  name: 'train',
  version: '2',
  inputs: {
    params: {
      similarity: param.enum(SIMILARITIES),
      k: param.integer({ min: 1, max: 1000 }),
      seed: param.integer({ default: 42 }),
    },
    artifacts: { dataset: artifact.directory() },
  },
  outputs: { params: { modelId: param.string(), ndcg: param.number({ min: 0, max: 1 }) } },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 1800,
  retry: { limit: 2, backoff: { durationSeconds: 30, factor: 2, maxDurationSeconds: 900, capSeconds: 120 } },
  run: async (_ctx, { similarity, k }) => ({ modelId: `m-${similarity}-${k}`, ndcg: k / 100 }),
});

export const pickBestStep = defineStep({
  name: 'pick-best',
  version: '1',
  inputs: {
    params: {
      modelIds: param.list(param.string()),
      ndcg: param.list(param.number()),
      grid: param.list({ similarity: param.enum(SIMILARITIES), k: param.integer() }),
    },
  },
  outputs: { params: { modelId: param.string(), ndcg: param.number() } },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 60,
  run: async (_ctx, { modelIds, ndcg }) => {
    const best = ndcg.indexOf(Math.max(...ndcg));
    return { modelId: modelIds[best], ndcg: ndcg[best] };
  },
});

export const evaluateStep = defineStep({
  name: 'evaluate',
  version: '1',
  inputs: {
    params: { modelId: param.string(), minNdcg: param.number() },
    artifacts: { dataset: artifact.directory() },
  },
  outputs: { params: { gate: param.enum(['passed', 'failed']), ndcg: param.number() } },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 900,
  run: async () => ({ gate: 'passed' as const, ndcg: 0.2 }),
});

export const registerStep = defineStep({
  name: 'register',
  version: '1',
  inputs: { params: { modelId: param.string(), datasetHash: param.string(), runId: param.string() } },
  outputs: { params: { version: param.integer({ min: 1 }) } },
  pure: false,
  retrySafe: false,
  timeoutSeconds: 120,
  run: async () => ({ version: 1 }),
});

export const promoteStep = defineStep({
  name: 'promote',
  version: '1',
  inputs: { params: { version: param.integer({ min: 1 }), alias: param.string() } },
  pure: false,
  retrySafe: true,
  timeoutSeconds: 120,
  run: async () => ({}),
});

export const reportStep = defineStep({
  name: 'report',
  version: '1',
  inputs: { params: { reason: param.string(), ndcg: param.number() } },
  pure: false,
  retrySafe: true,
  timeoutSeconds: 60,
  run: async () => ({}),
});

export const finalizeStep = defineStep({
  name: 'finalize',
  version: '1',
  inputs: {
    params: {
      status: param.string(),
      failures: param.string({ default: '[]' }),
      trigger: param.string(),
      runId: param.string(),
    },
  },
  pure: false,
  retrySafe: true,
  timeoutSeconds: 60,
  run: async () => ({}),
});

/** The test pipeline. */
export const recommender = definePipeline({
  name: 'recommender-pipeline',
  description: 'Train, evaluate, register and promote the item-kNN recommender.',
  params: {
    datasetUri: param.string({
      default: 'bookstore-db://orders',
      pattern: '(s3|pvc|bookstore-db|file)://.+',
    }),
    minNdcg: param.number({ default: 0.05, min: 0, max: 1, description: 'evaluation gate' }),
    alias: param.string({ default: 'staging' }),
    trigger: param.enum(['manual', 'schedule', 'webhook', 'drift'], { default: 'manual' }),
  },
  mutex: 'recommender-pipeline',
  timeoutSeconds: 7200,
  parallelism: 4,
  build: (p, b) => {
    const ingest = b.task('ingest', ingestStep, { datasetUri: p.datasetUri });
    const validate = b.task('validate', validateStep, {
      datasetHash: ingest.outputs.datasetHash,
      dataset: ingest.outputs.dataset,
    });
    const train = b
      .fanOut('train', trainStep, { similarity: ['cosine', 'jaccard'], k: [10, 20] }, (item) => ({
        dataset: ingest.outputs.dataset,
        similarity: item.similarity,
        k: item.k,
      }))
      .after(validate)
      .timeout(3600);
    const best = b.task('pick-best', pickBestStep, {
      modelIds: train.outputs.modelId,
      ndcg: train.outputs.ndcg,
      grid: train.items,
    });
    const evaluate = b
      .task('evaluate', evaluateStep, {
        modelId: best.outputs.modelId,
        minNdcg: p.minNdcg,
        dataset: ingest.outputs.dataset,
      })
      .cache(false);
    const register = b
      .task('register', registerStep, {
        modelId: best.outputs.modelId,
        datasetHash: ingest.outputs.datasetHash,
        runId: b.run.id,
      })
      .when(eq(evaluate.outputs.gate, 'passed'));
    b.task('promote', promoteStep, { version: register.outputs.version, alias: p.alias })
      .mutex('recommender-promote')
      .retry({
        limit: 1,
        backoff: { durationSeconds: 5, factor: 1, maxDurationSeconds: 60 },
        retryOn: 'error',
      });
    b.task('report-gate-failure', reportStep, {
      reason: 'evaluation gate failed',
      ndcg: evaluate.outputs.ndcg,
    }).when(ne(evaluate.outputs.gate, 'passed'));
    b.onExit('finalize', finalizeStep, {
      status: b.run.status,
      trigger: p.trigger,
      runId: b.run.id,
    });
  },
});

/** Compile options the golden files were made with. */
export const goldenOptions: ArgoCompileOptions = {
  image: 'registry.example.com/bookml:0.1.0',
  serviceAccountName: 'bookml-pipeline',
  artifactRepository: { configMap: 'artifact-repositories', key: 'bookml-s3' },
  apiUrl: 'http://bookml-api.bookstore-ml.svc:8080',
  apiTokenSecret: { name: 'bookml-step-token', key: 'token' },
  env: { BOOKML_INGEST_LIMIT: '0' },
  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
};
