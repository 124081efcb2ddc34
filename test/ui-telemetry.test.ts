/**
 * The control plane's live series for the dashboard: serving figures sampled from the server's own
 * `/metrics` text (in process, as `bookml up` wires it) on the injected clock, drift tests kept once
 * each, a 501 naming the setting when no serving source is configured, a scrape failure shown as an
 * error, and the explain and dataset routes' 501 without the executor or datasets.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import { ManualClock } from '../src/core/index.js';
import type { DriftStatus } from '../src/monitor/index.js';
import { ServeMetrics } from '../src/serve/index.js';
import type { MetadataDb } from '../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../src/store/test-databases.js';

describe('serving and drift series', () => {
  let t: TestDatabase;
  let mdb: MetadataDb;
  let app: FastifyInstance;
  let bare: FastifyInstance;
  const clock = new ManualClock(Date.parse('2026-06-01T00:00:00Z'));
  const metrics = new ServeMetrics({ processMetrics: false });
  const route = metrics.registerRoute('GET', '/recommend');
  metrics.modelLoaded('primary', '7', undefined, 0.1);
  const status = {
    version: '7',
    decision: { is_drift: false, reason: 'stable', threshold: 0.01, tested_at: '2026-06-01T00:00:00Z' },
    features: [{ name: 'basket_size', statistic: 0.1, p_value: 0.4, corrected_p: 0.8 }],
  } as unknown as DriftStatus;

  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    mdb = await t.open();
    app = await buildControlPlane({
      db: mdb,
      config: loadApiConfig({ env: {} }),
      logger: false,
      clock,
      serving: { description: 'in-process (bookml up)', text: () => metrics.render() },
      drift: { status: async () => status },
      telemetryIntervalMs: 5000,
    });
    await app.ready();
    bare = await buildControlPlane({
      db: mdb,
      config: loadApiConfig({ env: { BOOKML_API_SERVING_URL: 'http://127.0.0.1:9/' } }),
      logger: false,
      clock,
    });
    await bare.ready();
  });

  afterAll(async () => {
    await app?.close();
    await bare?.close();
    await t?.dispose();
  });

  const get = async (a: FastifyInstance, url: string) => a.inject({ method: 'GET', url });

  it('samples requests/s and p99 per version from the served counters, on the clock', async () => {
    for (let i = 0; i < 50; i++) metrics.versionStats('7').route(route).observe(200, 0.4);
    await clock.advance(5000);
    await expect
      .poll(async () => (await get(app, '/api/v1/serving/stats')).json().samples.length)
      .toBeGreaterThanOrEqual(1);
    const body = (await get(app, '/api/v1/serving/stats')).json();
    expect(body).toMatchObject({ source: 'in-process (bookml up)', intervalMs: 5000, error: null });
    expect(body.samples[0].versions[0]).toMatchObject({ version: '7', role: 'primary', requestsPerS: 10 });
    expect(body.samples[0].versions[0].p99Ms).toBeLessThanOrEqual(0.5);
  });

  it('keeps each drift test once, with its per-feature p-values', async () => {
    await clock.advance(5000);
    const body = (await get(app, '/api/v1/drift/history')).json();
    expect(body.tests).toHaveLength(1);
    expect(body.tests[0].features[0]).toMatchObject({ name: 'basket_size', pValue: 0.4, correctedP: 0.8 });
  });

  it('a scraped server that does not answer is an error in the payload, not zero traffic', async () => {
    await expect
      .poll(async () => (await get(bare, '/api/v1/serving/stats')).json().error)
      .toMatch(/cannot read http:\/\/127\.0\.0\.1:9\/metrics/);
    expect((await get(bare, '/api/v1/serving/stats')).json().samples).toEqual([]);
  });

  it('answers 501 naming what to configure when nothing provides the figures', async () => {
    const none = await buildControlPlane({
      db: mdb,
      config: loadApiConfig({ env: {} }),
      logger: false,
      clock,
    });
    try {
      const res = await get(none, '/api/v1/serving/stats');
      expect(res.statusCode).toBe(501);
      expect(res.json()).toMatchObject({
        code: 'API_NOT_AVAILABLE',
        message: expect.stringContaining('BOOKML_API_SERVING_URL'),
      });
      expect((await get(none, '/api/v1/runs/r1/nodes/train/explain')).statusCode).toBe(501);
      expect((await get(none, '/api/v1/datasets/abcd/report')).statusCode).toBe(501);
    } finally {
      await none.close();
    }
  });
});
