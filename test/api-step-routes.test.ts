/**
 * The routes a step pod uses besides artifacts, through `app.inject`: datasets (list, current, by hash
 * prefix, add from an uploaded directory artifact), events, and register/promote as a step calls them
 * (run + task linked or kept as tags, author = the token's principal, server-side gate evidence).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSynthetic } from '../src/data/index.js';
import type { GateEvidence } from '../src/registry/index.js';
import { RunStore } from '../src/store/index.js';
import { auth, type StepPlane, stepPlane } from './fixtures/step-services.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('control plane /api/v1 datasets and events', () => {
  let p: StepPlane;
  beforeEach(async () => {
    p = await stepPlane();
  });
  afterEach(() => p.close());

  /** Generate a tiny dataset locally and upload it as a directory artifact, as a client would. */
  async function uploadDataset(seed: number): Promise<string> {
    const dir = await mkdtemp(join(p.root, 'upload-'));
    await generateSynthetic(dir, { books: 30, customers: 40, orders: 120, seed });
    const entries = [];
    for (const name of (await readdir(dir)).sort()) {
      const bytes = await readFile(join(dir, name));
      const up = await p.app.inject({
        method: 'PUT',
        url: `/api/v1/artifacts/${sha(bytes)}`,
        headers: { ...auth('operator'), 'content-type': 'application/octet-stream' },
        payload: bytes,
      });
      expect(up.statusCode).toBe(201);
      entries.push({ path: name, sha256: sha(bytes), size: bytes.length, executable: false });
    }
    const manifest = Buffer.from(JSON.stringify({ format: 'bookml.dir/v1', entries }));
    const put = await p.app.inject({
      method: 'PUT',
      url: `/api/v1/artifacts/${sha(manifest)}/manifest`,
      headers: auth('operator'),
      payload: { format: 'bookml.dir/v1', entries },
    });
    expect(put.statusCode).toBe(201);
    return sha(manifest);
  }

  const add = (artifact: string, who: 'viewer' | 'operator' = 'operator', makeCurrent = true) =>
    p.app.inject({
      method: 'POST',
      url: '/api/v1/datasets',
      headers: auth(who),
      payload: { artifact, source: { kind: 'synthetic', uri: 'synthetic:seed=1' }, makeCurrent },
    });

  it('adds a dataset from an uploaded directory, once per content, and serves it back as an artifact', async () => {
    const none = await p.app.inject({
      method: 'GET',
      url: '/api/v1/datasets/current',
      headers: auth('viewer'),
    });
    expect(none.json()).toEqual({ dataset: null });

    const artifact = await uploadDataset(1);
    expect((await add(artifact, 'viewer')).statusCode).toBe(403);
    const first = await add(artifact);
    expect(first.statusCode).toBe(201);
    const d = first.json();
    expect(d).toMatchObject({
      created: true,
      source: { kind: 'synthetic', uri: 'synthetic:seed=1' },
      counts: { books: 30, customers: 40, orders: 120 },
      artifact: { kind: 'dir', files: 5 },
    });
    expect(d.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(d).not.toHaveProperty('dir');
    const again = await add(artifact);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ hash: d.hash, created: false, artifact: d.artifact });

    const current = await p.app.inject({
      method: 'GET',
      url: '/api/v1/datasets/current',
      headers: auth('viewer'),
    });
    expect(current.json().dataset).toMatchObject({ hash: d.hash, artifact: d.artifact });
    const byPrefix = await p.app.inject({
      method: 'GET',
      url: `/api/v1/datasets/${d.hash.slice(0, 8)}`,
      headers: auth('viewer'),
    });
    expect(byPrefix.json()).toMatchObject({ hash: d.hash, artifact: d.artifact });
    // The artifact holds the dataset's files (the CSVs and the server's dataset.json).
    const manifest = await p.app.inject({
      method: 'GET',
      url: `/api/v1/artifacts/${d.artifact.sha256}/manifest`,
      headers: auth('viewer'),
    });
    expect(manifest.json().entries.map((e: { path: string }) => e.path)).toContain('dataset.json');

    const list = await p.app.inject({ method: 'GET', url: '/api/v1/datasets', headers: auth('viewer') });
    expect(list.json()).toEqual({ datasets: [expect.objectContaining({ hash: d.hash, current: true })] });
  });

  it('names what is wrong: an unknown prefix, a bad prefix, an artifact never uploaded', async () => {
    const unknown = await p.app.inject({
      method: 'GET',
      url: '/api/v1/datasets/abcd1234',
      headers: auth('viewer'),
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toMatch(/^DATA_/);
    const bad = await p.app.inject({ method: 'GET', url: '/api/v1/datasets/xyz', headers: auth('viewer') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'API_BAD_REQUEST', field: 'ref' });
    const absent = await add('e'.repeat(64));
    expect(absent.statusCode).toBe(404);
    expect(absent.json()).toMatchObject({ code: 'STORE_ARTIFACT_NOT_FOUND' });
    expect(
      (await p.app.inject({ method: 'GET', url: '/api/v1/datasets', headers: auth('viewer') })).json(),
    ).toEqual({
      datasets: [],
    });
  });

  it('publishes events for operators only', async () => {
    const publish = (who: 'viewer' | 'operator', topic = 'dataset.ready') =>
      p.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: auth(who),
        payload: { topic, payload: { hash: 'abc' } },
      });
    expect((await publish('viewer')).statusCode).toBe(403);
    const ok = await publish('operator');
    expect(ok.statusCode).toBe(201);
    const { id } = ok.json();
    expect(typeof id).toBe('string');
    expect(await p.events.read()).toEqual([
      expect.objectContaining({ id: Number(id), topic: 'dataset.ready', payload: { hash: 'abc' } }),
    ]);
    const bad = await publish('operator', 'Not A Topic');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'topic' });
  });

  it('answers 501 API_NOT_AVAILABLE for datasets and events that are not wired', async () => {
    const bare = await stepPlane({ datasets: undefined, events: undefined });
    try {
      for (const [method, url, payload] of [
        ['GET', '/api/v1/datasets/current', undefined],
        ['GET', '/api/v1/datasets', undefined],
        ['POST', '/api/v1/events', { topic: 'x.y', payload: {} }],
      ] as const) {
        const res = await bare.app.inject({
          method,
          url,
          headers: auth('operator'),
          ...(payload ? { payload } : {}),
        });
        expect(res.statusCode, url).toBe(501);
        expect(res.json()).toMatchObject({ code: 'API_NOT_AVAILABLE' });
      }
    } finally {
      await bare.close();
    }
  });
});

