/**
 * Registry integrity and MLflow conformance over HTTP (issue 11, items 1, 2, 5 and 17): the MLflow
 * routes cannot take production away without the approver path and every change is audited; the
 * token's principal is the identity; an approval after production moved is re-measured by the
 * control plane; the Default experiment, Archived, and pipeline runs seen as MLflow runs.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import { ManualClock } from '../src/core/index.js';
import { type GateEvidence, Registry } from '../src/registry/index.js';
import { type MetadataDb, RunStore } from '../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../src/store/test-databases.js';

const BASE = '/api/2.0/mlflow';
const config = loadApiConfig({
  env: {},
  file: {
    tokens: [
      { id: 'ci', roles: ['operator'], token: 'operator-token-0123456789' },
      { id: 'alice', roles: ['approver'], token: 'approver-token-0123456789' },
      { id: 'vic', roles: ['viewer'], token: 'viewer-token-01234567890' },
    ],
  },
});
const OPERATOR = { authorization: 'Bearer operator-token-0123456789' };
const APPROVER = { authorization: 'Bearer approver-token-0123456789' };
const VIEWER = { authorization: 'Bearer viewer-token-01234567890' };

const metrics = {
  ndcg_at_10: 0.3,
  'ndcg_at_10_vs_most-popular': 0.1,
  coverage: 0.4,
  long_tail_exposure: 0.3,
  exposure_gini_book: 0.7,
};
const lineage = {
  dataset: { uri: 'file:///d', hash: 'd'.repeat(64), validation: { pass: true, checks: [] } },
  evaluation: { split: 'last-basket' },
};

describe('registry integrity over HTTP', () => {
  let t: TestDatabase;
  let mdb: MetadataDb;
  let app: FastifyInstance;
  let registry: Registry;
  let benchmarks: number[];

  beforeEach(async () => {
    t = await createTestDatabase('sqlite');
    mdb = await t.open({ clock: new ManualClock(1_700_000_000_000) });
    registry = new Registry(mdb);
    benchmarks = [];
    const evidence: GateEvidence = {
      benchmarkLatency: async (v) => {
        benchmarks.push(v.version);
        return { p99Ms: 0.1, samples: 10 };
      },
    };
    app = await buildControlPlane({ db: mdb, config, logger: false, gateEvidence: evidence });
  });
  afterEach(async () => {
    await app.close();
    await t.dispose();
  });

  const send = (method: 'POST' | 'DELETE' | 'PATCH', path: string, body: unknown, headers = OPERATOR) =>
    app.inject({
      method,
      url: `${BASE}/${path}`,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  const get = (url: string, headers = VIEWER) => app.inject({ method: 'GET', url, headers });

  /** v1 staged (benchmarked by the control plane) and approved into production by alice. */
  async function production(hash = '1'): Promise<void> {
    await registry.registerVersion({
      model: 'recommender',
      artifactUri: `file:///m/${hash}`,
      artifactHash: hash.repeat(64),
      metrics,
      lineage,
      actor: 'ci',
    });
    const v = (await registry.listVersions('recommender', { limit: 1 }))[0]?.version ?? 0;
    const staged = await app.inject({
      method: 'PUT',
      url: '/api/v1/models/recommender/aliases/staging',
      headers: OPERATOR,
      payload: { version: v },
    });
    expect(staged.statusCode).toBe(200);
    const approved = await app.inject({
      method: 'POST',
      url: `/api/v1/models/recommender/versions/${v}/approve`,
      headers: APPROVER,
      payload: { reason: 'ok' },
    });
    expect(approved.statusCode).toBe(200);
  }

  it('1. MLflow rename, delete and archive cannot take production away from an operator; each change is audited', async () => {
    await production();
    const rename = await send('POST', 'registered-models/rename', { name: 'recommender', new_name: 'x' });
    expect(rename.statusCode).toBe(403);
    expect(rename.json()).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    expect((await registry.resolveAlias('recommender', 'production')).version).toBe(1);
    const del = await send('DELETE', 'registered-models/delete', { name: 'recommender' });
    expect(del.statusCode).toBe(403);
    const archive = await send('POST', 'model-versions/transition-stage', {
      name: 'recommender',
      version: '1',
      stage: 'Archived',
      archive_existing_versions: false,
    });
    expect(archive.statusCode).toBe(403);
    const delVersion = await send('DELETE', 'model-versions/delete', { name: 'recommender', version: '1' });
    expect(delVersion.statusCode).toBe(403);
    expect((await registry.resolveAlias('recommender', 'production')).version).toBe(1);

    expect(
      (await send('POST', 'registered-models/set-tag', { name: 'recommender', key: 'k', value: 'v' }))
        .statusCode,
    ).toBe(200);
    expect(
      (await send('DELETE', 'registered-models/delete-tag', { name: 'recommender', key: 'k' })).statusCode,
    ).toBe(200);
    const renamed = await send(
      'POST',
      'registered-models/rename',
      { name: 'recommender', new_name: 'books' },
      APPROVER,
    );
    expect(renamed.statusCode).toBe(200);
    const changes = await get('/api/v1/audit/changes?limit=3');
    expect(
      changes
        .json()
        .changes.map(
          (c: { action: string; model: string; actor: string }) => `${c.action} ${c.model} ${c.actor}`,
        ),
    ).toEqual([
      'rename-model books alice',
      'delete-model-tag recommender ci',
      'set-model-tag recommender ci',
    ]);
  });

  it('2. a tracking run belongs to the token’s principal, whatever user_id the client claims', async () => {
    const run = await send('POST', 'runs/create', { experiment_id: '0', user_id: 'bob', start_time: 1 });
    expect(run.json().run.info).toMatchObject({ user_id: 'ci', experiment_id: '0' });
  });

  it('5. an approval after production moved is re-measured by the control plane', async () => {
    await production('1');
    // v2 staged and benchmarked against production v1 …
    await registry.registerVersion({
      model: 'recommender',
      artifactUri: 'file:///m/2',
      artifactHash: '2'.repeat(64),
      metrics,
      lineage,
      actor: 'ci',
    });
    await app.inject({
      method: 'PUT',
      url: '/api/v1/models/recommender/aliases/staging',
      headers: OPERATOR,
      payload: { version: 2 },
    });
    // … then production moves to v3.
    await registry.registerVersion({
      model: 'recommender',
      artifactUri: 'file:///m/3',
      artifactHash: '3'.repeat(64),
      metrics,
      lineage,
      actor: 'ci',
    });
    await app.inject({
      method: 'POST',
      url: '/api/v1/models/recommender/versions/3/approve',
      headers: APPROVER,
      payload: { reason: 'v3' },
    });
    benchmarks.length = 0;
    const late = await app.inject({
      method: 'POST',
      url: '/api/v1/models/recommender/versions/2/approve',
      headers: APPROVER,
      payload: { reason: 'v2 after all' },
    });
    expect(late.statusCode).toBe(200);
    expect(late.json()).toMatchObject({ status: 'moved', fromVersion: 3, gates: { productionVersion: 3 } });
    expect(benchmarks).toEqual([2]);
  });

  it('17. the Default experiment exists and a bare start_run lands in it', async () => {
    const exp = await get(`${BASE}/experiments/get?experiment_id=0`);
    expect(exp.statusCode).toBe(200);
    expect(exp.json().experiment).toMatchObject({
      experiment_id: '0',
      name: 'Default',
      lifecycle_stage: 'active',
    });
    const byName = await get(`${BASE}/experiments/get-by-name?experiment_name=Default`);
    expect(byName.json().experiment.experiment_id).toBe('0');
    const run = await send('POST', 'runs/create', { experiment_id: '0', start_time: 5 });
    expect(run.statusCode).toBe(200);
    expect(run.json().run.info.experiment_id).toBe('0');
  });

  it('17. transition-stage to Archived answers current_stage Archived, and an alias brings it back', async () => {
    await registry.createModel({ name: 'm', actor: 'ci' });
    await registry.setPolicy(
      'm',
      { aliases: { staging: { gates: [] } } },
      { id: 'alice', roles: ['approver'] },
    );
    await send('POST', 'model-versions/create', { name: 'm', source: 's3://m/1' });
    const archived = await send('POST', 'model-versions/transition-stage', {
      name: 'm',
      version: '1',
      stage: 'Archived',
      archive_existing_versions: false,
    });
    expect(archived.json().model_version).toMatchObject({ current_stage: 'Archived', aliases: [] });
    expect(
      (await get(`${BASE}/model-versions/get?name=m&version=1`)).json().model_version.current_stage,
    ).toBe('Archived');
    const staged = await send('POST', 'model-versions/transition-stage', {
      name: 'm',
      version: '1',
      stage: 'Staging',
      archive_existing_versions: false,
    });
    expect(staged.json().model_version.current_stage).toBe('Staging');
    const none = await send('POST', 'model-versions/transition-stage', {
      name: 'm',
      version: '1',
      stage: 'None',
      archive_existing_versions: false,
    });
    expect(none.json().model_version.current_stage).toBe('None');
  });

  it('17. pipeline runs appear as MLflow runs, and a registered version’s run_id resolves with runs/get', async () => {
    const runs = new RunStore(mdb);
    const run = await runs.createRun({
      pipeline: 'recommender',
      parameters: { kGrid: [20, 50], minNdcg: 0.01 },
      submittedBy: 'local:alice',
      codeVersion: { version: '0.1.0', gitSha: 'abc123' },
    });
    await runs.createNodes(run.id, [{ nodeId: 'evaluate', task: 'evaluate' }]);
    await runs.transitionRun(run.id, 'Running');
    await runs.transitionNode({ runId: run.id, nodeId: 'evaluate' }, 'Running');
    await runs.transitionNode({ runId: run.id, nodeId: 'evaluate' }, 'Succeeded', {
      outputs: { params: { ndcg: 0.41, gate: 'passed' }, artifacts: {} },
    });
    await registry.registerVersion({
      model: 'recommender',
      artifactUri: 'file:///m/p',
      artifactHash: 'f'.repeat(64),
      sourceRun: run.id,
      sourceNode: 'register',
      metrics,
      lineage,
      actor: 'pipeline',
    });
    await runs.transitionRun(run.id, 'Succeeded');

    const version = (await get(`${BASE}/model-versions/get?name=recommender&version=1`)).json().model_version;
    expect(version.run_id).toBe(run.id);
    const got = await get(`${BASE}/runs/get?run_id=${version.run_id}`);
    expect(got.statusCode).toBe(200);
    const mirrored = got.json().run;
    expect(mirrored.info).toMatchObject({ run_id: run.id, status: 'FINISHED', user_id: 'local:alice' });
    expect(mirrored.data.params).toEqual(
      expect.arrayContaining([
        { key: 'kGrid', value: '[20,50]' },
        { key: 'minNdcg', value: '0.01' },
      ]),
    );
    expect(mirrored.data.metrics.map((m: { key: string; value: number }) => `${m.key}=${m.value}`)).toEqual(
      expect.arrayContaining(['evaluate.ndcg=0.41', 'ndcg_at_10=0.3']),
    );
    expect(mirrored.data.tags).toEqual(
      expect.arrayContaining([
        { key: 'bookml.run_id', value: run.id },
        { key: 'bookml.pipeline', value: 'recommender' },
        { key: 'mlflow.source.git.commit', value: 'abc123' },
      ]),
    );
    const exp = (await get(`${BASE}/experiments/get-by-name?experiment_name=bookml/recommender`)).json()
      .experiment;
    // runs/search is a read even though MLflow makes it a POST: a viewer may call it.
    const search = await send('POST', 'runs/search', { experiment_ids: [exp.experiment_id] }, VIEWER);
    expect(search.statusCode).toBe(200);
    expect(search.json().runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([run.id]);
  });
});
