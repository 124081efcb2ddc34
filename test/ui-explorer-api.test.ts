/**
 * The Explorer's and the Lineage page's routes of the control plane, through `app.inject()` on a real
 * SQLite registry and artifact store: book search with server pages, a book's neighbours with scores
 * and co-buy counts, a basket's recommendations with their evidence, the version an alias (else the
 * latest) names, viewers allowed and tokenless callers refused, errors with their codes; and the lineage
 * graph of a version registered by hand.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import { readBundle } from '../src/model/index.js';
import { Registry } from '../src/registry/index.js';
import { FsArtifactStore, type MetadataDb } from '../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../src/store/test-databases.js';
import { tempDir, writeModel } from './serve-fixture.js';

const TOKEN = 'viewer-secret-0123456789';
const config = loadApiConfig({ env: {}, file: { tokens: [{ id: 'vic', roles: ['viewer'], token: TOKEN }] } });
const viewer = { authorization: `Bearer ${TOKEN}` };
const ACTOR = { id: 'ci', roles: ['approver'] as const };

describe('explorer routes', () => {
  let t: TestDatabase;
  let mdb: MetadataDb;
  let app: FastifyInstance;
  let registry: Registry;
  let bundleDir: string;

  const get = (url: string) => app.inject({ method: 'GET', url, headers: viewer });

  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    mdb = await t.open();
    const root = tempDir();
    const artifacts = await FsArtifactStore.open(join(root, 'artifacts'));
    registry = new Registry(mdb);
    for (const seed of [1, 2]) {
      bundleDir = join(root, `m${seed}`);
      await writeModel(bundleDir, { seed, books: 40 });
      const { sha256 } = await artifacts.putDir(bundleDir);
      await registry.registerVersion({
        model: 'recommender',
        artifactUri: `artifact:${sha256}`,
        artifactHash: sha256,
        lineage: { dataset: { uri: 'synthetic:seed=7', hash: `d${seed}`.repeat(8) } },
        actor: 'ci',
      });
    }
    app = await buildControlPlane({ db: mdb, config, logger: false, artifacts });
  });

  afterAll(async () => {
    await app?.close();
    await t?.dispose();
  });

  it('without a production alias reads the latest version, and says so', async () => {
    const res = await get('/api/v1/explorer/books');
    expect(res.statusCode).toBe(200);
    const page = res.json();
    expect(page.model).toMatchObject({
      name: 'recommender',
      version: 2,
      via: 'latest',
      alias: 'production',
      books: 40,
    });
    expect(page.model.coBuysAvailable).toBe(true);
    // An empty search lists by popularity, in pages of `limit`.
    expect(page.total).toBe(40);
    expect(page.books).toHaveLength(20);
    const buyers = page.books.map((b: { buyers: number }) => b.buyers);
    expect([...buyers].sort((a, b) => b - a)).toEqual(buyers);
  });

  it('pages: offset and limit cut the same ordered list', async () => {
    const all = (await get('/api/v1/explorer/books?limit=40')).json().books.map((b: { id: string }) => b.id);
    const second = (await get('/api/v1/explorer/books?limit=7&offset=7')).json();
    expect(second.books.map((b: { id: string }) => b.id)).toEqual(all.slice(7, 14));
    expect(second).toMatchObject({ offset: 7, limit: 7, total: 40 });
  });

  it('finds books by title words or by id (an exact id first)', async () => {
    const byTitle = (await get('/api/v1/explorer/books?q=title%201')).json();
    // Every title holding both words ("Title 21" too), those starting with them first.
    expect(byTitle.total).toBe(13);
    const starts = byTitle.books.slice(0, 11).map((b: { title: string }) => b.title);
    expect(starts.every((title: string) => /^Title 1\d?$/.test(title))).toBe(true);
    const byId = (await get('/api/v1/explorer/books?q=17')).json();
    expect(byId.books[0]).toMatchObject({ id: '17', title: 'Title 17', author: 'A. Author' });
    expect((await get('/api/v1/explorer/books?q=no%20such%20book')).json().total).toBe(0);
  });

  it("a book's neighbours are the model's own, with scores and co-buy counts", async () => {
    const res = await get('/api/v1/explorer/books/3');
    expect(res.statusCode).toBe(200);
    const d = res.json();
    const knn = readBundle(bundleDir).model;
    const i = 2;
    const expected = Array.from(knn.neighbours.subarray(knn.offsets[i], knn.offsets[i + 1]), (j) =>
      String(j + 1),
    );
    expect(d.book).toMatchObject({ id: '3', title: 'Title 3' });
    expect(d.neighbours.map((n: { book: { id: string } }) => n.book.id)).toEqual(expected);
    expect(d.neighbours[0].score).toBeCloseTo(knn.scores[knn.offsets[i]]);
    expect(d.neighbours[0].coBuys).toBe(knn.coCounts?.[knn.offsets[i]]);
    expect(d.kept).toBe(expected.length);
    const two = (await get('/api/v1/explorer/books/3?limit=2')).json();
    expect(two.neighbours).toHaveLength(2);
    expect(two.kept).toBe(expected.length);
  });

  it('a basket gets recommendations, each with the basket books that scored it', async () => {
    const res = await get('/api/v1/explorer/recommend?books=3,5,nope&k=5');
    expect(res.statusCode).toBe(200);
    const a = res.json();
    expect(a.basket.map((b: { id: string }) => b.id)).toEqual(['3', '5']);
    expect(a.unknown).toEqual(['nope']);
    expect(a.fallback).toBe(false);
    expect(a.recommendations).toHaveLength(5);
    const first = a.recommendations[0];
    expect(first.padded).toBe(false);
    expect(first.because.length).toBeGreaterThan(0);
    for (const c of first.because) expect(['3', '5']).toContain(c.book.id);
    expect(first.because[0].coBuys).toBeGreaterThan(0);
  });

  it('an alias or a version number picks the version', async () => {
    await registry.promote('recommender', 1, 'candidate', { actor: ACTOR });
    const byAlias = (await get('/api/v1/explorer/books?alias=candidate&limit=1')).json().model;
    expect(byAlias).toMatchObject({ version: 1, via: 'alias', aliases: ['candidate'] });
    const byVersion = (await get('/api/v1/explorer/books/3?version=1')).json().model;
    expect(byVersion).toMatchObject({ version: 1, via: 'version', alias: null });
  });

  it('errors carry their codes and fields', async () => {
    const unknownBook = await get('/api/v1/explorer/books/9999');
    expect(unknownBook.statusCode).toBe(404);
    expect(unknownBook.json()).toMatchObject({ code: 'API_NOT_FOUND', field: 'id' });
    const noModel = await get('/api/v1/explorer/books?model=nope');
    expect(noModel.statusCode).toBe(404);
    expect(noModel.json().code).toBe('REGISTRY_MODEL_NOT_FOUND');
    const noVersion = await get('/api/v1/explorer/books?version=99');
    expect(noVersion.json().code).toBe('REGISTRY_VERSION_NOT_FOUND');
    const badLimit = await get('/api/v1/explorer/books?limit=0');
    expect(badLimit.statusCode).toBe(400);
    expect(badLimit.json().code).toBe('API_BAD_REQUEST');
    const emptyBasket = await get('/api/v1/explorer/recommend?books=');
    expect(emptyBasket.statusCode).toBe(400);
    expect(emptyBasket.json().field).toContain('books');
    const tooBig = await get(
      `/api/v1/explorer/recommend?books=${Array.from({ length: 101 }, (_, i) => i + 1).join(',')}`,
    );
    expect(tooBig.statusCode).toBe(400);
  });

  it('viewers may use it; a caller without a token may not', async () => {
    const anon = await app.inject({ method: 'GET', url: '/api/v1/explorer/books' });
    expect(anon.statusCode).toBe(401);
    const anonBasket = await app.inject({ method: 'GET', url: '/api/v1/explorer/recommend?books=1' });
    expect(anonBasket.statusCode).toBe(401);
  });

  it('a version registered by hand: its lineage graph is dataset → bundle → version → alias', async () => {
    const g = (await get('/api/v1/lineage/models/recommender/versions/candidate')).json();
    expect(g.focus).toBe('version:recommender:1');
    const kinds = g.nodes.map((n: { kind: string }) => n.kind).sort();
    expect(kinds).toEqual(['alias', 'artifact', 'dataset', 'version']);
    const ids = (kind: string) => g.nodes.find((n: { kind: string }) => n.kind === kind).id;
    expect(g.edges).toEqual(
      expect.arrayContaining([
        { from: ids('dataset'), to: ids('artifact') },
        { from: ids('artifact'), to: ids('version') },
        { from: ids('version'), to: ids('alias') },
      ]),
    );
    expect((await get('/api/v1/lineage/runs/nope')).statusCode).toBe(404);
  });

  it('without an artifact store the explorer answers 501', async () => {
    const bare = await buildControlPlane({ db: mdb, config, logger: false });
    try {
      const res = await bare.inject({ method: 'GET', url: '/api/v1/explorer/books', headers: viewer });
      expect(res.statusCode).toBe(501);
      expect(res.json().code).toBe('API_NOT_AVAILABLE');
    } finally {
      await bare.close();
    }
  });
});
