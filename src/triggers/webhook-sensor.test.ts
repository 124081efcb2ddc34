import { setTimeout as pause } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import type { MetadataDb } from '../store/index.js';
import { createTestDatabase, type TestDatabase } from '../store/test-databases.js';
import { TableBus } from './bus/index.js';
import { MemoryRunLauncher } from './memory-launcher.js';
import type { TriggerEventSource } from './ports.js';
import { SensorService } from './sensor/sensor-service.js';
import { DEFAULT_SENSORS } from './sensor/sensor-spec.js';
import { buildWebhookApp, signedWebhookHeaders } from './webhook/index.js';

const SECRET = 'whsec-test-0123456789abcdef';

/** The webhook, the table bus and the default sensors together, as `bookml up` wires them. */
describe('webhook → bus → sensor', () => {
  let t: TestDatabase;
  let mdb: MetadataDb;
  let clock: ManualClock;
  let bus: TableBus;
  let sensors: SensorService;
  let launcher: MemoryRunLauncher;

  beforeEach(async () => {
    clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    t = await createTestDatabase('sqlite');
    mdb = await t.open({ clock });
    bus = new TableBus({ db: mdb });
    launcher = new MemoryRunLauncher();
    // An EventBus is what the sensors' port asks for, as it is.
    const source: TriggerEventSource = bus;
    sensors = new SensorService({ db: mdb, launcher, source, sensors: DEFAULT_SENSORS });
    await sensors.start();
  });
  afterEach(async () => {
    await sensors.stop();
    await bus.close();
    await t.dispose();
  });

  const settle = async (done: () => boolean) => {
    for (let i = 0; i < 500 && !done(); i++) await pause(2);
  };

  it('a signed dataset-ready request starts one recommender run on that file; its replay starts nothing', async () => {
    const app = buildWebhookApp({ bus, db: mdb, secret: SECRET });
    const body = JSON.stringify({ dataset_uri: 'file:///exports/orders-2026-03.csv' });
    const headers = {
      ...signedWebhookHeaders(SECRET, body, clock.now()),
      'idempotency-key': 'export-2026-03',
    };
    const send = () =>
      app.inject({ method: 'POST', url: '/recommender-dataset-ready', payload: body, headers });

    const first = await send();
    expect(first.statusCode).toBe(202);
    await settle(() => launcher.runs.length === 1);
    expect(launcher.runs).toHaveLength(1);
    expect(launcher.runs[0].request).toMatchObject({
      pipeline: 'recommender',
      parameters: { datasetUri: 'file:///exports/orders-2026-03.csv' },
    });
    expect(launcher.runs[0].request.idempotencyKey).toBe(`sensor:dataset-ready:${first.json().event_id}`);

    expect((await send()).statusCode).toBe(401);
    clock.advance(1000);
    const retried = await app.inject({
      method: 'POST',
      url: '/recommender-dataset-ready',
      payload: body,
      headers: { ...signedWebhookHeaders(SECRET, body, clock.now()), 'idempotency-key': 'export-2026-03' },
    });
    expect(retried.json().event_id).toBe(first.json().event_id);
    // Events reach the sensor in order: once this later one is decided, nothing before it is pending.
    await bus.publish('dataset.ready', { marker: true });
    let outcomes: string[] = [];
    for (let i = 0; i < 500 && !outcomes.includes('filtered'); i++) {
      outcomes = (await sensors.decisions()).map((d) => d.outcome);
      await pause(2);
    }
    expect(outcomes.sort()).toEqual(['filtered', 'fired']);
    expect(launcher.runs).toHaveLength(1);
    await app.close();
  });
});
