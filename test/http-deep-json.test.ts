/**
 * Deeply nested JSON (issue 11, item 7): 10,000 levels used to be a 500 on `POST /recommend` and V1
 * `:predict` (the stack overflowed while the error was formatted). Every JSON route of the serving app
 * and of the control plane — `/api/v1` and MLflow — refuses it with a 400 naming the body, before any
 * route code runs; bodies nested within the limit still parse.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import { MAX_JSON_DEPTH, ManualClock } from '../src/core/index.js';
import { bundleDirSource, type ServeServer } from '../src/serve/index.js';
import type { MetadataDb } from '../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../src/store/test-databases.js';
import { startServer, tempDir, writeModel } from './serve-fixture.js';

const LEVELS = 10_000;
const arrays = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const objects = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

/** Deep bodies: bare, and under each top-level key a route reads. */
function deepBodies(keys: readonly string[]): string[] {
  const out = [arrays(LEVELS), objects(LEVELS)];
  for (const k of keys) out.push(`{"${k}":${arrays(LEVELS)}}`, `{"${k}":[${objects(LEVELS)}]}`);
  return out;
}

describe('serving app', () => {
  let server: ServeServer;
  beforeAll(async () => {
    const root = tempDir();
    await writeModel(join(root, 'm'), { k: 10 });
    server = await startServer(bundleDirSource(join(root, 'm')));
  });
  afterAll(async () => {
    await server.app.close();
  });

  it.each([
    ['POST /recommend', '/recommend', ['book_ids']],
    ['V1 :predict', '/v1/models/recommender:predict', ['instances', 'inputs']],
    ['V2 infer', '/v2/models/recommender/infer', ['inputs', 'parameters', 'outputs']],
  ])('%s: 10,000 levels is 400 SERVE_MALFORMED_JSON', async (_name, url, keys) => {
    for (const payload of deepBodies(keys)) {
      const res = await server.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(400);
      expect(res.json()).toMatchObject({ code: 'SERVE_MALFORMED_JSON', field: 'body' });
      expect(res.json().message).toMatch(/nest/);
    }
  });

  it('a body nested up to the limit is parsed (and judged by the route)', async () => {
    const payload = `{"book_ids":${'['.repeat(MAX_JSON_DEPTH - 1)}1${']'.repeat(MAX_JSON_DEPTH - 1)}}`;
    const res = await server.app.inject({
      method: 'POST',
      url: '/recommend',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'SERVE_INVALID_BOOK_ID', field: 'book_ids[0]' });
  });

  it('brackets inside strings do not count as nesting', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/recommend',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ book_ids: [1], customer_id: `${'['.repeat(500)}\\"{{{` }),
    });
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('control plane', () => {
  let t: TestDatabase;
  let mdb: MetadataDb;
  let app: FastifyInstance;
  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    mdb = await t.open({ clock: new ManualClock(1_700_000_000_000) });
    // No tokens: the caller is the local approver, so every route reaches its body.
    app = await buildControlPlane({ db: mdb, config: loadApiConfig({ env: {} }), logger: false });
  });
  afterAll(async () => {
    await app.close();
    await t.dispose();
  });

  /** Every /api/v1 operation with a JSON request body, from the OpenAPI document. */
  async function jsonOperations(): Promise<Array<[string, string]>> {
    const doc = (await app.inject({ url: '/api/docs' })).json() as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
    };
    const out: Array<[string, string]> = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!op.requestBody?.content['application/json']) continue;
        const url = path
          .replace('{model}', 'recommender')
          .replace('{alias}', 'staging')
          .replace('{version}', '1')
          .replace('{sha256}', 'a'.repeat(64));
        out.push([method.toUpperCase(), url]);
      }
    }
    return out;
  }

  it('every /api/v1 JSON route: 10,000 levels is 400 API_MALFORMED_JSON', async () => {
    const ops = await jsonOperations();
    expect(ops.length).toBeGreaterThanOrEqual(8);
    for (const [method, url] of ops) {
      for (const payload of deepBodies(['name', 'version', 'payload'])) {
        const res = await app.inject({
          method: method as 'POST',
          url,
          headers: { 'content-type': 'application/json' },
          payload,
        });
        expect(res.statusCode, `${method} ${url}: ${res.body.slice(0, 200)}`).toBe(400);
        expect(res.json()).toMatchObject({ code: 'API_MALFORMED_JSON', field: 'body' });
      }
    }
  });

  it.each([
    ['POST', 'experiments/create'],
    ['POST', 'runs/log-batch'],
    ['POST', 'registered-models/create'],
    ['PATCH', 'registered-models/update'],
    ['POST', 'model-versions/create'],
    ['POST', 'registered-models/alias'],
  ])('MLflow %s %s: 10,000 levels is 400 INVALID_PARAMETER_VALUE', async (method, path) => {
    for (const payload of deepBodies(['name', 'metrics', 'tags'])) {
      const res = await app.inject({
        method: method as 'POST',
        url: `/api/2.0/mlflow/${path}`,
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode, res.body.slice(0, 200)).toBe(400);
      expect(res.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    }
  });
});
