import type { Similarity } from '../../model/index.js';
import { param } from '../../pipeline/index.js';

/**
 * The similarity measures the sweep may try: `model/`'s list, spelled out here so that loading the
 * pipeline definition (every step process does) does not load the trainer; `satisfies` keeps each name
 * valid and a test checks the list is complete.
 */
export const SIMILARITIES = [
  'cosine',
  'jaccard',
  'lift',
  'conditional',
] as const satisfies readonly Similarity[];

/** What the ingest step's dataset URI may be (see `dataset-uri.ts`). */
export const DATASET_URI_PATTERN =
  'current|synthetic(:seed=[0-9]+)?|dataset:[0-9a-f]{4,64}|file:.+|/.+|s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+|pvc://[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/.+';

/** The accepted forms, for messages and `--help`. */
export const DATASET_URI_FORMS =
  'current, synthetic[:seed=N], dataset:<hash prefix>, file:<folder or export file>, /absolute/path, s3://<bucket>/<key or prefix/>, pvc://<claim>/<path>';

/** List length the sweep and the evaluation score at: "customers who bought this also bought" shows 10. */
export const EVAL_K = 10;

/** Name the recommender is registered under. */
export const MODEL_NAME = 'recommender';

/**
 * The recommender pipeline's run parameters (`bookml run submit recommender -p name=value`). The grid is
 * small on purpose: each point is one training on the validation split, run in parallel.
 */
export const RECOMMENDER_PARAMS = {
  datasetUri: param.string({
    default: 'current',
    pattern: DATASET_URI_PATTERN,
    description: `dataset to train on: ${DATASET_URI_FORMS}`,
  }),
  datasetMapping: param.string({
    default: 'customer=customer_id,item=book_id,time=ordered_at',
    description:
      'for a datasetUri naming a CSV/JSONL export: which column is the customer, the book and the time (`bookml events source add` stores it for webhooks)',
  }),
  datasetDateFormat: param.string({
    default: 'iso',
    description:
      'for a datasetUri naming an export: how its time column is written (iso, DD-MM-YYYY, epoch-s, …)',
  }),
  similarityGrid: param.list(param.enum(SIMILARITIES), {
    default: ['cosine', 'jaccard'],
    minItems: 1,
    maxItems: SIMILARITIES.length,
    description: 'similarity measures the sweep tries',
  }),
  kGrid: param.list(param.integer({ min: EVAL_K, max: 1000 }), {
    default: [20, 50],
    minItems: 1,
    maxItems: 10,
    description: `neighbours kept per book the sweep tries (each at least ${EVAL_K}, the list length scored)`,
  }),
  trials: param.integer({
    // 0 keeps a run to its grid, so a run asked for one (similarity, K) registers exactly that model.
    default: 0,
    min: 0,
    max: 200,
    description:
      "trial budget: points the tuner draws over the whole option space (bookml tune's), tried beside the grid",
  }),
  trainOptions: param.string({
    default: '{}',
    description:
      'further trainer options for every model of the run, a JSON object of `bookml train` parameters (e.g. {"family":"ease","easeLambda":300} or {"popularityBeta":0.4,"halfLifeDays":90,"decayReference":"customer"}); the sweep varies similarity and k, the tuner the options not given here',
  }),
  minNdcg: param.number({
    default: 0.01,
    min: 0,
    max: 1,
    description: 'gate: least NDCG@10 on the test split for the model to be registered',
  }),
  mustBeatPopular: param.boolean({
    default: true,
    description: 'gate: NDCG@10 must be above the most-popular baseline on the same split',
  }),
  alias: param.string({
    default: 'staging',
    pattern: '[a-z][a-z0-9-]{0,62}',
    description: 'alias the registered version is promoted to',
  }),
  seed: param.integer({ default: 42, min: 0, description: 'seed of the bootstrap intervals' }),
};
