import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3rver } from '../../../test/fixtures/s3rver.js';
import { datasetSources } from '../../app/dataset-sources.js';
import { localDatasets } from '../../app/local-runtime.js';
import { ManualClock, resolveWorkspace, type Workspace } from '../../core/index.js';
import { DATASET_FILES, listDatasets, resolveDataset } from '../../data/index.js';
import { createS3Client } from '../../store/s3/index.js';
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
    const sources = datasetSources({ pvcRoot: join(root, 'pvc'), s3: {} });
    return { datasets: localDatasets(ws, clock, sources), scratchDir, clock };
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
    for (const uri of ['ftp://host/orders', `file:${join(root, 'missing')}`, 'pvc://exports/missing.csv']) {
      const e = await ingestDatasetUri(ctx(), uri).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PipelinesError);
      expect(e).toMatchObject({ code: 'PIPELINES_BAD_DATASET_URI', field: 'datasetUri', retryable: false });
    }
    const pattern = new RegExp(`^(?:${DATASET_URI_PATTERN})$`, 'u');
    expect(
      [
        'current',
        'synthetic',
        'synthetic:seed=3',
        'dataset:abcd',
        'file:./x',
        's3://bucket/orders/2026-01.csv',
        's3://bucket/datasets/jan/',
        'pvc://exports/orders.csv',
      ].every((u) => pattern.test(u)),
    ).toBe(true);
    expect(
      ['s3://b', 's3://bucket', 'pvc://claim', 'pvc://Bad_Claim/x', 'dataset:xyz', 'synthetic:7', ''].some(
        (u) => pattern.test(u),
      ),
    ).toBe(false);
  });

  it('pvc://<claim>/<path>: a folder or an export on a claim mounted under the PVC root', async () => {
    const seven = await ingestDatasetUri(ctx(), 'synthetic:seed=7');
    const folder = join(root, 'pvc', 'exports', 'seven');
    mkdirSync(folder, { recursive: true });
    for (const f of DATASET_FILES) cpSync(join(seven.dataset.dir, f), join(folder, f));
    const fromClaim = await ingestDatasetUri(ctx(), 'pvc://exports/seven');
    expect(fromClaim.dataset.hash).toBe(seven.dataset.hash);
    for (const uri of ['pvc://exports/../etc', 'pvc://exports/nothing-here']) {
      await expect(ingestDatasetUri(ctx(), uri)).rejects.toMatchObject({ code: 'PIPELINES_BAD_DATASET_URI' });
    }
  });
});

// s3rver stands in for S3: the same client settings the artifact store uses fetch the dataset.
const s3 = await startS3rver([]);
const skip = typeof s3 === 'string' ? s3 : undefined;

describe.skipIf(skip !== undefined)(`s3:// dataset URIs${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let root: string;
  let ws: Workspace;
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'bookml-ingest-s3-'));
    ws = resolveWorkspace(join(root, '.bookml'));
  });
  afterAll(async () => {
    rmSync(root, { recursive: true, force: true });
    if (typeof s3 !== 'string') await s3.close();
  });
  let n = 0;
  const ctx = () => {
    if (typeof s3 === 'string') throw new Error(s3);
    const scratchDir = join(root, `scratch-${n++}`);
    mkdirSync(scratchDir);
    const sources = datasetSources({ pvcRoot: join(root, 'pvc'), s3: s3.settings });
    return { datasets: localDatasets(ws, clock, sources), scratchDir, clock };
  };

  it('reads a prefix holding the dataset files and an export object, and names what is missing', async () => {
    if (typeof s3 === 'string') return;
    const client = createS3Client(s3.settings);
    await client.send(new CreateBucketCommand({ Bucket: 'exports' }));
    const seven = await ingestDatasetUri(ctx(), 'synthetic:seed=7');
    for (const f of readdirSync(seven.dataset.dir).filter((f) =>
      (DATASET_FILES as readonly string[]).includes(f),
    )) {
      const Body = readFileSync(join(seven.dataset.dir, f));
      await client.send(new PutObjectCommand({ Bucket: 'exports', Key: `datasets/seven/${f}`, Body }));
    }
    const fromBucket = await ingestDatasetUri(ctx(), 's3://exports/datasets/seven/');
    expect(fromBucket.dataset.hash).toBe(seven.dataset.hash);
    // Without the trailing slash the key names no object, so it is read as a prefix too.
    expect((await ingestDatasetUri(ctx(), 's3://exports/datasets/seven')).dataset.hash).toBe(
      seven.dataset.hash,
    );

    const csv = join(root, 'orders.csv');
    writeFileSync(
      csv,
      'customer_id,book_id,ordered_at\nc1,b1,2026-01-01T10:00:00Z\nc1,b2,2026-01-01T10:00:00Z\nc2,b1,2026-01-02T09:00:00Z\n',
    );
    await client.send(
      new PutObjectCommand({ Bucket: 'exports', Key: 'orders/jan.csv', Body: readFileSync(csv) }),
    );
    const imported = await ingestDatasetUri(ctx(), 's3://exports/orders/jan.csv');
    expect(imported.dataset.source).toMatchObject({ kind: 'csv', uri: 's3://exports/orders/jan.csv' });
    expect(imported.dataset.counts.orderLines).toBe(3);
    expect(resolveDataset(ws).hash).toBe(imported.dataset.hash);

    for (const uri of ['s3://exports/orders/feb.csv', 's3://no-such-bucket/x.csv']) {
      await expect(ingestDatasetUri(ctx(), uri)).rejects.toMatchObject({
        code: 'PIPELINES_BAD_DATASET_URI',
        field: 'datasetUri',
      });
    }
    client.destroy();
  });
});
