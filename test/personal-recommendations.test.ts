/**
 * Personal recommendations end to end (issue 12): the recommender pipeline materialises the dataset's
 * customer histories into the online store at registration (here the default: the metadata database),
 * the registered version's lineage names the feature version, serving follows the `staging` alias and
 * answers `GET /recommend?customer_id=…` from the customer's history, a new order arrives through
 * `POST /api/v1/online/orders`, and the next answer changes — same version, no retrain, no reload.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import { localStepServices, type OpenStores, openStores } from '../src/app/index.js';
import { codeVersion, ManualClock, resolveWorkspace } from '../src/core/index.js';
import { loadDataset, resolveDataset } from '../src/data/index.js';
import { customerHistoryRef } from '../src/model/index.js';
import { getPipeline } from '../src/pipelines/index.js';
import {
  createServeServer,
  parseServeConfig,
  registryAliasSource,
  type ServeServer,
} from '../src/serve/index.js';
import { runInProcess } from './fixtures/run-in-process.js';

const OPERATOR = 'operator-secret-0123456789';

describe('personal recommendations: pipeline → online store → serving → new order', () => {
  let home: string;
  let stores: OpenStores;
  let server: ServeServer;
  let api: FastifyInstance;
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'bookml-personal-'));
    stores = openStores({ workspace: resolveWorkspace(join(home, '.bookml'), {}), clock });
    const services = localStepServices(stores, { codeVersion: codeVersion() });
    const run = await runInProcess(
      getPipeline('recommender'),
      { kGrid: '[20]', similarityGrid: '["cosine"]', trials: '0' },
      join(home, 'nodes'),
      'run-1',
      services,
    );
    expect(run.phases.register).toBe('Succeeded');
    server = createServeServer({
      config: parseServeConfig({ pollIntervalMs: 0 }),
      primary: registryAliasSource({
        registry: await stores.registry(),
        artifacts: await stores.artifacts(),
        alias: 'staging',
      }),
      clock,
      history: { history: async (ref, c) => (await stores.online()).history(ref, c) },
    });
    await server.start();
    api = await buildControlPlane({
      db: await stores.db(),
      config: loadApiConfig({
        env: {},
        file: { tokens: [{ id: 'ci', roles: ['operator'], token: OPERATOR }] },
      }),
      logger: false,
      online: () => stores.online(),
    });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await server?.app.close();
    await stores?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('records the feature version in lineage, and serving answers a customer from it, then from a new order', async () => {
    const version = await (await stores.registry()).getVersion('recommender', 1);
    const dataset = resolveDataset(stores.workspace);
    const ref = customerHistoryRef(dataset.hash);
    const x = (await loadDataset(dataset.dir)).interactions;
    expect(version.lineage.online).toMatchObject({
      ...ref,
      definition: 1,
      store: 'db',
      customers: new Set(Array.from(x.customer)).size,
    });
    expect((await (await stores.online()).versions()).map((v) => v.version)).toEqual([ref.version]);

    const customer = x.customerIds[x.customer[0]];
    const ask = async () =>
      (
        await server.app.inject({
          method: 'GET',
          url: `/recommend?customer_id=${encodeURIComponent(customer)}&k=5`,
        })
      ).json();
    const first = await ask();
    expect(first).toMatchObject({
      customer_id: customer,
      customer_known: true,
      fallback: false,
      version: '1',
    });
    const books = first.history.books as number;
    expect(books).toBeGreaterThan(0);

    // The customer buys the top recommendation: it joins their history, so it can no longer be recommended.
    const bought = first.recommendations[0].book_id;
    const res = await api.inject({
      method: 'POST',
      url: '/api/v1/online/orders',
      headers: { authorization: `Bearer ${OPERATOR}` },
      payload: { orders: [{ customer_id: customer, book_id: bought, time: '2026-01-02T10:00:00Z' }] },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ purchases: 1, customers: 1, versions: [ref] });

    const second = await ask();
    expect(second).toMatchObject({ customer_known: true, version: '1', history: { books: books + 1 } });
    expect(second.recommendations.map((r: { book_id: number }) => r.book_id)).not.toContain(bought);
    expect(second.recommendations).not.toEqual(first.recommendations);
  });

  it('a viewer cannot append orders; the body is checked', async () => {
    const noAuth = await api.inject({
      method: 'POST',
      url: '/api/v1/online/orders',
      payload: { orders: [] },
    });
    expect(noAuth.statusCode).toBe(401);
    const empty = await api.inject({
      method: 'POST',
      url: '/api/v1/online/orders',
      headers: { authorization: `Bearer ${OPERATOR}` },
      payload: { orders: [] },
    });
    expect(empty.statusCode).toBe(400);
  });
});
