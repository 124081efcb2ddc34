import type { Clock } from '../../core/index.js';
import type { Interactions } from '../../data/index.js';
import { type LoadedDataset, loadDataset } from '../../data/index.js';
import type { Recommender as EvalRecommender, Split } from '../../eval/index.js';
import { splitInteractions } from '../../eval/index.js';
import {
  type BundleManifest,
  type ItemKnn,
  Recommender,
  type Similarity,
  type TrainParamsInput,
  trainParamsSchema,
  type WriteBundleInput,
  writeBundle,
} from '../../model/index.js';
import { fitModel } from '../../tune/index.js';
import { PipelinesError } from '../errors.js';

/**
 * What the sweep and the evaluation share: load a dataset artifact, split it the same way every time
 * (each customer's last basket held out), fit item-kNN, adapt it to the evaluator, write its bundle.
 */

/** A loaded dataset and its outer split (train / test). */
export interface SplitDataset {
  readonly loaded: LoadedDataset;
  readonly outer: Split;
}

/**
 * Load the dataset artifact at `dir` and split off each customer's last basket. `cacheDir` keeps the
 * parsed dataset for the run's other steps (see `StepDatasets.parsedCacheDir`).
 */
export async function loadSplit(dir: string, cacheDir?: string): Promise<SplitDataset> {
  const loaded = await loadDataset(dir, { cacheDir });
  return { loaded, outer: splitInteractions(loaded.interactions) };
}

/**
 * Fit item-kNN. One worker thread: the sweep already runs its points in parallel processes, and more
 * threads per point would only fight them for the same cores.
 */
export function fitKnn(x: Interactions, params: TrainParamsInput): Promise<ItemKnn> {
  // The tuner's fit: the sweep, `bookml tune` and the refit train every model family the same way.
  return fitModel(x, params, 1);
}

/** Trainer options beyond the swept similarity and k. */
export type TrainOptionsInput = Omit<TrainParamsInput, 'similarity' | 'k'>;

/**
 * A sweep point's trainer parameters: its similarity and K, the other options the tuner drew
 * (`options`, JSON; `{}` for a grid point), and the run's own `trainOptions`, which every model of the
 * run takes as given (they win over a draw).
 */
export function pointParams(
  similarity: Similarity,
  k: number,
  options: string,
  base: TrainOptionsInput = {},
): TrainParamsInput {
  const extra = JSON.parse(options || '{}') as Record<string, unknown>;
  return { ...extra, ...base, similarity, k } as TrainParamsInput;
}

/**
 * The run's `trainOptions` parameter (a JSON object) as trainer options, checked against the
 * trainer's schema; PIPELINES_BAD_INPUT naming `trainOptions` when it is not.
 */
export function parseTrainOptions(json: string): TrainOptionsInput {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw badOptions('is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw badOptions('must be a JSON object');
  const { similarity: _s, k: _k, ...options } = value as Record<string, unknown>;
  const checked = trainParamsSchema.safeParse(options);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw badOptions(`${issue?.path.join('.') || ''}: ${issue?.message ?? 'invalid'}`.replace(/^: /, ''));
  }
  return options as TrainOptionsInput;
}

function badOptions(reason: string): PipelinesError {
  return new PipelinesError('PIPELINES_BAD_INPUT', `trainOptions ${reason}`, { field: 'trainOptions' });
}

/** The model as the evaluator's recommender: the basket answer, which leaves out what the customer owns. */
export function asEvalRecommender(knn: ItemKnn): EvalRecommender {
  const rec = new Recommender(knn);
  return (history, k, out) => {
    const answer = rec.forBasket(history, k);
    out.set(answer.items);
    return answer.items.length;
  };
}

/** Everything a bundle records besides the model: the items of `loaded`, its dataset, the step's code version and clock. */
export function bundleAbout(
  loaded: LoadedDataset,
  ctx: { clock: Clock; codeVersion: { version: string; gitSha: string | null } },
): Omit<WriteBundleInput, 'model'> {
  const x = loaded.interactions;
  return {
    itemIds: x.itemIds,
    itemIdsNumeric: x.itemIdsNumeric,
    title: loaded.catalogue.title,
    author: loaded.catalogue.author,
    dataset: { hash: loaded.manifest.hash, uri: loaded.manifest.source.uri },
    code: { version: ctx.codeVersion.version, gitSha: ctx.codeVersion.gitSha },
    createdAt: new Date(ctx.clock.now()).toISOString(),
  };
}

/** Write a model bundle for `knn`, trained on (part of) `loaded`, to `dir`; the step's clock and code version stamp it. */
export function writeModelBundle(
  dir: string,
  knn: ItemKnn,
  loaded: LoadedDataset,
  ctx: { clock: Clock; codeVersion: { version: string; gitSha: string | null } },
): BundleManifest {
  return writeBundle(dir, { model: knn, ...bundleAbout(loaded, ctx) });
}
