import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Clock } from '../../core/index.js';
import {
  addDatasetDir,
  DataNoDatasetError,
  generateSynthetic,
  hasDatasetFiles,
  resolveDataset,
  type StoredDataset,
  SYNTHETIC_DEFAULTS,
  setCurrentDataset,
  writeDataset,
} from '../../data/index.js';
import type { Workspace } from '../../store/index.js';
import { PipelinesError } from '../errors.js';
import { DATASET_URI_FORMS } from './params.js';

/**
 * The dataset URIs the recommender's ingest step reads. Everything ends as an immutable, content-hashed
 * dataset in the workspace, so the rest of the pipeline (and its cache keys) only ever sees a hash.
 *
 * - `current`: the workspace's current dataset; on an empty workspace, the synthetic Bookstore (seed 42),
 *   which then becomes current (DESIGN.md: first start generates it).
 * - `synthetic` / `synthetic:seed=N`: the synthetic Bookstore with default sizes.
 * - `dataset:<hash prefix>`: a dataset already in the workspace.
 * - `file:<folder>`: a folder with the four dataset CSV files, added to the workspace.
 */
/** A resolved dataset and whether ingest had to create it. */
export interface IngestedDataset {
  readonly dataset: StoredDataset;
  readonly created: boolean;
}

async function synthetic(ws: Workspace, seed: number, clock: Clock): Promise<StoredDataset> {
  const options = { ...SYNTHETIC_DEFAULTS, seed };
  const uri = `synthetic:seed=${seed},books=${options.books},customers=${options.customers},orders=${options.orders},shift=${options.shift}`;
  return writeDataset(
    ws,
    { kind: 'synthetic', uri, options },
    (dir) => generateSynthetic(dir, options),
    clock,
  );
}

/**
 * Resolve a dataset URI to a stored dataset, creating it when the URI says how.
 * @example const { dataset } = await ingestDatasetUri(resolveWorkspace(), 'current', systemClock);
 */
export async function ingestDatasetUri(ws: Workspace, uri: string, clock: Clock): Promise<IngestedDataset> {
  if (uri === 'current') {
    try {
      return { dataset: resolveDataset(ws, undefined, clock), created: false };
    } catch (e) {
      if (!(e instanceof DataNoDatasetError)) throw e;
      const dataset = await synthetic(ws, SYNTHETIC_DEFAULTS.seed, clock);
      setCurrentDataset(ws, dataset.hash);
      return { dataset, created: true };
    }
  }
  const seed = /^synthetic(?::seed=(\d+))?$/.exec(uri);
  if (seed) {
    return {
      dataset: await synthetic(ws, seed[1] === undefined ? SYNTHETIC_DEFAULTS.seed : Number(seed[1]), clock),
      created: true,
    };
  }
  const hash = /^dataset:([0-9a-f]{4,64})$/.exec(uri);
  if (hash) return { dataset: resolveDataset(ws, hash[1], clock), created: false };
  if (uri.startsWith('file:')) {
    const dir = resolve(uri.slice('file:'.length));
    if (!existsSync(dir) || !statSync(dir).isDirectory() || !hasDatasetFiles(dir)) {
      throw new PipelinesError(
        'PIPELINES_BAD_DATASET_URI',
        `${uri}: not a folder with the dataset CSV files (import other exports with \`bookml data import\` first)`,
        { field: 'datasetUri' },
      );
    }
    return { dataset: addDatasetDir(ws, dir, { kind: 'files', uri: dir }, { clock }), created: true };
  }
  throw new PipelinesError('PIPELINES_BAD_DATASET_URI', `${uri}: use one of ${DATASET_URI_FORMS}`, {
    field: 'datasetUri',
  });
}
