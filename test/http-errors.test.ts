/**
 * One HTTP error mapper for both surfaces: whatever Fastify refuses before a route runs (bad JSON,
 * wrong content type, a body over the limit, a malformed URL) answers the surface's own code, never a
 * `FST_*` one; unexpected failures are `500 INTERNAL`; every 5xx carries the request id; no stack.
 */
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import { ManualClock } from '../src/core/index.js';
import { bundleDirSource, type ServeServer } from '../src/serve/index.js';
import type { MetadataDb } from '../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../src/store/test-databases.js';
import { startServer, tempDir, writeModel } from './serve-fixture.js';

const TOKEN = 'operator-secret-0123456789';

/** The body answers with a bookml code and no trace of Fastify or a stack. */
function expectSafe(res: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json() as Record<string, unknown>;
  expect(body).toMatchObject({ statusCode: status, code, message: expect.any(String) });
  expect(res.body).not.toMatch(/FST_|node_modules|\\n\s+at\s|\.[jt]s:\d+:\d+/);
  if (status >= 500) expect(body.requestId).toEqual(expect.any(String));
  return body;
}

const post = (url: string, headers: Record<string, string>, payload: string): InjectOptions => ({
  method: 'POST',
  url,
  headers,
  payload,
});

describe('control plane errors', () => {
  let t: TestDatabase;
  let mdb: MetadataDb;
  let app: FastifyInstance;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const json = { ...auth, 'content-type': 'application/json' };

  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    mdb = await t.open({ clock: new ManualClock(1_700_000_000_000) });
    const config = loadApiConfig({
      env: {},
      file: { tokens: [{ id: 'ci', roles: ['operator'], token: TOKEN }], bodyLimit: 256 },
    });
    app = await buildControlPlane({ db: mdb, config, logger: false });
    app.get('/api/v1/boom', { config: { role: 'viewer' } }, async () => {
      throw new Error('kaboom: secret detail');
    });
  });
  afterAll(async () => {
    await app.close();
    await t.dispose();
  });

  it.each([
    ['invalid JSON', 400, 'API_MALFORMED_JSON', 'body', post('/api/v1/models', json, '{"name":')],
    ['empty JSON', 400, 'API_MALFORMED_JSON', 'body', post('/api/v1/models', json, '')],
    [
      'wrong content type',
      415,
      'API_UNSUPPORTED_MEDIA_TYPE',
      'content-type',
      post('/api/v1/models', { ...auth, 'content-type': 'application/xml' }, '<name/>'),
    ],
    [
      'body over the limit',
      413,
      'API_BODY_TOO_LARGE',
      'body',
      post('/api/v1/models', json, JSON.stringify({ name: 'x'.repeat(400) })),
    ],
    ['schema failure', 400, 'API_BAD_REQUEST', 'name', post('/api/v1/models', json, '{}')],
    [
      'malformed URL escape',
      400,
      'API_BAD_REQUEST',
      'path',
      { url: '/api/v1/models/%E0%A4%A', headers: auth },
    ],
    ['unknown route', 404, 'API_NOT_FOUND', 'path', { url: '/api/v1/nope', headers: auth }],
  ] as const)('%s → %i %s', async (_name, status, code, field, req) => {
    const body = expectSafe(await app.inject(req as InjectOptions), status, code);
    expect(body.field).toBe(field);
  });

  it('an unexpected failure is 500 INTERNAL with the request id and no detail', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/boom', headers: auth });
    const body = expectSafe(res, 500, 'INTERNAL');
    expect(body.message).toContain(String(body.requestId));
    expect(res.body).not.toContain('kaboom');
  });
});

describe('serving errors', () => {
  let server: ServeServer;
  let empty: ServeServer;

  beforeAll(async () => {
    const root = tempDir();
    await writeModel(join(root, 'm'));
    server = await startServer(bundleDirSource(join(root, 'm')), {
      config: { limits: { recommendBodyBytes: 256 } },
    });
    server.app.get('/boom', async () => {
      throw new Error('kaboom: secret detail');
    });
    // A folder with no bundle: nothing loads, so every prediction is 503 SERVE_NOT_READY.
    empty = await startServer(bundleDirSource(join(root, 'none')));
  });
  afterAll(async () => {
    await server.app.close();
    await empty.app.close();
  });

  const json = { 'content-type': 'application/json' };
  it.each([
    ['invalid JSON', 400, 'SERVE_MALFORMED_JSON', 'body', post('/recommend', json, '{"book_ids":')],
    [
      'wrong content type',
      415,
      'SERVE_UNSUPPORTED_MEDIA_TYPE',
      'content-type',
      post('/recommend', { 'content-type': 'application/xml' }, '<b/>'),
    ],
    [
      'body over the limit',
      413,
      'SERVE_BODY_TOO_LARGE',
      'body',
      post('/recommend', json, JSON.stringify({ book_ids: [1], pad: 'x'.repeat(400) })),
    ],
    [
      'KServe invalid JSON',
      400,
      'SERVE_MALFORMED_JSON',
      'body',
      post('/v2/models/recommender/infer', json, '{'),
    ],
    ['malformed URL escape', 400, 'SERVE_INVALID_REQUEST', 'path', { url: '/v2/models/%E0%A4%A' }],
  ] as const)('%s → %i %s', async (_name, status, code, field, req) => {
    const body = expectSafe(await server.app.inject(req as InjectOptions), status, code);
    expect(body.field).toBe(field);
    if ((req.url as string).startsWith('/v')) expect(body.error).toBe(body.message);
  });

  it('an unexpected failure is 500 INTERNAL with the request id and no detail', async () => {
    const res = await server.app.inject({ url: '/boom' });
    expectSafe(res, 500, 'INTERNAL');
    expect(res.body).not.toContain('kaboom');
  });

  it('a bookml 5xx keeps its code and carries the request id and Retry-After', async () => {
    const res = await empty.app.inject({ url: '/recommend?book_id=1' });
    expectSafe(res, 503, 'SERVE_NOT_READY');
    expect(res.headers['retry-after']).toBe('1');
    const v2 = await empty.app.inject(post('/v2/models/recommender/infer', json, '{"inputs":[]}'));
    const body = expectSafe(v2, 503, 'SERVE_NOT_READY');
    expect(body.error).toBe(body.message);
  });
});
