/**
 * MLflow Model Registry routes with raw requests shaped as MLflow's clients send them (spec §1, §5):
 * JSON bodies on POST/PATCH/DELETE, query strings on GET, string versions, proto2 JSON, MLflow error
 * codes and statuses — and bookml's gates behind `registered-models/alias`.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import { ManualClock } from '../src/core/index.js';
import type { MetadataDb } from '../src/store/index.js';
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

describe('MLflow registry routes', () => {
  let t: TestDatabase;
  let mdb: MetadataDb;
  let app: FastifyInstance;

  beforeEach(async () => {
    t = await createTestDatabase('sqlite');
    mdb = await t.open({ clock: new ManualClock(1_700_000_000_000) });
    app = await buildControlPlane({ db: mdb, config, logger: false });
  });
  afterEach(async () => {
    await app.close();
    await t.dispose();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = OPERATOR) =>
    app.inject({
      method: 'POST',
      url: `${BASE}/${path}`,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  const patch = (path: string, body: unknown) =>
    app.inject({
      method: 'PATCH',
      url: `${BASE}/${path}`,
      headers: { ...OPERATOR, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  const del = (path: string, body: unknown, headers: Record<string, string> = OPERATOR) =>
    app.inject({
      method: 'DELETE',
      url: `${BASE}/${path}`,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  const get = (pathAndQuery: string, headers: Record<string, string> = VIEWER) =>
    app.inject({ method: 'GET', url: `${BASE}/${pathAndQuery}`, headers });

  /** An experiment and a finished tracking run whose metrics the version inherits. */
  async function trackedRun(ndcg: number): Promise<string> {
    const exp = await post('experiments/create', { name: `e-${ndcg}` });
    const run = await post('runs/create', {
      experiment_id: exp.json().experiment_id,
      user_id: 'alice',
      start_time: 1,
    });
    const runId = run.json().run.info.run_id as string;
    await post('runs/log-batch', {
      run_id: runId,
      metrics: [{ key: 'ndcg_at_10', value: ndcg, timestamp: 2, step: 0 }],
      params: [{ key: 'k', value: '20' }],
    });
    return runId;
  }

  it('creates, reads, searches, tags and updates registered models and versions with MLflow field names', async () => {
    const created = await post('registered-models/create', {
      name: 'recommender',
      description: 'item-kNN',
      tags: [{ key: 'team', value: 'books' }],
    });
    expect(created.statusCode).toBe(200);
    expect(created.json().registered_model).toMatchObject({
      name: 'recommender',
      description: 'item-kNN',
      creation_timestamp: 1_700_000_000_000,
      tags: [{ key: 'team', value: 'books' }],
    });
    const again = await post('registered-models/create', { name: 'recommender' });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({
      error_code: 'RESOURCE_ALREADY_EXISTS',
      message: 'model "recommender" already exists',
    });
    const noName = await post('registered-models/create', {});
    expect(noName.json()).toMatchObject({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringContaining("Missing value for required parameter 'name'"),
    });

    const runId = await trackedRun(0.3);
    const v1 = await post('model-versions/create', {
      name: 'recommender',
      source: 's3://bucket/m/1',
      run_id: runId,
      tags: [{ key: 'dataset_hash', value: 'sha256:abc' }],
      run_uuid: runId,
    });
    expect(v1.statusCode).toBe(200);
    expect(v1.json().model_version).toMatchObject({
      name: 'recommender',
      version: '1',
      current_stage: 'None',
      status: 'READY',
      source: 's3://bucket/m/1',
      run_id: runId,
      user_id: 'ci',
      tags: [{ key: 'dataset_hash', value: 'sha256:abc' }],
      aliases: [],
    });
    expect(v1.json().model_version).not.toHaveProperty('status_message');
    const v2 = await post('model-versions/create', { name: 'recommender', source: 's3://bucket/m/2' });
    expect(v2.json().model_version.version).toBe('2');
    const ghost = await post('model-versions/create', { name: 'nope', source: 's3://x' });
    expect(ghost.statusCode).toBe(404);
    expect(ghost.json().error_code).toBe('RESOURCE_DOES_NOT_EXIST');

    const search = await get(`model-versions/search?filter=${encodeURIComponent("name = 'recommender'")}`);
    expect(
      search
        .json()
        .model_versions.map((v: { version: string }) => v.version)
        .sort(),
    ).toEqual(['1', '2']);
    const byRun = await get(`model-versions/search?filter=${encodeURIComponent(`run_id = '${runId}'`)}`);
    expect(byRun.json().model_versions.map((v: { version: string }) => v.version)).toEqual(['1']);
    const models = await get(
      `registered-models/search?filter=${encodeURIComponent("name LIKE '%comm%'")}&max_results=10`,
    );
    expect(models.json().registered_models.map((m: { name: string }) => m.name)).toEqual(['recommender']);
    const byTag = await get(`registered-models/search?filter=${encodeURIComponent("tags.team = 'nobody'")}`);
    expect(byTag.json().registered_models).toEqual([]);

    expect(
      (
        await post('model-versions/set-tag', { name: 'recommender', version: '2', key: 'k', value: 'v' })
      ).json(),
    ).toEqual({});
    expect(
      (
        await patch('model-versions/update', { name: 'recommender', version: '2', description: 'second' })
      ).json().model_version,
    ).toMatchObject({ description: 'second', tags: [{ key: 'k', value: 'v' }] });
    expect(
      (await del('model-versions/delete-tag', { name: 'recommender', version: '2', key: 'k' })).json(),
    ).toEqual({});
    expect((await get('model-versions/get?name=recommender&version=2')).json().model_version.tags).toEqual(
      [],
    );
    expect((await get('model-versions/get-download-uri?name=recommender&version=1')).json()).toEqual({
      artifact_uri: 's3://bucket/m/1',
    });
    expect(
      (await patch('registered-models/update', { name: 'recommender', description: 'new' })).json()
        .registered_model.description,
    ).toBe('new');
    const latest = await post('registered-models/get-latest-versions', {
      name: 'recommender',
      stages: ['None'],
    });
    expect(latest.json().model_versions.map((v: { version: string }) => v.version)).toEqual(['2']);
    const missingVersion = await get('model-versions/get?name=recommender&version=9');
    expect(missingVersion.statusCode).toBe(404);
    expect(missingVersion.json().error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('lists versions and sets aliases through the gates: failed gate 400, missing approval 403, approver moves production', async () => {
    await post('registered-models/create', { name: 'recommender' });
    // MLflow-registered versions carry the tracking run's metrics; gate them on the metric alone.
    await app.inject({
      method: 'PUT',
      url: '/api/v1/models/recommender/policy',
      headers: APPROVER,
      payload: {
        gates: {
          beat_baseline: null,
          data_quality: null,
          latency: null,
          coverage: null,
          fairness: null,
          no_regression: null,
        },
      },
    });
    const weak = await trackedRun(0.001);
    const good = await trackedRun(0.3);
    await post('model-versions/create', { name: 'recommender', source: 's3://m/1', run_id: weak });
    await post('model-versions/create', { name: 'recommender', source: 's3://m/2', run_id: good });

    const blocked = await post('registered-models/alias', {
      name: 'recommender',
      alias: 'staging',
      version: '1',
    });
    expect(blocked.statusCode).toBe(400);
    expect(blocked.json()).toMatchObject({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringContaining('metric_threshold: ndcg_at_10 0.0010 vs minimum 0.0100'),
    });
    expect((await get('registered-models/alias?name=recommender&alias=staging')).statusCode).toBe(404);

    expect(
      (await post('registered-models/alias', { name: 'recommender', alias: 'staging', version: '2' })).json(),
    ).toEqual({});
    const byAlias = await get('registered-models/alias?name=recommender&alias=staging');
    expect(byAlias.json().model_version).toMatchObject({
      version: '2',
      aliases: ['staging'],
      current_stage: 'Staging',
    });

    const noApproval = await post('registered-models/alias', {
      name: 'recommender',
      alias: 'production',
      version: '2',
    });
    expect(noApproval.statusCode).toBe(403);
    expect(noApproval.json().error_code).toBe('PERMISSION_DENIED');
    const approvals = await app.inject({ method: 'GET', url: '/api/v1/approvals', headers: VIEWER });
    expect(approvals.json().approvals).toEqual([]);

    expect(
      (
        await post(
          'registered-models/alias',
          { name: 'recommender', alias: 'production', version: '2' },
          APPROVER,
        )
      ).json(),
    ).toEqual({});
    const model = (await get('registered-models/get?name=recommender')).json().registered_model;
    expect(model.aliases).toEqual([
      { alias: 'production', version: '2' },
      { alias: 'staging', version: '2' },
    ]);
    expect(
      model.latest_versions.map(
        (v: { version: string; current_stage: string }) => `${v.version}:${v.current_stage}`,
      ),
    ).toEqual(['1:None', '2:Production']);
    const lineage = await app.inject({
      method: 'GET',
      url: '/api/v1/models/recommender/lineage/production',
      headers: VIEWER,
    });
    expect(lineage.json().approval).toMatchObject({ decidedBy: 'alice', method: 'manual' });

    const reserved = await post('registered-models/alias', {
      name: 'recommender',
      alias: 'v1',
      version: '2',
    });
    expect(reserved.json().error_code).toBe('INVALID_PARAMETER_VALUE');
    expect((await del('registered-models/alias', { name: 'recommender', alias: 'staging' })).json()).toEqual(
      {},
    );
    expect(
      (await del('registered-models/alias', { name: 'recommender', alias: 'production' })).statusCode,
    ).toBe(403);

    const versions = await get(`model-versions/search?filter=${encodeURIComponent("name='recommender'")}`);
    expect(versions.json().model_versions).toHaveLength(2);
  });

  it('maps legacy stage transitions onto aliases', async () => {
    await post('registered-models/create', { name: 'm' });
    await app.inject({
      method: 'PUT',
      url: '/api/v1/models/m/policy',
      headers: APPROVER,
      payload: { aliases: { staging: { gates: [] } } },
    });
    await post('model-versions/create', { name: 'm', source: 's3://m/1' });
    const staged = await post('model-versions/transition-stage', {
      name: 'm',
      version: '1',
      stage: 'staging',
      archive_existing_versions: true,
    });
    expect(staged.json().model_version).toMatchObject({ current_stage: 'Staging', aliases: ['staging'] });
    const archived = await post('model-versions/transition-stage', {
      name: 'm',
      version: '1',
      stage: 'Archived',
      archive_existing_versions: false,
    });
    expect(archived.json().model_version).toMatchObject({ current_stage: 'Archived', aliases: [] });
    const bad = await post('model-versions/transition-stage', {
      name: 'm',
      version: '1',
      stage: 'Gold',
      archive_existing_versions: false,
    });
    expect(bad.json().error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('speaks MLflow errors: content type, unknown endpoint, auth; renames and deletes', async () => {
    const noType = await app.inject({
      method: 'POST',
      url: `${BASE}/registered-models/create`,
      headers: OPERATOR,
      payload: '{"name":"x"}',
    });
    expect(noType.statusCode).toBe(400);
    expect(noType.json()).toMatchObject({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Bad Request. Content-Type header is missing.',
    });
    const withCharset = await app.inject({
      method: 'POST',
      url: `${BASE}/registered-models/create`,
      headers: { ...OPERATOR, 'content-type': 'application/json; charset=utf-8' },
      payload: '{"name":"x"}',
    });
    expect(withCharset.statusCode).toBe(200);
    const unknown = await get('registered-models/nope');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error_code).toBe('ENDPOINT_NOT_FOUND');
    const anon = await app.inject({ method: 'GET', url: `${BASE}/registered-models/get?name=x` });
    expect(anon.statusCode).toBe(401);
    expect(anon.json().error_code).toBe('UNAUTHENTICATED');
    const viewerWrite = await post('registered-models/create', { name: 'y' }, VIEWER);
    expect(viewerWrite.statusCode).toBe(403);
    expect(viewerWrite.json().error_code).toBe('PERMISSION_DENIED');
    expect((await get('registered-models/get?name=y')).statusCode).toBe(404);

    const renamed = await post('registered-models/rename', { name: 'x', new_name: 'x2' });
    expect(renamed.json().registered_model.name).toBe('x2');
    const preview = await app.inject({
      method: 'GET',
      url: '/api/2.0/preview/mlflow/registered-models/get?name=x2',
      headers: VIEWER,
    });
    expect(preview.statusCode).toBe(200);
    expect((await del('registered-models/delete', { name: 'x2' })).json()).toEqual({});
    expect((await get('registered-models/get?name=x2')).json().error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});
