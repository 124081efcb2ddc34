import { artifact, defineStep, param } from '../../pipeline/index.js';

/**
 * ingest: turn the dataset URI into a content-hashed snapshot and hand it on as a directory artifact.
 * Not pure (`current` changes when someone imports new data), so it always runs; everything after it is
 * keyed by the snapshot's hash and cached.
 */
export const ingestStep = defineStep({
  name: 'ingest',
  version: '1',
  description: 'Snapshot the dataset (books, customers, orders, order lines) the run trains on.',
  inputs: {
    params: { datasetUri: param.string(), datasetMapping: param.string(), datasetDateFormat: param.string() },
  },
  outputs: {
    params: { datasetHash: param.string(), datasetSource: param.string(), lines: param.integer({ min: 0 }) },
    artifacts: { dataset: artifact.directory({ description: 'the four CSV files and dataset.json' }) },
  },
  pure: false,
  retrySafe: true,
  timeoutSeconds: 600,
  retry: { limit: 2, backoff: { durationSeconds: 5, factor: 2, maxDurationSeconds: 120 }, retryOn: 'error' },
  run: async (ctx, { datasetUri, datasetMapping, datasetDateFormat }) => {
    const { ingestDatasetUri } = await import('./dataset-uri.js');
    const { dataset, created } = await ingestDatasetUri(ctx, datasetUri, {
      mapping: datasetMapping,
      dateFormat: datasetDateFormat,
    });
    ctx.log.info(`dataset ${dataset.hash.slice(0, 16)} (${dataset.source.uri})${created ? ' created' : ''}`, {
      lines: dataset.counts.orderLines,
    });
    return {
      datasetHash: dataset.hash,
      datasetSource: dataset.source.uri,
      lines: dataset.counts.orderLines,
      dataset: dataset.dir,
    };
  },
});
