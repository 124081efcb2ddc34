import { join } from 'node:path';
import type { Clock } from '../../core/index.js';
import { generateSynthetic, SYNTHETIC_DEFAULTS } from '../../data/index.js';
import type { StepDataset, StepDatasetSource, StepDatasets } from '../../pipeline/index.js';
import { PipelinesError } from '../errors.js';
import { DATASET_URI_FORMS } from './params.js';

/**
 * The dataset URIs the recommender's ingest step reads. Everything ends as an immutable, content-hashed
 * dataset of the runtime (the workspace locally, the control plane remotely), so the rest of the pipeline
 * (and its cache keys) only ever sees a hash.
 *
 * - `current`: the current dataset; when there is none, the synthetic Bookstore (seed 42), which then
 *   becomes current (DESIGN.md: first start generates it).
 * - `synthetic` / `synthetic:seed=N`: the synthetic Bookstore with default sizes.
 * - `dataset:<hash prefix>`: a dataset the runtime already holds.
 * - `file:<folder>`, `/path`: a folder with the four dataset CSV files, added as a dataset, or an export
 *   file (CSV/JSONL) imported with its column mapping.
 * - `pvc://<claim>/<path>` and `s3://<bucket>/<key>`: the same, read where the claim is mounted or
 *   downloaded from the bucket by the runtime (`ctx.datasets.fetchSource`).
 */

/** A resolved dataset and whether ingest had to create it. */
export interface IngestedDataset {
  readonly dataset: StepDataset;
  readonly created: boolean;
}

/** What resolving a URI needs: the datasets port, a scratch folder to generate into, the clock. */
export interface IngestContext {
  readonly datasets: StepDatasets;
  readonly scratchDir: string;
  readonly clock: Clock;
}

/** How to read an export file a URI names: its column mapping and date format. */
export interface ExportReading {
  readonly mapping: string;
  readonly dateFormat: string;
}

/** The URIs that name bytes somewhere (a path, a claim, a bucket), which the runtime fetches. */
const SOURCE = /^(?:file:|\/|s3:\/\/|pvc:\/\/)/;

/** Local URIs are recorded as the path they name (as before); remote ones as written. */
function recordedUri(uri: string, path: string): string {
  return /^(?:s3|pvc):\/\//.test(uri) ? uri : path;
}

/**
 * An export file (CSV or JSONL, one line per purchase) imported with its column mapping into the
 * scratch folder, then added as a dataset and made current: new data arriving is what a webhook says.
 */
async function importExport(ctx: IngestContext, uri: string, path: string, reading: ExportReading) {
  const { importFile, parseMapping } = await import('../../data/index.js');
  const written = await importFile(ctx.scratchDir, path, {
    mapping: parseMapping(reading.mapping),
    dateFormat: reading.dateFormat,
  });
  const kind = /\.(jsonl|ndjson)$/i.test(path) ? ('jsonl' as const) : ('csv' as const);
  const added = await ctx.datasets.add(ctx.scratchDir, { kind, uri }, { makeCurrent: true });
  return { dataset: added, created: added.created, rows: written.report.rows };
}

async function synthetic(ctx: IngestContext, seed: number, makeCurrent: boolean) {
  const options = { ...SYNTHETIC_DEFAULTS, seed };
  const uri = `synthetic:seed=${seed},books=${options.books},customers=${options.customers},orders=${options.orders},shift=${options.shift}`;
  await generateSynthetic(ctx.scratchDir, options);
  const source: StepDatasetSource = { kind: 'synthetic', uri, options };
  const added = await ctx.datasets.add(ctx.scratchDir, source, { makeCurrent });
  return { dataset: added, created: added.created };
}

/**
 * Resolve a dataset URI to a stored dataset, creating it when the URI says how.
 * @example const { dataset } = await ingestDatasetUri(ctx, 'current');
 */
export async function ingestDatasetUri(
  ctx: IngestContext,
  uri: string,
  reading: ExportReading = {
    mapping: 'customer=customer_id,item=book_id,time=ordered_at',
    dateFormat: 'iso',
  },
): Promise<IngestedDataset> {
  if (uri === 'current') {
    const current = await ctx.datasets.current();
    if (current !== undefined) return { dataset: current, created: false };
    return synthetic(ctx, SYNTHETIC_DEFAULTS.seed, true);
  }
  const seed = /^synthetic(?::seed=(\d+))?$/.exec(uri);
  if (seed) return synthetic(ctx, seed[1] === undefined ? SYNTHETIC_DEFAULTS.seed : Number(seed[1]), false);
  const hash = /^dataset:([0-9a-f]{4,64})$/.exec(uri);
  if (hash) return { dataset: await ctx.datasets.get(hash[1]), created: false };
  if (SOURCE.test(uri)) {
    const path = await fetchSource(ctx, uri);
    // A file is an export to import with its mapping; a folder holds the dataset's four CSV files.
    if (/\.(csv|tsv|txt|jsonl|ndjson)$/i.test(path)) return importExport(ctx, uri, path, reading);
    try {
      const added = await ctx.datasets.add(path, { kind: 'files', uri: recordedUri(uri, path) });
      return { dataset: added, created: added.created };
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'DATA_NOT_FOUND') throw e;
      throw new PipelinesError(
        'PIPELINES_BAD_DATASET_URI',
        `${uri}: neither an export file (.csv, .jsonl) nor a folder with the dataset CSV files`,
        { field: 'datasetUri', cause: e },
      );
    }
  }
  throw new PipelinesError('PIPELINES_BAD_DATASET_URI', `${uri}: use one of ${DATASET_URI_FORMS}`, {
    field: 'datasetUri',
  });
}

/** The local path of what `uri` names (downloaded into the scratch folder when remote). */
async function fetchSource(ctx: IngestContext, uri: string): Promise<string> {
  try {
    return await ctx.datasets.fetchSource(uri, join(ctx.scratchDir, 'source'));
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code !== 'DATA_NOT_FOUND' && code !== 'STORE_CONFIG_INVALID') throw e;
    throw new PipelinesError(
      'PIPELINES_BAD_DATASET_URI',
      `${uri}: nothing there to read (${(e as Error).message})`,
      {
        field: 'datasetUri',
        cause: e,
      },
    );
  }
}
