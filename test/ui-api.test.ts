/**
 * What the control plane serves the dashboard: the built app at `/ui/` (files, SPA fallback, no path
 * escaping the folder, public but holding no data), the live change stream (SSE) behind the token, and
 * the read routes the pages use (bus events, run graph, run filters, drift status).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import { EventLog, type MetadataDb, RunStore } from '../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../src/store/test-databases.js';

const TOKENS = { viewer: 'viewer-secret-0123456789', alice: 'alice-approver-secret-0123' };
const config = loadApiConfig({
  env: {},
  file: {
    tokens: [
      { id: 'vic', roles: ['viewer'], token: TOKENS.viewer },
      { id: 'alice', roles: ['approver'], token: TOKENS.alice },
    ],
  },
});
const viewer = { authorization: `Bearer ${TOKENS.viewer}` };

describe('dashboard routes of the control plane', () => {
  let t: TestDatabase;
  let mdb: MetadataDb;
  let app: FastifyInstance;
  const ui = mkdtempSync(join(tmpdir(), 'bookml-ui-'));

  beforeAll(async () => {
    mkdirSync(join(ui, 'assets'));
    writeFileSync(join(ui, 'index.html'), '<!doctype html><title>bookml</title>');
    writeFileSync(join(ui, 'assets', 'index-abc.js'), 'console.log(1)');
    t = await createTestDatabase('sqlite');
    mdb = await t.open();
    app = await buildControlPlane({
      db: mdb,
      config,
      logger: false,
      ui: { root: ui },
      drift: {
        status: async () => null,
        windows: async () => ({
          reference: { top_score: [0.3, null, 0.1, 0.2] },
          test: { top_score: Array.from({ length: 2000 }, (_, i) => i / 2000) },
        }),
      },
      liveIntervalMs: 50,
    });
  });

  afterAll(async () => {
    await app?.close();
    await t?.dispose();
    rmSync(ui, { recursive: true, force: true });
  });

  it('serves the app at /ui/ without a token, and index.html for any page path', async () => {
    const root = await app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/ui/');
    const page = await app.inject({ method: 'GET', url: '/ui/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['cache-control']).toBe('no-cache');
    const deep = await app.inject({ method: 'GET', url: '/ui/runs/recommender-abc' });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('<title>bookml</title>');
    const asset = await app.inject({ method: 'GET', url: '/ui/assets/index-abc.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toMatch(/immutable/);
  });

  it('answers 404 for a missing asset and for paths that leave the folder', async () => {
    expect((await app.inject({ method: 'GET', url: '/ui/assets/missing.js' })).statusCode).toBe(404);
    for (const url of ['/ui/../package.json', '/ui/%2e%2e/%2e%2e/package.json', '/ui/..%2fpackage.json']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.body).not.toContain('"name": "bookml"');
      expect([200, 401, 404]).toContain(res.statusCode);
      if (res.statusCode === 200) expect(res.body).toContain('<title>bookml</title>');
    }
  });

  it('without a built UI, /ui/ says how to build it', async () => {
    const bare = await buildControlPlane({ db: mdb, config, logger: false });
    try {
      const res = await bare.inject({ method: 'GET', url: '/ui/' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({
        code: 'API_NOT_FOUND',
        message: expect.stringMatching(/npm run build/),
      });
    } finally {
      await bare.close();
    }
  });

  it('lists bus events newest first, a run with its graph, and runs filtered by phase', async () => {
    const log = new EventLog(mdb);
    await log.append('dataset.ready', { n: 1 });
    await log.append('ml.drift', { model: 'recommender' });
    await log.append('dataset.ready', { n: 2 });
    const all = (await app.inject({ method: 'GET', url: '/api/v1/events?limit=2', headers: viewer })).json();
    expect(all.events.map((e: { topic: string }) => e.topic)).toEqual(['dataset.ready', 'ml.drift']);
    const drift = (
      await app.inject({ method: 'GET', url: '/api/v1/events?topic=ml.drift', headers: viewer })
    ).json();
    expect(drift.events).toHaveLength(1);

    const runs = new RunStore(mdb);
    const run = await runs.createRun({ pipeline: 'recommender', parameters: {} });
    await runs.createNodes(run.id, [
      { nodeId: 'ingest', task: 'ingest' },
      { nodeId: 'validate', task: 'validate' },
    ]);
    const graph = (
      await app.inject({ method: 'GET', url: `/api/v1/runs/${run.id}/graph`, headers: viewer })
    ).json();
    expect(graph.nodes.map((n: { id: string }) => n.id).sort()).toEqual(['ingest', 'validate']);
    expect(graph.edges).toContainEqual({ from: 'ingest', to: 'validate' });

    const pending = await app.inject({ method: 'GET', url: '/api/v1/runs?phase=Pending', headers: viewer });
    expect(pending.json().runs.map((r: { id: string }) => r.id)).toContain(run.id);
    const done = await app.inject({ method: 'GET', url: '/api/v1/runs?phase=Succeeded', headers: viewer });
    expect(done.json().runs).toEqual([]);
    const bad = await app.inject({ method: 'GET', url: '/api/v1/runs?phase=Done', headers: viewer });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'API_BAD_REQUEST', field: 'phase' });

    const status = await app.inject({ method: 'GET', url: '/api/v1/drift/status', headers: viewer });
    expect(status.json()).toEqual({ status: null });
    const ecdf = (await app.inject({ method: 'GET', url: '/api/v1/drift/ecdf', headers: viewer })).json();
    const [score] = ecdf.features;
    expect(score).toMatchObject({
      name: 'top_score',
      reference: [0.1, 0.2, 0.3],
      referenceSize: 3,
      testSize: 2000,
    });
    // Thinned to 500 order statistics, sorted, both ends kept.
    expect(score.test).toHaveLength(500);
    expect(score.test[0]).toBe(0);
    expect(score.test[499]).toBe(1999 / 2000);
  });

  it('run actions need the operator role, and answer 501 when no run control is wired', async () => {
    const asked: string[] = [];
    const withControl = await buildControlPlane({
      db: mdb,
      config,
      logger: false,
      runControl: {
        retry: async (id) => {
          asked.push(`retry ${id}`);
          return { id: 'r2', pipeline: 'recommender', phase: 'Pending' } as never;
        },
        resubmit: async (id, o) => {
          asked.push(`resubmit ${id} ${o.noCache === true}`);
          return { id: 'r3', pipeline: 'recommender', phase: 'Pending' } as never;
        },
        stop: async (id) => {
          asked.push(`stop ${id}`);
          return { id, pipeline: 'recommender', phase: 'Running' } as never;
        },
      },
    });
    const approver = { authorization: `Bearer ${TOKENS.alice}` };
    try {
      const refused = await withControl.inject({
        method: 'POST',
        url: '/api/v1/runs/r1/retry',
        headers: viewer,
      });
      expect(refused.statusCode).toBe(403);
      const retried = await withControl.inject({
        method: 'POST',
        url: '/api/v1/runs/r1/retry',
        headers: approver,
      });
      expect(retried.statusCode).toBe(201);
      expect(retried.json()).toMatchObject({ id: 'r2' });
      const again = await withControl.inject({
        method: 'POST',
        url: '/api/v1/runs/r1/resubmit',
        headers: approver,
        payload: { noCache: true },
      });
      expect(again.statusCode).toBe(201);
      const stopped = await withControl.inject({
        method: 'POST',
        url: '/api/v1/runs/r1/stop',
        headers: approver,
      });
      expect(stopped.statusCode).toBe(202);
      expect(asked).toEqual(['retry r1', 'resubmit r1 true', 'stop r1']);
    } finally {
      await withControl.close();
    }
    const none = await app.inject({
      method: 'POST',
      url: '/api/v1/runs/r1/stop',
      headers: { authorization: `Bearer ${TOKENS.alice}` },
    });
    expect(none.statusCode).toBe(501);
    expect(none.json().code).toBe('API_NOT_AVAILABLE');
  });

  it('streams changes as Server-Sent Events to a caller with a token, and refuses one without', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    expect((await fetch(`${base}/api/v1/events/stream`)).status).toBe(401);

    const abort = new AbortController();
    const res = await fetch(`${base}/api/v1/events/stream`, { headers: viewer, signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
        text += value;
      }
    };
    await until(/event: hello/);
    // The shared poller's first pass only learns the state: keep changing a topic until a pass sees it.
    const log = new EventLog(mdb);
    const writer = setInterval(() => void log.append('dataset.ready', { n: 3 }), 100);
    try {
      await until(/event: change\ndata: \{"topics":\[[^\]]*"events"/);
    } finally {
      clearInterval(writer);
      abort.abort();
    }
  });
});