describe('control plane /api/v1 register and promote for steps', () => {
  const metrics = {
    ndcg_at_10: 0.3,
    'ndcg_at_10_vs_most-popular': 0.1,
    coverage: 0.3,
    long_tail_exposure: 0.3,
    exposure_gini_book: 0.7,
    latency_p99_ms: 0.1,
  };
  const lineage = {
    dataset: { uri: 'synthetic:seed=1', hash: 'c'.repeat(64), validation: { pass: true, checks: [] } },
    codeVersion: { version: '0.1.0', gitSha: 'abc' },
  };
  const register = (p: StepPlane, run: { id: string; task: string }, key: string) =>
    p.app.inject({
      method: 'POST',
      url: '/api/v1/models/recommender/versions',
      headers: auth('operator'),
      payload: {
        artifactUri: 'file:///bundle',
        // One bundle per key: a model has one version per bundle hash.
        artifactHash: key.slice(-1).repeat(64),
        metrics,
        params: { k: 20 },
        tags: { 'bookml.model-id': 'm1' },
        lineage,
        idempotencyKey: key,
        run,
      },
    });

  it("links a run this control plane knows, keeps an unknown one as tags, and records the token's principal", async () => {
    const p = await stepPlane();
    try {
      const runId = (await new RunStore(p.mdb).createRun({ pipeline: 'recommender' })).id;
      const known = await register(p, { id: runId, task: 'register' }, 'bundle:1');
      expect(known.statusCode).toBe(201);
      expect(known.json()).toMatchObject({ version: 1, sourceRun: runId, sourceNode: 'register' });
      const argo = await register(p, { id: 'recommender-nightly-x7k2p', task: 'register' }, 'bundle:2');
      expect(argo.json()).toMatchObject({
        version: 2,
        sourceRun: null,
        tags: {
          'bookml.run': 'recommender-nightly-x7k2p',
          'bookml.task': 'register',
          'bookml.model-id': 'm1',
        },
      });
      // The same idempotency key is the same version.
      expect((await register(p, { id: runId, task: 'register' }, 'bundle:1')).json().version).toBe(1);
      const row = await p.mdb.db
        .selectFrom('model_versions')
        .select('created_by')
        .where('version', '=', 2)
        .executeTakeFirstOrThrow();
      expect(row.created_by).toBe('step-pod');
    } finally {
      await p.close();
    }
  });

  it('promotes with the gate evidence the control plane measures, never what the caller sends', async () => {
    const asked: unknown[] = [];
    const evidence: GateEvidence = {
      benchmarkLatency: async () => ({ p99Ms: 0.05, samples: 10 }),
      evaluateOnCandidateSplit: async () => 0.1,
    };
    const p = await stepPlane({
      gateEvidence: (target) => {
        asked.push(target);
        return evidence;
      },
    });
    try {
      await register(p, { id: 'r1', task: 'register' }, 'bundle:1');
      const res = await p.app.inject({
        method: 'PUT',
        url: '/api/v1/models/recommender/aliases/staging',
        headers: auth('operator'),
        payload: { version: 1, runId: 'r1', reason: 'pipeline run r1' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'moved', fromVersion: null });
      expect(asked).toEqual([{ model: 'recommender', version: 1, alias: 'staging' }]);
      const latency = res.json().gates.results.find((r: { gate: string }) => r.gate === 'latency');
      expect(latency).toMatchObject({ passed: true, value: 0.05 });
      const again = await p.app.inject({
        method: 'PUT',
        url: '/api/v1/models/recommender/aliases/staging',
        headers: auth('operator'),
        payload: { version: 1, runId: 'r1' },
      });
      expect(again.json()).toMatchObject({ status: 'already-done' });
      const audit = await p.app.inject({ method: 'GET', url: '/api/v1/audit', headers: auth('viewer') });
      expect(audit.json().events[0]).toMatchObject({ actor: 'step-pod', alias: 'staging', toVersion: 1 });
    } finally {
      await p.close();
    }
  });
});
