/**
 * Personal recommendations over every serving surface, with a real online store (the metadata
 * database's, SQLite): `GET /recommend?customer_id=…`, V1 `{"customer_id": …}` instances, a V2
 * `customer_id` BYTES tensor. The answer is the basket answer of the customer's history (one
 * definition, `model/customer-history.ts`); an appended order changes it without a reload; an unknown
 * customer gets popularity, flagged. The Redis backend passes the same contract suite
 * (`src/store/online/online-store.redis.test.ts`).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerHistoryRef } from '../src/model/index.js';
import { bundleDirSource, type ServeServer } from '../src/serve/index.js';
import { DbOnlineStore } from '../src/store/online/index.js';
import { createTestDatabase, type TestDatabase } from '../src/store/test-databases.js';
import { memorySink, startServer, tempDir, writeModel } from './serve-fixture.js';

let server: ServeServer;
let db: TestDatabase;
let online: DbOnlineStore;
const sink = memorySink();
// The fixture's bundle says it was trained on dataset `h7`: its histories live under d1-h7.
const REF = customerHistoryRef('h7');

beforeAll(async () => {
  const root = tempDir();
  await writeModel(join(root, 'm'), { k: 10 });
  db = await createTestDatabase('sqlite');
  online = new DbOnlineStore(await db.open());
  await online.materialise(REF, 'h7', [
    {
      customer: '7',
      entries: [
        { book: '3', time: 100 },
        { book: '1', time: 200 },
      ],
    },
    { customer: 'ghost', entries: [{ book: '9999', time: 1 }] },
  ]);
  server = await startServer(bundleDirSource(join(root, 'm')), {
    history: online,
    predictionSink: sink,
  });
});
afterAll(async () => {
  await server?.app.close();
  await db?.dispose();
});

const get = async (url: string) => {
  const res = await server.app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() };
};
const basketOf = async (book_ids: number[], k = 5) =>
  (await server.app.inject({ method: 'POST', url: '/recommend', payload: { book_ids, k } })).json();

describe('GET /recommend?customer_id=…', () => {
  it("answers the customer's history as a basket, and says so", async () => {
    const { status, body } = await get('/recommend?customer_id=7&k=5');
    expect(status).toBe(200);
    const basket = await basketOf([1, 3]);
    expect(body).toMatchObject({
      customer_id: '7',
      k: 5,
      fallback: false,
      customer_known: true,
      history: { books: 2, unknown: 0 },
      version: basket.version,
    });
    expect(body.recommendations).toEqual(basket.recommendations);
    expect(body.recommendations.map((r: { book_id: number }) => r.book_id)).not.toContain(1);
  });

  it('explains with the customer’s own books', async () => {
    const { body } = await get('/recommend?customer_id=7&k=3&explain=true');
    expect(body.customer_known).toBe(true);
    const because = body.recommendations.flatMap((r: { because: { book_id: number }[] }) =>
      r.because.map((b) => b.book_id),
    );
    expect(because.length).toBeGreaterThan(0);
    for (const b of because) expect([1, 3]).toContain(b);
  });

  it('gives an unknown customer the popularity list, flagged; books the model lacks are counted', async () => {
    const unknown = await get('/recommend?customer_id=nobody&k=4');
    const popular = await get('/recommend?book_id=123456&k=4');
    expect(unknown.body).toMatchObject({ fallback: true, customer_known: false, history: { books: 0 } });
    expect(unknown.body.recommendations).toEqual(popular.body.recommendations);
    const ghost = await get('/recommend?customer_id=ghost&k=4');
    expect(ghost.body).toMatchObject({
      fallback: true,
      customer_known: true,
      history: { books: 1, unknown: 1 },
    });
  });

  it('recommends from a new order at once: no retrain, no reload', async () => {
    const before = await get('/recommend?customer_id=new-buyer&k=5');
    expect(before.body.customer_known).toBe(false);
    const out = await online.append([{ customer: 'new-buyer', book: '5', time: 300 }]);
    expect(out.versions).toEqual([REF]);
    const after = await get('/recommend?customer_id=new-buyer&k=5');
    expect(after.body).toMatchObject({ customer_known: true, fallback: false, history: { books: 1 } });
    expect(after.body.recommendations).toEqual((await basketOf([5])).recommendations);
    expect(after.body.version).toBe(before.body.version);
  });

  it('refuses a request with neither book_id nor customer_id, naming the field', async () => {
    const { status, body } = await get('/recommend?k=3');
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'SERVE_INVALID_REQUEST', field: 'book_id' });
  });

  it('logs the scored basket to the prediction log', async () => {
    await get('/recommend?customer_id=7&k=2');
    await server.context.predictionLog?.flush();
    expect(sink.records.some((r) => r.route === 'basket' && r.book_ids.join() === '1,3')).toBe(true);
  });
});

describe('KServe V1 and V2 with a customer id', () => {
  it('V1: a {"customer_id"} instance, alone or beside books, answers like /recommend', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/models/recommender:predict',
      payload: { instances: [{ customer_id: 7, k: 3 }, 2, { customer_id: 'nobody', k: 2 }] },
    });
    expect(res.statusCode, res.body).toBe(200);
    const [mine, book, nobody] = res.json().predictions;
    const direct = (await get('/recommend?customer_id=7&k=3')).body;
    expect(mine).toEqual({
      customer_id: '7',
      k: 3,
      recommendations: direct.recommendations,
      fallback: false,
      customer_known: true,
      history: { books: 2, unknown: 0 },
    });
    expect(book).toMatchObject({ book_id: 2, k: 5 });
    expect(nobody).toMatchObject({ customer_id: 'nobody', fallback: true, customer_known: false });
  });

  it('V1: book_id and customer_id together, or a bad customer id, fail naming the instance', async () => {
    for (const [inst, field] of [
      [{ customer_id: 7, book_id: 1 }, 'instances[0].customer_id'],
      [{ customer_id: '' }, 'instances[0].customer_id'],
      [{ customer_id: 1.5 }, 'instances[0].customer_id'],
    ] as const) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/v1/models/recommender:predict',
        payload: { instances: [inst] },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'SERVE_INVALID_REQUEST', field, error: expect.any(String) });
    }
  });

  it('V2: a customer_id BYTES tensor gives one row per customer', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/v2/models/recommender/infer',
      payload: {
        id: 'r1',
        inputs: [
          { name: 'customer_id', datatype: 'BYTES', shape: [2, 1], data: [['7'], ['nobody']] },
          { name: 'k', datatype: 'INT32', shape: [1], data: [3] },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const out = Object.fromEntries(
      res.json().outputs.map((o: { name: string; data: unknown[]; shape: number[] }) => [o.name, o]),
    );
    const direct = (await get('/recommend?customer_id=7&k=3')).body;
    expect(out.book_ids.shape).toEqual([2, 3]);
    expect(out.book_ids.data.slice(0, 3)).toEqual(
      direct.recommendations.map((r: { book_id: number }) => r.book_id),
    );
    expect(out.fallback.data).toEqual([false, true]);
    expect(out.count.data).toEqual([3, 3]);
    expect(res.json().id).toBe('r1');
  });

  it('V2: a customer_id of another type, or beside book_id, is 400 naming the tensor', async () => {
    const bad = [
      [[{ name: 'customer_id', datatype: 'INT64', shape: [1], data: [7] }], 'inputs[0].datatype'],
      [
        [
          { name: 'customer_id', datatype: 'BYTES', shape: [1], data: ['7'] },
          { name: 'book_id', datatype: 'INT64', shape: [1], data: [1] },
        ],
        'inputs',
      ],
      [[{ name: 'customer_id', datatype: 'BYTES', shape: [1], data: [''] }], 'inputs[0].data[0]'],
    ] as const;
    for (const [inputs, field] of bad) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/v2/models/recommender/infer',
        payload: { inputs },
      });
      expect(res.statusCode, JSON.stringify(inputs)).toBe(400);
      expect(res.json()).toMatchObject({ code: 'SERVE_INVALID_TENSOR', field });
    }
  });

  it('V2 metadata lists customer_id as an input', async () => {
    const meta = (await server.app.inject({ method: 'GET', url: '/v2/models/recommender' })).json();
    expect(meta.inputs).toContainEqual({ name: 'customer_id', datatype: 'BYTES', shape: [-1] });
  });
});

describe('over a socket', () => {
  it('the fast path leaves a customer request to the route', async () => {
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.app.server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/recommend?customer_id=7&k=5`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { recommendations: unknown };
    expect(body).toMatchObject({ customer_id: '7', customer_known: true });
    expect(body.recommendations).toEqual((await get('/recommend?customer_id=7&k=5')).body.recommendations);
  });
});
