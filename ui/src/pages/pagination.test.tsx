// @vitest-environment happy-dom
/**
 * A workspace with 1,000 runs and 1,000 versions: the API hands them out a page at a time (runs by
 * offset with `nextOffset`, filtered by trigger too; versions by a keyset cursor, `nextBefore`), and
 * the Runs and Model pages render one page, walking to the next on "Older". The pages talk to the
 * real control plane (fetch forwarded to `app.inject`), seeded directly through the stores.
 */
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildControlPlane, loadApiConfig } from '../../../src/api/index.js';
import { Registry } from '../../../src/registry/index.js';
import { type MetadataDb, RunStore } from '../../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../../../src/store/test-databases.js';
import { renderAs } from '../test-utils.js';
import { ModelDetail } from './Models.js';
import { Runs } from './Runs.js';

const N = 1000;
const TRIGGERS = ['drift', 'schedule', 'manual'] as const;

describe('1,000 runs and 1,000 versions page on the server', () => {
  let t: TestDatabase;
  let mdb: MetadataDb;
  let app: FastifyInstance;

  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    mdb = await t.open();
    const runs = new RunStore(mdb);
    for (let i = 0; i < N; i++) {
      const kind = TRIGGERS[i % 3];
      await runs.createRun({
        pipeline: i % 2 === 0 ? 'recommender' : 'ingest',
        id: `run-${String(i).padStart(4, '0')}`,
        labels: kind === 'manual' ? {} : { 'bookml.io/trigger': kind },
      });
    }
    const registry = new Registry(mdb);
    for (let i = 1; i <= N; i++) {
      await registry.registerVersion({
        model: 'recommender',
        artifactUri: `file:///m/${i}`,
        artifactHash: i.toString(16).padStart(64, '0'),
        metrics: { ndcg_at_10: i / N },
        lineage: { dataset: { uri: 'file:///d', hash: 'd'.repeat(64) } },
        actor: 'ci',
      });
    }
    app = await buildControlPlane({ db: mdb, config: loadApiConfig({ env: {} }), logger: false });
    // The pages' fetch goes to the real control plane, in process.
    vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
      const res = await app.inject({
        method: (init.method ?? 'GET') as 'GET',
        url: String(url),
        headers: init.headers as Record<string, string>,
        payload: init.body as string | undefined,
      });
      return new Response(res.body, {
        status: res.statusCode,
        headers: { 'content-type': 'application/json' },
      });
    });
  }, 120_000);

  afterAll(async () => {
    cleanup();
    vi.unstubAllGlobals();
    await app?.close();
    await t?.dispose();
  });

  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('walks every run once, a page of 50 at a time, newest first', async () => {
    const seen: string[] = [];
    let offset: number | null = 0;
    let pages = 0;
    while (offset !== null) {
      const page: { runs: Array<{ id: string }>; nextOffset: number | null } = await get(
        `/api/v1/runs?limit=50&offset=${offset}`,
      );
      expect(page.runs.length).toBeLessThanOrEqual(50);
      seen.push(...page.runs.map((r) => r.id));
      offset = page.nextOffset;
      pages++;
    }
    expect(pages).toBe(20);
    expect(new Set(seen).size).toBe(N);
    expect(seen[0]).toBe('run-0999');
  });

  it('filters by trigger on the server, still a page at a time', async () => {
    const seen: string[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page: { runs: Array<{ id: string; labels: Record<string, string> }>; nextOffset: number | null } =
        await get(`/api/v1/runs?limit=50&trigger=drift&offset=${offset}`);
      for (const r of page.runs) expect(r.labels['bookml.io/trigger']).toBe('drift');
      seen.push(...page.runs.map((r) => r.id));
      offset = page.nextOffset;
    }
    expect(new Set(seen).size).toBe(Math.ceil(N / 3));
    const manual = await get('/api/v1/runs?limit=10&trigger=manual&pipeline=recommender');
    expect(manual.runs).toHaveLength(10);
    for (const r of manual.runs) expect(r.labels).toEqual({});
  });

  it('walks every version once by its cursor', async () => {
    const seen: number[] = [];
    let before: number | null = null;
    do {
      const page: { versions: Array<{ version: number }>; nextBefore: number | null } = await get(
        `/api/v1/models/recommender/versions?limit=100${before === null ? '' : `&before=${before}`}`,
      );
      expect(page.versions.length).toBeLessThanOrEqual(100);
      seen.push(...page.versions.map((v) => v.version));
      before = page.nextBefore;
    } while (before !== null);
    expect(seen).toEqual(Array.from({ length: N }, (_, i) => N - i));
  });

  it('the Runs page renders one page of 50 rows, and "Older" brings the next 50', async () => {
    renderAs(['viewer'], <Runs />);
    await waitFor(() => expect(screen.getAllByRole('link', { name: /^run-/ })).toHaveLength(50));
    expect(screen.getByRole('link', { name: 'run-0999' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Older' }));
    await waitFor(() => expect(screen.getByRole('link', { name: 'run-0949' })).toBeTruthy());
    expect(screen.getAllByRole('link', { name: /^run-/ })).toHaveLength(50);
    expect(screen.getByTestId('runs-page').textContent).toBe('page 2, 50 runs');
    cleanup();
  });

  it("the model's page renders one page of 50 versions", async () => {
    renderAs(['viewer'], <ModelDetail name="recommender" />);
    await waitFor(() => expect(screen.getByTestId('versions-page').textContent).toBe('page 1, 50 versions'));
    expect(screen.getAllByRole('button', { name: /^v\d+$/ })).toHaveLength(50);
    fireEvent.click(screen.getByRole('button', { name: 'Older' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'v950' })).toBeTruthy());
    expect(screen.getAllByRole('button', { name: /^v\d+$/ })).toHaveLength(50);
    cleanup();
  });
});
