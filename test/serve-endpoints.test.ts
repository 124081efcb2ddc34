import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recommender, readBundle } from '../src/model/index.js';
import { bundleDirSource, type ServeServer, VERSION_HEADER } from '../src/serve/index.js';
import { memorySink, startServer, tempDir, writeModel } from './serve-fixture.js';

let server: ServeServer;
let dir: string;
let modelId: string;
const sink = memorySink();

beforeAll(async () => {
  dir = join(tempDir(), 'm1');
  modelId = (await writeModel(dir, { books: 40, k: 10 })).modelId;
  server = await startServer(bundleDirSource(dir), { predictionSink: sink });
});
afterAll(async () => {
  await server.app.close();
});

const get = (url: string) => server.app.inject({ method: 'GET', url });
const post = (url: string, body: unknown) =>
  server.app.inject({ method: 'POST', url, payload: body as object });

/** The answer the model itself gives, as external ids. */
function expected(book: number, k: number): number[] {
  const b = readBundle(dir);
  const idx = b.itemIds.indexOf(String(book));
  const a = new Recommender(b.model).forItem(idx, k);
  return Array.from(a.items, (i) => Number(b.itemIds[i]));
}

describe('serving endpoints', () => {
  it('answers health and readiness with the loaded version', async () => {
    expect((await get('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await get('/')).json()).toEqual({ status: 'alive' });
    const ready = await get('/ready');
    expect(ready.statusCode).toBe(200);
    const body = ready.json();
    expect(body.status).toBe('ready');
    expect(body.models[0]).toMatchObject({
      role: 'primary',
      ready: true,
      version: modelId,
      books: 40,
      maxK: 10,
    });
  });

  it('GET /recommend answers the original shape plus version and fallback', async () => {
    const res = await get('/recommend?book_id=1&k=3');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers[VERSION_HEADER]).toBe(modelId);
    const body = res.json();
    expect(body).toMatchObject({ book_id: 1, k: 3, version: modelId, fallback: false });
    expect(body.recommendations).toHaveLength(3);
    expect(Object.keys(body.recommendations[0])).toEqual(['book_id', 'score', 'title', 'author']);
    expect(body.recommendations.map((r: { book_id: number }) => r.book_id)).toEqual(expected(1, 3));
    expect(body.recommendations[0].title).toBe(`Title ${body.recommendations[0].book_id}`);
  });

  it('uses the default k (5, capped at the model) when none is given', async () => {
    const body = (await get('/recommend?book_id=2')).json();
    expect(body.k).toBe(5);
    expect(body.recommendations).toHaveLength(5);
  });

  it('answers an unknown book with the popularity list, flagged', async () => {
    const res = await get('/recommend?book_id=999999&k=4');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ book_id: 999999, fallback: true });
    expect(body.recommendations).toHaveLength(4);
  });

  it('POST /recommend answers a basket and lists unknown books', async () => {
    const res = await post('/recommend', { book_ids: [1, 2, 123456], k: 4, customer_id: 'c1' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ book_ids: [1, 2, 123456], k: 4, fallback: false, unknown: [123456] });
    const ids = body.recommendations.map((r: { book_id: number }) => r.book_id);
    expect(ids).toHaveLength(4);
    expect(ids).not.toContain(1);
    expect(ids).not.toContain(2);
  });

  it('KServe V1 gives the same ranking as /recommend', async () => {
    expect((await get('/v1/models')).json()).toEqual({ models: ['recommender'] });
    expect((await get('/v1/models/recommender')).json()).toMatchObject({ name: 'recommender', ready: true });
    const res = await post('/v1/models/recommender:predict', { instances: [{ book_id: 1, k: 3 }, 2] });
    expect(res.statusCode).toBe(200);
    const { predictions } = res.json();
    expect(predictions).toHaveLength(2);
    expect(predictions[0].recommendations.map((r: { book_id: number }) => r.book_id)).toEqual(expected(1, 3));
    expect(predictions[1]).toMatchObject({ book_id: 2, k: 5, fallback: false });
    const inputs = await post('/v1/models/recommender:predict', { inputs: [{ book_id: 1, k: 3 }] });
    expect(inputs.json().predictions[0].recommendations).toEqual(predictions[0].recommendations);
    const explain = await post('/v1/models/recommender:explain', { instances: [1] });
    expect(explain.statusCode).toBe(501);
    expect(explain.json()).toMatchObject({ code: 'SERVE_NOT_IMPLEMENTED', error: expect.any(String) });
  });

  it('Open Inference Protocol V2: health, metadata, ready, infer', async () => {
    expect((await get('/v2/health/live')).statusCode).toBe(200);
    expect((await get('/v2/health/ready')).json()).toEqual({ ready: true });
    expect((await get('/v2')).json()).toMatchObject({ name: 'bookml', extensions: [] });
    const meta = (await get('/v2/models/recommender')).json();
    expect(meta).toMatchObject({ name: 'recommender', versions: [modelId], platform: 'bookml_itemknn' });
    expect(meta.inputs[0]).toEqual({ name: 'book_id', datatype: 'INT64', shape: [-1] });
    expect((await get('/v2/models/recommender/ready')).json()).toEqual({ name: 'recommender', ready: true });
    expect((await get(`/v2/models/recommender/versions/${modelId}/ready`)).statusCode).toBe(200);
    expect((await get('/v2/models/recommender/versions/nope/ready')).statusCode).toBe(404);
    expect((await get('/v2/models/other')).statusCode).toBe(404);

    const res = await post('/v2/models/recommender/infer', {
      id: 'a1',
      inputs: [
        { name: 'book_id', datatype: 'INT64', shape: [2], data: [1, 999999] },
        { name: 'k', datatype: 'INT32', shape: [1], data: [3] },
      ],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ model_name: 'recommender', model_version: modelId, id: 'a1' });
    const out = Object.fromEntries(body.outputs.map((o: { name: string }) => [o.name, o]));
    expect(out.book_ids).toMatchObject({ datatype: 'INT64', shape: [2, 3] });
    expect(out.book_ids.data.slice(0, 3)).toEqual(expected(1, 3));
    expect(out.scores).toMatchObject({ datatype: 'FP32', shape: [2, 3] });
    expect(out.count).toEqual({ name: 'count', datatype: 'INT32', shape: [2], data: [3, 3] });
    expect(out.fallback).toEqual({ name: 'fallback', datatype: 'BOOL', shape: [2], data: [false, true] });

    const nested = await post(`/v2/models/recommender/versions/${modelId}/infer`, {
      parameters: { k: 2 },
      inputs: [{ name: 'book_id', datatype: 'INT64', shape: [1, 1], data: [[1]] }],
      outputs: [{ name: 'book_ids' }],
    });
    expect(nested.statusCode).toBe(200);
    expect(nested.json().outputs).toEqual([
      { name: 'book_ids', datatype: 'INT64', shape: [1, 2], data: expected(1, 2) },
    ]);
  });

  it('exposes Prometheus metrics by route and version', async () => {
    await get('/recommend?book_id=1&k=3');
    await get('/no/such/route');
    const res = await get('/metrics');
    expect(res.statusCode).toBe(200);
    const text = res.body;
    expect(text).toContain(
      `bookml_serve_requests_total{method="GET",route="/recommend",version="${modelId}",status="2xx"}`,
    );
    expect(text).toMatch(/bookml_serve_request_duration_seconds_bucket\{method="GET",route="\/recommend"/);
    expect(text).toMatch(/bookml_serve_model_loads_total\{role="primary",result="success"\} 1/);
    expect(text).toMatch(/bookml_serve_fallbacks_total\{version="[0-9a-f]+"\} [1-9]/);
    expect(text).toContain('bookml_serve_prediction_log_dropped_total');
    expect(text).toContain('bookml_serve_canary_share_ratio');
    expect(text).toContain('bookml_serve_model_load_seconds_bucket');
    expect(text).toContain(
      'bookml_serve_requests_total{method="ANY",route="(unmatched)",version="none",status="4xx"} 1',
    );
  });

  it('records answers in the prediction log off the request path', async () => {
    await server.context.predictionLog?.flush();
    const rec = sink.records.find((r) => r.route === 'recommend' && r.book_ids[0] === 1 && r.k === 3);
    expect(rec).toMatchObject({ version: modelId, role: 'primary', fallback: false });
    expect(rec?.returned).toEqual(expected(1, 3));
    expect(sink.records.some((r) => r.route === 'basket')).toBe(true);
    expect(sink.records.some((r) => r.route === 'v2' && r.fallback)).toBe(true);
    const line = JSON.parse(sink.lines[0]);
    expect(line).toEqual(sink.records[0]);
  });
});
