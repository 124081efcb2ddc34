/**
 * The control plane through its door (`app.inject`): token auth and roles, the promotion flow over
 * `/api/v1`, lineage/compare/audit, the OpenAPI document, and the refusal to bind beyond loopback
 * without tokens.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import { ManualClock } from '../src/core/index.js';
import { type MetadataDb, RunStore } from '../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../src/store/test-databases.js';

const TOKENS = {
  viewer: 'viewer-secret-0123456789',
  operator: 'operator-secret-0123456789',
  alice: 'alice-approver-secret-0123',
  bob: 'bob-approver-secret-012345',
};

const config = loadApiConfig({
  env: {},
  file: {
    tokens: [
      { id: 'vic', roles: ['viewer'], token: TOKENS.viewer },
      { id: 'ci', roles: ['operator'], token: TOKENS.operator },
      { id: 'alice', roles: ['approver'], token: TOKENS.alice },
      { id: 'bob', roles: ['approver'], token: TOKENS.bob },
    ],
  },
});

const auth = (who: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[who]}` });

describe('control plane /api/v1', () => {
  let t: TestDatabase;
  let mdb: MetadataDb;
  let app: FastifyInstance;
  let runId: string;

  beforeEach(async () => {
    t = await createTestDatabase('sqlite');
    mdb = await t.open({ clock: new ManualClock(1_700_000_000_000) });
    // The control plane measures latency itself (a caller-sent latency_p99_ms never moves production).
    app = await buildControlPlane({
      db: mdb,
      config,
      logger: false,
      gateEvidence: { benchmarkLatency: async () => ({ p99Ms: 0.1, samples: 10 }) },
    });
    runId = (await new RunStore(mdb).createRun({ pipeline: 'recommender', submittedBy: 'bob' })).id;
  });
  afterEach(async () => {
    await app.close();
    await t.dispose();
  });

  const get = (url: string, who: keyof typeof TOKENS = 'viewer') =>
    app.inject({ method: 'GET', url, headers: auth(who) });

  const register = (ndcg: number, run?: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/models/recommender/versions',
      headers: auth('operator'),
      payload: {
        artifactUri: 'file:///m.bundle',
        // One bundle per candidate: a model has one version per bundle hash.
        artifactHash: createHash('sha256').update(String(ndcg)).digest('hex'),
        ...(run ? { sourceRun: run, sourceNode: 'train' } : {}),
        metrics: {
          ndcg_at_10: ndcg,
          'ndcg_at_10_vs_most-popular': 0.1,
          coverage: 0.3,
          long_tail_exposure: 0.3,
          exposure_gini_book: 0.7,
          latency_p99_ms: 0.1,
        },
        params: { k: 20 },
        lineage: {
          dataset: { uri: 'file:///d', hash: 'c'.repeat(64), validation: { pass: true, checks: [] } },
          codeVersion: { version: '0.1.0', gitSha: 'abc' },
        },
      },
    });

  it('refuses missing and wrong tokens with 401 JSON and a missing role with 403, changing nothing', async () => {
    const none = await app.inject({ method: 'GET', url: '/api/v1/models' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ statusCode: 401, code: 'API_UNAUTHENTICATED' });
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/v1/models',
      headers: { authorization: 'Bearer nope-nope-nope-nope' },
      payload: { name: 'x' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain('nope');
    const viewer = await app.inject({
      method: 'POST',
      url: '/api/v1/models',
      headers: auth('viewer'),
      payload: { name: 'x' },
    });
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json()).toMatchObject({
      code: 'API_FORBIDDEN',
      message: expect.stringContaining('needs the operator role'),
    });
    const list = await get('/api/v1/models');
    expect(list.json()).toEqual({ models: [] });
    const who = await get('/api/v1/whoami', 'alice');
    expect(who.json()).toEqual({ id: 'alice', roles: ['approver'], auth: 'token' });
  });

  it('validates bodies naming the field', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: '/api/v1/models/recommender/aliases/staging',
      headers: auth('operator'),
      payload: { version: 'x' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'API_BAD_REQUEST', field: 'version' });
  });

  it('registers, moves staging, waits for approval, approves (not the author), rolls back, and answers lineage', async () => {
    expect((await register(0.3, runId)).statusCode).toBe(201);
    const staging = await app.inject({
      method: 'PUT',
      url: '/api/v1/models/recommender/aliases/staging',
      headers: auth('operator'),
      payload: { version: 1, runId },
    });
    expect(staging.statusCode).toBe(200);
    expect(staging.json()).toMatchObject({ status: 'moved', alias: 'staging', gates: { passed: true } });

    const prod = await app.inject({
      method: 'PUT',
      url: '/api/v1/models/recommender/aliases/production',
      headers: auth('operator'),
      payload: { version: 1 },
    });
    expect(prod.statusCode).toBe(202);
    expect(prod.json()).toMatchObject({ status: 'pending-approval', approval: { status: 'pending' } });
    const pending = await get('/api/v1/approvals?status=pending');
    expect(pending.json().approvals).toHaveLength(1);

    const byOperator = await app.inject({
      method: 'POST',
      url: '/api/v1/models/recommender/versions/1/approve',
      headers: auth('operator'),
      payload: { reason: 'x' },
    });
    expect(byOperator.statusCode).toBe(403);

    const policy = await app.inject({
      method: 'PUT',
      url: '/api/v1/models/recommender/policy',
      headers: auth('alice'),
      payload: { aliases: { production: { approval: true, approverNotAuthor: true } } },
    });
    expect(policy.statusCode).toBe(200);
    const byAuthor = await app.inject({
      method: 'POST',
      url: '/api/v1/models/recommender/versions/1/approve',
      headers: auth('bob'),
      payload: { reason: 'mine' },
    });
    expect(byAuthor.statusCode).toBe(403);
    expect(byAuthor.json()).toMatchObject({ code: 'REGISTRY_APPROVER_IS_AUTHOR' });
    const notMoved = await get('/api/v1/models/recommender/aliases/production');
    expect(notMoved.statusCode).toBe(404);

    const approved = await app.inject({
      method: 'POST',
      url: '/api/v1/models/recommender/versions/1/approve',
      headers: auth('alice'),
      payload: { reason: 'offline +4 %' },
    });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({
      status: 'moved',
      approval: { decidedBy: 'alice', method: 'manual' },
    });

    const lineage = await get('/api/v1/models/recommender/lineage/production');
    expect(lineage.json()).toMatchObject({
      version: 1,
      dataset: { hash: 'c'.repeat(64), validation: { pass: true } },
      codeVersion: { gitSha: 'abc' },
      params: { k: 20 },
      run: { id: runId, submittedBy: 'bob' },
      approval: { decidedBy: 'alice' },
    });

    await register(0.31);
    await app.inject({
      method: 'PUT',
      url: '/api/v1/models/recommender/policy',
      headers: auth('alice'),
      payload: { autoApprove: true },
    });
    const auto = await app.inject({
      method: 'PUT',
      url: '/api/v1/models/recommender/aliases/production',
      headers: auth('operator'),
      payload: { version: 2 },
    });
    expect(auto.json()).toMatchObject({ status: 'moved', autoApproved: true, approval: { method: 'auto' } });

    const rollbackByOperator = await app.inject({
      method: 'POST',
      url: '/api/v1/models/recommender/rollback',
      headers: auth('operator'),
      payload: {},
    });
    expect(rollbackByOperator.statusCode).toBe(403);
    const rollback = await app.inject({
      method: 'POST',
      url: '/api/v1/models/recommender/rollback',
      headers: auth('alice'),
      payload: { reason: 'CTR down' },
    });
    expect(rollback.json()).toMatchObject({
      action: 'rollback',
      fromVersion: 2,
      toVersion: 1,
      actor: 'alice',
    });

    const compare = await get('/api/v1/models/recommender/compare?versions=1,2');
    expect(compare.json().metrics.find((r: { key: string }) => r.key === 'ndcg_at_10')).toMatchObject({
      values: [0.3, 0.31],
    });
    const audit = await get('/api/v1/audit?model=recommender&alias=production');
    expect(
      audit.json().events.map((e: { action: string; toVersion: number }) => `${e.action}:${e.toVersion}`),
    ).toEqual(['rollback:1', 'set:2', 'set:1']);
  });

  it('a failed gate answers 422 naming the gate and numbers, and nothing moves', async () => {
    await register(0.001, runId);
    const res = await app.inject({
      method: 'PUT',
      url: '/api/v1/models/recommender/aliases/staging',
      headers: auth('operator'),
      payload: { version: 1 },
    });
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body).toMatchObject({
      code: 'REGISTRY_GATE_FAILED',
      message: expect.stringContaining('metric_threshold: ndcg_at_10 0.0010 vs minimum 0.0100'),
    });
    expect(body.details.gates.results[0]).toMatchObject({
      gate: 'metric_threshold',
      passed: false,
      value: 0.001,
      threshold: 0.01,
    });
    expect(body).not.toHaveProperty('stack');
    const audit = await get('/api/v1/audit');
    expect(audit.json().events).toEqual([]);
  });

  it('serves runs from the run store and says where logs come from', async () => {
    const runs = await get('/api/v1/runs');
    expect(runs.json().runs.map((r: { id: string }) => r.id)).toEqual([runId]);
    const logs = await get(`/api/v1/runs/${runId}/logs`);
    expect(logs.statusCode).toBe(501);
    expect(logs.json()).toMatchObject({ code: 'API_NOT_AVAILABLE' });
    const wired = await buildControlPlane({
      db: mdb,
      config,
      logger: false,
      runLogs: {
        read: async (id, node) => (id === runId ? [`${node ?? 'train'}\tfitted 200 books`] : undefined),
      },
    });
    try {
      const got = await wired.inject({
        method: 'GET',
        url: `/api/v1/runs/${runId}/logs?node=train`,
        headers: auth('viewer'),
      });
      expect(got.json()).toEqual({ runId, lines: ['train\tfitted 200 books'], next: 1 });
      const none = await wired.inject({
        method: 'GET',
        url: '/api/v1/runs/nope/logs',
        headers: auth('viewer'),
      });
      expect(none.statusCode).toBe(404);
    } finally {
      await wired.close();
    }
  });

  it('publishes an OpenAPI document without a token', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/docs' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/models',
        '/api/v1/models/{model}/versions/{version}',
        '/api/v1/models/{model}/aliases/{alias}',
        '/api/v1/models/{model}/versions/{version}/approve',
        '/api/v1/models/{model}/lineage/{ref}',
        '/api/v1/models/{model}/compare',
        '/api/v1/approvals',
        '/api/v1/audit',
        '/api/v1/runs/{runId}/logs',
      ]),
    );
    expect(doc.paths['/api/v1/models/{model}/versions/{version}/approve'].post).toMatchObject({
      'x-bookml-role': 'approver',
      security: [{ bearerAuth: [] }],
    });
  });
});

describe('API configuration', () => {
  it('binds to 127.0.0.1 by default and refuses another address without tokens, saying why', () => {
    expect(loadApiConfig({ env: {} })).toMatchObject({ host: '127.0.0.1', port: 8470, tokens: [] });
    expect(() => loadApiConfig({ env: {}, flags: { host: '0.0.0.0' } })).toThrow(
      /refusing to listen on 0\.0\.0\.0 without any API token/,
    );
    const ok = loadApiConfig({
      env: { BOOKML_API_TOKENS: 'alice:approver:a-very-long-secret-1' },
      flags: { host: '0.0.0.0' },
    });
    expect(ok.tokens).toEqual([
      { id: 'alice', roles: ['approver'], sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    expect(JSON.stringify(ok)).not.toContain('a-very-long-secret-1');
  });

  it('names bad keys without echoing secrets', () => {
    const err = (() => {
      try {
        loadApiConfig({
          env: {},
          file: { port: 'x', tokens: [{ id: 'a', roles: ['root'], token: 'short-secret' }], extra: 1 },
        });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toMatchObject({ code: 'API_CONFIG_INVALID' });
    expect(err?.message).toMatch(/port/);
    expect(err?.message).toMatch(/tokens\.0\.roles/);
    expect(err?.message).not.toContain('short-secret');
  });

  it('without tokens on loopback, every caller is the local user', async () => {
    const t = await createTestDatabase('sqlite');
    const mdb = await t.open();
    const app = await buildControlPlane({ db: mdb, config: loadApiConfig({ env: {} }), logger: false });
    const who = await app.inject({ method: 'GET', url: '/api/v1/whoami' });
    expect(who.json()).toEqual({ id: 'local', roles: ['approver'], auth: 'none (loopback only)' });
    await app.close();
    await t.dispose();
  });
});
