import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundle } from '../src/model/index.js';
import { bundleDirSource, type ServeServer } from '../src/serve/index.js';
import { startServer, tempDir, writeModel } from './serve-fixture.js';

/** Padded marking (issue 12) and `explain=true` on /recommend, against a small served model. */
let server: ServeServer;
let dir: string;

beforeAll(async () => {
  dir = join(tempDir(), 'm1');
  // 200 books from 2,500 lines: the rarest have fewer neighbours than the 10 kept.
  await writeModel(dir, { books: 200, k: 10 });
  server = await startServer(bundleDirSource(dir));
});
afterAll(async () => {
  await server.app.close();
});

const get = (url: string) => server.app.inject({ method: 'GET', url });
const post = (url: string, body: unknown) =>
  server.app.inject({ method: 'POST', url, payload: body as object });

interface Entry {
  book_id: number;
  score: number;
  padded?: boolean;
  because?: { book_id: number; similarity: number; co_buys: number | null; title: string }[];
}

/** A book with fewer neighbours than the model keeps: a basket of it alone gets padded. */
function shortListBook(): { id: number; neighbours: number } {
  const b = readBundle(dir);
  for (let i = 0; i < b.model.nItems; i++) {
    const n = b.model.offsets[i + 1] - b.model.offsets[i];
    if (n > 0 && n < 10) return { id: Number(b.itemIds[i]), neighbours: n };
  }
  throw new Error('fixture has no short list');
}

describe('padded items', () => {
  it('a basket answer marks its popularity padding, only at the tail', async () => {
    const { id, neighbours } = shortListBook();
    const body = (await post('/recommend', { book_ids: [id], k: 10 })).json();
    const recs = body.recommendations as Entry[];
    expect(recs).toHaveLength(10);
    expect(recs.slice(0, neighbours).every((r) => r.padded === undefined)).toBe(true);
    expect(recs.slice(neighbours).every((r) => r.padded === true)).toBe(true);
  });

  it('a fallback answer is all padding, in JSON, V1 and V2', async () => {
    const json = (await get('/recommend?book_id=999999&k=3')).json();
    expect(json.recommendations.map((r: Entry) => r.padded)).toEqual([true, true, true]);
    const v1 = (await post('/v1/models/recommender:predict', { instances: [999999, 1] })).json();
    expect(v1.predictions[0].recommendations.every((r: Entry) => r.padded === true)).toBe(true);
    expect(v1.predictions[1].recommendations.every((r: Entry) => r.padded === undefined)).toBe(true);
    const v2 = (
      await post('/v2/models/recommender/infer', {
        inputs: [
          { name: 'book_id', datatype: 'INT64', shape: [2], data: [1, 999999] },
          { name: 'k', datatype: 'INT32', shape: [1], data: [2] },
        ],
      })
    ).json();
    const padded = v2.outputs.find((o: { name: string }) => o.name === 'padded');
    expect(padded).toEqual({
      name: 'padded',
      datatype: 'BOOL',
      shape: [2, 2],
      data: [false, false, true, true],
    });
    const meta = (await get('/v2/models/recommender')).json();
    expect(meta.outputs).toContainEqual({ name: 'padded', datatype: 'BOOL', shape: [-1, -1] });
  });
});

describe('explain=true', () => {
  it('gives each recommendation of one book its evidence: that book, similarity = score, co-buys', async () => {
    const plain = (await get('/recommend?book_id=1&k=3')).json();
    const res = await get('/recommend?book_id=1&k=3&explain=true');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ book_id: 1, k: 3, fallback: false, co_buys_available: true });
    expect(body.recommendations.map((r: Entry) => r.book_id)).toEqual(
      plain.recommendations.map((r: Entry) => r.book_id),
    );
    for (const r of body.recommendations as Entry[]) {
      expect(r.because).toHaveLength(1);
      expect(r.because![0]).toMatchObject({ book_id: 1, similarity: r.score, title: 'Title 1' });
      expect(r.because![0].co_buys).toBeGreaterThan(0);
    }
  });

  it('explains a basket: the contributions add up to the score; padding has none', async () => {
    const { id } = shortListBook();
    const res = await post('/recommend?explain=true', { book_ids: [1, 2, id], k: 10 });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.unknown).toEqual([]);
    for (const r of body.recommendations as Entry[]) {
      const sum = r.because!.reduce((s, c) => s + c.similarity, 0);
      if (r.padded) expect(r.because).toEqual([]);
      else expect(sum).toBeCloseTo(r.score, 12);
    }
  });

  it('leaves the plain answer as it was without explain', async () => {
    const body = (await get('/recommend?book_id=1&k=3&explain=false')).json();
    expect(body.co_buys_available).toBeUndefined();
    expect(Object.keys(body.recommendations[0])).toEqual(['book_id', 'score', 'title', 'author']);
  });
});
