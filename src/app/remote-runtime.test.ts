import { mkdir, mkdtemp, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StepPlane, stepPlane, TOKENS } from '../../test/fixtures/step-services.js';
import { ManualClock } from '../core/index.js';
import { generateSynthetic } from '../data/index.js';
import type { StepRuntime } from '../pipeline/index.js';
import { openRemoteRuntime } from './remote-runtime.js';

/**
 * The remote runtime against a real control plane on 127.0.0.1 (SQLite metadata DB, FsArtifactStore and
 * a workspace's datasets in a temp folder): every port, the download cache, and errors as the local
 * runtime raises them.
 */
describe('openRemoteRuntime', () => {
  let p: StepPlane;
  let url: string;
  let runtime: StepRuntime;
  let cacheDir: string;
  const requests: string[] = [];
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const open = (token: string = TOKENS.operator) =>
    openRemoteRuntime({
      url,
      token,
      clock,
      codeVersion: { version: '0.1.0', gitSha: 'abc123' },
      cacheDir,
      fetch: (input, init) => {
        requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
        return fetch(input, init);
      },
    });

  beforeAll(async () => {
    p = await stepPlane();
    url = await p.app.listen({ host: '127.0.0.1', port: 0 });
    cacheDir = join(p.root, 'cache');
    runtime = await open();
  });
  afterAll(async () => {
    await runtime.close();
    await p.close();
  });

  it('is the remote kind and carries the code version it was given', () => {
    expect(runtime.kind).toBe('remote');
    expect(runtime.services.codeVersion).toEqual({ version: '0.1.0', gitSha: 'abc123' });
  });

  it('stores a directory and a file and reads them back from a verified cache', async () => {
    const { artifacts } = runtime.services;
    const dir = join(p.root, 'bundle');
    await mkdir(join(dir, 'parts'), { recursive: true });
    await writeFile(join(dir, 'model.bin'), Buffer.alloc(100_000, 3));
    await writeFile(join(dir, 'parts', 'meta.json'), '{"k":20}');
    const bundle = await artifacts.putDir(dir);
    expect(bundle).toMatchObject({ kind: 'dir' });
    // The control plane's own store names the same folder the same way.
    expect(bundle.sha256).toBe((await p.artifacts.putDir(dir)).sha256);
    expect(bundle.uri).toBe(p.artifacts.uriOf(bundle.sha256));

    const copy = await artifacts.getDir(bundle.sha256);
    expect(copy).toBe(join(cacheDir, bundle.sha256));
    expect(await readFile(join(copy, 'parts', 'meta.json'), 'utf8')).toBe('{"k":20}');
    requests.length = 0;
    expect(await artifacts.getDir(bundle.sha256)).toBe(copy);
    expect(requests).toEqual([]);

    const file = join(p.root, 'report.json');
    await writeFile(file, '{"pass":true}');
    const report = await artifacts.put(file);
    expect(report).toMatchObject({ kind: 'file', size: 13 });
    expect(await readFile(await artifacts.get(report.sha256), 'utf8')).toBe('{"pass":true}');
    await expect(artifacts.getDir('nope')).rejects.toMatchObject({ code: 'STORE_ARTIFACT_INVALID_HASH' });
  });

  it('adds, reads and makes current datasets through the control plane', async () => {
    const { datasets } = runtime.services;
    expect(await datasets.current()).toBeUndefined();
    const scratch = await mkdtemp(join(p.root, 'scratch-'));
    await generateSynthetic(scratch, { books: 30, customers: 40, orders: 150, seed: 3 });
    await writeFile(join(scratch, 'notes.txt'), 'not part of the dataset');
    const source = { kind: 'synthetic' as const, uri: 'synthetic:seed=3' };
    const added = await datasets.add(scratch, source, { makeCurrent: true });
    expect(added).toMatchObject({ created: true, source, counts: { books: 30, customers: 40, orders: 150 } });
    expect((await readdir(added.dir)).sort()).toEqual([
      'books.csv',
      'customers.csv',
      'dataset.json',
      'order_lines.csv',
      'orders.csv',
    ]);
    expect(JSON.parse(await readFile(join(added.dir, 'dataset.json'), 'utf8')).hash).toBe(added.hash);
    expect(await readFile(join(added.dir, 'orders.csv'))).toEqual(
      await readFile(join(scratch, 'orders.csv')),
    );

    const again = await datasets.add(scratch, source);
    expect(again).toMatchObject({ hash: added.hash, created: false, dir: added.dir });
    expect(await datasets.current()).toMatchObject({ hash: added.hash, dir: added.dir });
    expect(await datasets.get(added.hash.slice(0, 10))).toMatchObject({ hash: added.hash, dir: added.dir });
  });

  it('fails as the local runtime does for a dataset that is not there', async () => {
    const { datasets } = runtime.services;
    await expect(datasets.get('./some/folder')).rejects.toMatchObject({
      code: 'DATA_NOT_FOUND',
      status: 404,
    });
    await expect(datasets.get('0000ffff')).rejects.toMatchObject({ code: 'DATA_NOT_FOUND', status: 404 });
    const empty = await mkdtemp(join(p.root, 'empty-'));
    await expect(datasets.add(empty, { kind: 'files', uri: empty })).rejects.toMatchObject({
      code: 'DATA_NOT_FOUND',
    });
    await expect(datasets.add(join(p.root, 'absent'), { kind: 'files', uri: 'x' })).rejects.toMatchObject({
      code: 'DATA_NOT_FOUND',
    });
  });

  it("registers and promotes as the token's principal, and publishes events", async () => {
    const { registry, events } = runtime.services;
    const sha256 = 'f'.repeat(64);
    const input = {
      model: 'recommender',
      artifact: { sha256, uri: p.artifacts.uriOf(sha256) },
      metrics: {
        ndcg_at_10: 0.3,
        'ndcg_at_10_vs_most-popular': 0.1,
        coverage: 0.3,
        long_tail_exposure: 0.3,
        exposure_gini_book: 0.7,
        latency_p99_ms: 0.1,
      },
      params: { k: 20 },
      tags: { 'bookml.model-id': 'm1' },
      lineage: {
        dataset: { uri: 'synthetic:seed=3', hash: 'c'.repeat(64), validation: { pass: true, checks: [] } },
        codeVersion: runtime.services.codeVersion,
      },
      idempotencyKey: `bundle:${sha256}`,
    };
    const run = { runId: 'recommender-x7k2p', taskId: 'register' };
    expect(await registry.registerVersion(input, run)).toEqual({ model: 'recommender', version: 1 });
    expect(await registry.registerVersion(input, run)).toEqual({ model: 'recommender', version: 1 });
    const v = await p.mdb.db
      .selectFrom('model_versions')
      .select(['created_by', 'tags', 'artifact_sha256'])
      .executeTakeFirstOrThrow();
    expect(v.created_by).toBe('step-pod');
    expect(v.artifact_sha256).toBe(sha256);
    expect(JSON.parse(String(v.tags))).toMatchObject({ 'bookml.run': run.runId, 'bookml.model-id': 'm1' });

    const promote = { model: 'recommender', version: 1, alias: 'staging', runId: run.runId, reason: 'test' };
    expect(await registry.promote(promote)).toEqual({ status: 'moved', fromVersion: null });
    expect(await registry.promote(promote)).toMatchObject({ status: 'already-done' });

    const { id } = await events.publish('model.registered', { model: 'recommender', version: 1 });
    expect((await p.events.read()).map((e) => [String(e.id), e.topic])).toContainEqual([
      id,
      'model.registered',
    ]);
  });

  it("relays the control plane's refusals with their codes", async () => {
    const viewer = await open(TOKENS.viewer);
    const dir = join(p.root, 'viewer-dir');
    await mkdir(dir);
    await writeFile(join(dir, 'new.txt'), 'only a viewer');
    await expect(viewer.services.artifacts.putDir(dir)).rejects.toMatchObject({
      code: 'API_FORBIDDEN',
      status: 403,
      retryable: false,
    });
    await expect(viewer.services.events.publish('dataset.ready', {})).rejects.toMatchObject({
      code: 'API_FORBIDDEN',
    });
  });

  it('removes downloads a killed process left half-done once they are stale', async () => {
    const leftover = join(cacheDir, `${'a'.repeat(64)}.123.0123456789ab.partial`);
    const fresh = join(cacheDir, `${'b'.repeat(64)}.123.0123456789ab.partial`);
    await mkdir(leftover, { recursive: true });
    await mkdir(fresh, { recursive: true });
    const old = new Date(clock.now() - 2 * 86_400_000);
    await utimes(leftover, old, old);
    const recent = new Date(clock.now() - 1000);
    await utimes(fresh, recent, recent);
    await (await open()).close();
    const names = await readdir(cacheDir);
    expect(names).not.toContain(leftover.split('/').pop());
    expect(names).toContain(fresh.split('/').pop());
  });
});
