import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDatasets } from '../../app/local-runtime.js';
import { ManualClock, resolveWorkspace, type Workspace } from '../../core/index.js';
import { listDatasets, resolveDataset } from '../../data/index.js';
import { PipelinesError } from '../errors.js';
import { ingestDatasetUri } from './dataset-uri.js';
import { DATASET_URI_PATTERN } from './params.js';

describe('dataset URIs of the recommender’s ingest step', () => {
  let root: string;
  let ws: Workspace;
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'bookml-ingest-'));
    ws = resolveWorkspace(join(root, '.bookml'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  /** What ingest gets from its context: the workspace's datasets port and a fresh scratch folder. */
  const ctx = () => {
    const scratchDir = join(root, `scratch-${n++}`);
    mkdirSync(scratchDir);
    return { datasets: localDatasets(ws, clock), scratchDir, clock };
  };

  it('current: the synthetic Bookstore on an empty workspace (made current), then the current dataset', async () => {
    const first = await ingestDatasetUri(ctx(), 'current');
    expect(first.created).toBe(true);
    expect(first.dataset.source.uri).toMatch(/^synthetic:seed=42,/);
    expect(resolveDataset(ws).hash).toBe(first.dataset.hash);
    const again = await ingestDatasetUri(ctx(), 'current');
    expect(again).toMatchObject({ created: false, dataset: { hash: first.dataset.hash } });
  });

  it('synthetic:seed=N, dataset:<hash prefix> and file:<folder>', async () => {
    const seven = await ingestDatasetUri(ctx(), 'synthetic:seed=7');
    const current = resolveDataset(ws);
    expect(seven.dataset.hash).not.toBe(current.hash);
    const byHash = await ingestDatasetUri(ctx(), `dataset:${seven.dataset.hash.slice(0, 12)}`);
    expect(byHash.dataset.hash).toBe(seven.dataset.hash);
    // A folder with the four CSV files is copied into the store; same content, same dataset.
    const fromFolder = await ingestDatasetUri(ctx(), `file:${seven.dataset.dir}`);
    expect(fromFolder.dataset.hash).toBe(seven.dataset.hash);
    expect(listDatasets(ws)).toHaveLength(2);
  });

  it('anything else fails fast naming the accepted forms', async () => {
    for (const uri of ['s3://bucket/orders', `file:${join(root, 'missing')}`]) {
      const e = await ingestDatasetUri(ctx(), uri).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PipelinesError);
      expect(e).toMatchObject({ code: 'PIPELINES_BAD_DATASET_URI', field: 'datasetUri', retryable: false });
    }
    const pattern = new RegExp(`^(?:${DATASET_URI_PATTERN})$`, 'u');
    expect(
      ['current', 'synthetic', 'synthetic:seed=3', 'dataset:abcd', 'file:./x'].every((u) => pattern.test(u)),
    ).toBe(true);
    expect(['s3://b', 'dataset:xyz', 'synthetic:7', ''].some((u) => pattern.test(u))).toBe(false);
  });
});
