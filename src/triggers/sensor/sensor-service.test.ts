import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { type MetadataDb, StoreError } from '../../store/index.js';
import { createTestDatabase, type TestDatabase } from '../../store/test-databases.js';
import { DecisionLog } from '../decision-log.js';
import { MemoryEventSource } from '../memory-event-source.js';
import { MemoryRunLauncher } from '../memory-launcher.js';
import { TRIGGER_LABELS, type TriggerEvent } from '../ports.js';
import { SensorService } from './sensor-service.js';
import { DEFAULT_SENSORS, type SensorInput } from './sensor-spec.js';

const H = 3_600_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');

let t: TestDatabase;
let mdb: MetadataDb;
let clock: ManualClock;
let launcher: MemoryRunLauncher;
let source: MemoryEventSource;
let service: SensorService | undefined;

beforeEach(async () => {
  clock = new ManualClock(T0);
  t = await createTestDatabase('sqlite');
  mdb = await t.open({ clock });
  launcher = new MemoryRunLauncher();
  source = new MemoryEventSource();
});
afterEach(async () => {
  await service?.stop();
  service = undefined;
  await t.dispose();
});

async function sensors(rules: readonly SensorInput[] = DEFAULT_SENSORS): Promise<SensorService> {
  service = new SensorService({ db: mdb, launcher, source, sensors: rules });
  await service.start();
  return service;
}

let seq = 0;
function event(topic: string, payload: unknown, id = `e${++seq}`): TriggerEvent {
  return { id, topic, payload, createdAt: clock.now() };
}
const drift = (payload: unknown = { model: 'recommender', statistic: 0.31 }) => event('ml.drift', payload);
const dataset = (payload: unknown) => event('dataset.ready', payload);

async function outcomes(sensor: string): Promise<string[]> {
  const list = await new DecisionLog(mdb).list({ source: 'sensor', trigger: sensor });
  return list.reverse().map((d) => d.outcome);
}

/** A sensor with no defaults in the way: every `jobs.new` event runs `etl`. */
const jobs = (extra: Partial<SensorInput> = {}): SensorInput => ({
  name: 'jobs',
  topics: ['jobs.new'],
  pipeline: 'etl',
  ...extra,
});

describe('SensorService', () => {
  it('subscribes each sensor under its own consumer and stops cleanly', async () => {
    const s = await sensors();
    expect(source.consumers().sort()).toEqual(['sensor:dataset-ready', 'sensor:drift-retrain']);
    expect(s.rules().map((r) => [r.name, r.rateLimit])).toEqual([
      ['dataset-ready', null],
      ['drift-retrain', { max: 1, perSeconds: 21600, key: ['model'] }],
    ]);
    await s.stop();
    expect(source.consumers()).toEqual([]);
  });

  it('fires a run from a dataset.ready event, mapping dataset_uri to datasetUri', async () => {
    await sensors();
    const e = dataset({ dataset_uri: 'file:/exports/orders-0301', rows: 1200 });
    await source.deliver(e);
    expect(launcher.runs).toHaveLength(1);
    expect(launcher.runs[0].request).toMatchObject({
      pipeline: 'recommender',
      parameters: { datasetUri: 'file:/exports/orders-0301' },
      idempotencyKey: `sensor:dataset-ready:${e.id}`,
      trigger: { kind: 'webhook', name: 'dataset-ready', eventId: e.id },
      labels: {
        [TRIGGER_LABELS.kind]: 'webhook',
        [TRIGGER_LABELS.sensor]: 'dataset-ready',
        [TRIGGER_LABELS.eventId]: e.id,
      },
    });
    const [d] = await service!.decisions();
    expect(d).toMatchObject({ outcome: 'fired', runId: 'run-1', eventId: e.id, topic: 'dataset.ready' });
    expect(d.reason).toBe(`event ${e.id} on dataset.ready: datasetUri=file:/exports/orders-0301`);
  });

  it('records a filtered event with the failing condition, and starts nothing', async () => {
    await sensors([...DEFAULT_SENSORS, jobs({ filter: [{ path: 'kind', in: ['full', 'delta'] }] })]);
    await source.deliver(dataset({ rows: 3 }));
    await source.deliver(event('jobs.new', { kind: 'partial' }));
    const [job, ds] = await service!.decisions({ outcome: 'filtered' });
    expect(ds.reason).toMatch(/dataset_uri is missing$/);
    expect(job.reason).toMatch(/kind is "partial", not one of "full", "delta"$/);
    expect(launcher.runs).toHaveLength(0);
  });

  it('records an event lacking a mapped field as failed, unless the mapping has a default', async () => {
    await sensors([
      jobs({ parameters: { source: { from: 'body.source' }, mode: { value: 'full' } } }),
      jobs({ name: 'jobs-default', parameters: { source: { from: 'body.source', default: 'db' } } }),
    ]);
    await source.deliver(event('jobs.new', { body: {} }));
    expect(await outcomes('jobs')).toEqual(['failed']);
    expect((await service!.decisions({ trigger: 'jobs' }))[0].reason).toContain(
      'parameter source comes from body.source, which the event lacks',
    );
    expect(launcher.runs.map((r) => r.request.parameters)).toEqual([{ source: 'db' }]);
  });

  it('never trains twice on the same dataset uri and hash; an event without a hash is not deduplicated', async () => {
    await sensors();
    const same = { dataset_uri: 'file:/exports/a', dataset_hash: 'ab12' };
    await source.deliver(dataset(same));
    launcher.finish('run-1', 'Succeeded');
    clock.advance(30 * 24 * H);
    await source.deliver(dataset(same));
    await source.deliver(dataset({ ...same, dataset_hash: 'cd34' }));
    await source.deliver(dataset({ dataset_uri: 'file:/exports/a' }));
    await source.deliver(dataset({ dataset_uri: 'file:/exports/a' }));
    expect(await outcomes('dataset-ready')).toEqual(['fired', 'deduplicated', 'fired', 'fired', 'fired']);
    const [dup] = await service!.decisions({ outcome: 'deduplicated' });
    expect(dup.reason).toContain('same dataset_uri=file:/exports/a, dataset_hash=ab12 as event');
    expect(dup.reason).toContain('(run run-1)');
  });

  it('dedupes only within the dedupe window when one is set', async () => {
    await sensors([jobs({ dedupeBy: ['file'], dedupeWindowSeconds: 600 })]);
    await source.deliver(event('jobs.new', { file: 'a' }));
    clock.advance(599_000);
    await source.deliver(event('jobs.new', { file: 'a' }));
    clock.advance(2_000);
    await source.deliver(event('jobs.new', { file: 'a' }));
    expect(await outcomes('jobs')).toEqual(['fired', 'deduplicated', 'fired']);
  });

  it('retrains at most once per model per 6 hours on drift', async () => {
    await sensors();
    await source.deliver(drift());
    launcher.finish('run-1', 'Succeeded');
    clock.advance(1 * H);
    await source.deliver(drift());
    await source.deliver(drift({ model: 'bestsellers' }));
    launcher.finish('run-2', 'Succeeded');
    clock.advance(5 * H);
    await source.deliver(drift());
    expect(await outcomes('drift-retrain')).toEqual(['fired', 'rate-limited', 'fired', 'fired']);
    const [limited] = await service!.decisions({ outcome: 'rate-limited' });
    expect(limited.reason).toContain(
      '1 run(s) for model=recommender in the last 6 h (limit 1 per 6 h); next allowed after 2026-03-01T06:00:00Z',
    );
    expect(launcher.runs.map((r) => r.request.trigger.kind)).toEqual(['drift', 'drift', 'drift']);
  });

  it('suppresses a drift retrain while any run of the recommender is active', async () => {
    await sensors();
    // A run someone else started (the nightly schedule) is still going.
    await launcher.submit({
      pipeline: 'recommender',
      parameters: {},
      labels: { [TRIGGER_LABELS.schedule]: 'recommender-nightly' },
      trigger: { kind: 'schedule', name: 'recommender-nightly', reason: 'tick' },
      idempotencyKey: 'nightly',
    });
    await source.deliver(drift());
    const [d] = await service!.decisions();
    expect(d).toMatchObject({ outcome: 'suppressed', runId: null });
    expect(d.reason).toMatch(/run run-1 of recommender active \(suppressWhileActive\)$/);
    // A suppressed event uses up no rate limit: once the run ends, the next drift retrains.
    launcher.finish('run-1', 'Succeeded');
    await source.deliver(drift());
    expect(await outcomes('drift-retrain')).toEqual(['suppressed', 'fired']);
  });

  it('Forbid drops an event while a run of this sensor is active', async () => {
    await sensors([jobs({ policy: 'Forbid' })]);
    await source.deliver(event('jobs.new', {}));
    await source.deliver(event('jobs.new', {}));
    expect(await outcomes('jobs')).toEqual(['fired', 'forbidden']);
    expect((await service!.decisions({ outcome: 'forbidden' }))[0].reason).toMatch(
      /run run-1 of this sensor still active \(policy Forbid\)$/,
    );
  });

  it('Replace stops the active run of this sensor, then submits', async () => {
    await sensors([jobs({ policy: 'Replace' })]);
    const first = event('jobs.new', {});
    const second = event('jobs.new', {});
    await source.deliver(first);
    await source.deliver(second);
    expect(launcher.calls).toEqual([
      `submit sensor:jobs:${first.id}`,
      'stop run-1',
      `submit sensor:jobs:${second.id}`,
    ]);
    expect(launcher.get('run-1').phase).toBe('Failed');
    const [d] = await service!.decisions();
    expect(d).toMatchObject({ outcome: 'replaced', runId: 'run-2', stoppedRunIds: ['run-1'] });
  });

  it('a redelivered event starts one run and records one decision', async () => {
    const seen: string[] = [];
    service = new SensorService({
      db: mdb,
      launcher,
      source,
      sensors: DEFAULT_SENSORS,
      onDecision: (d) => seen.push(d.outcome),
    });
    await service.start();
    const e = drift();
    await source.deliver(e);
    await source.deliver(e);
    await source.deliver({ ...e });
    await source.deliver(dataset({}));
    expect(launcher.runs).toHaveLength(1);
    expect(await outcomes('drift-retrain')).toEqual(['fired']);
    expect(seen).toEqual(['fired', 'filtered']);
  });

  it('a crash between the decision and the run is finished on redelivery, with one run', async () => {
    await sensors();
    const e = drift();
    launcher.failNext(new StoreError('STORE_DB_BUSY', 'database is locked'));
    await expect(source.deliver(e)).rejects.toMatchObject({ code: 'STORE_DB_BUSY' });
    expect(await new DecisionLog(mdb).incomplete('sensor')).toHaveLength(1);
    await source.deliver(e);
    expect(launcher.runs).toHaveLength(1);
    expect(await new DecisionLog(mdb).incomplete('sensor')).toHaveLength(0);
    expect((await service!.decisions())[0]).toMatchObject({ outcome: 'fired', runId: 'run-1' });
  });

  it('a restart finishes a plan a crash left behind', async () => {
    await sensors();
    launcher.failNext(new StoreError('STORE_DB_BUSY', 'database is locked'));
    await expect(source.deliver(drift())).rejects.toThrow();
    await service!.stop();
    await sensors();
    expect(launcher.runs).toHaveLength(1);
    expect(await outcomes('drift-retrain')).toEqual(['fired']);
  });

  it('a submission refused for good is recorded as failed with its code', async () => {
    await sensors();
    launcher.failNext(new StoreError('STORE_CONSTRAINT_VIOLATION', 'datasetUri does not match'));
    await source.deliver(dataset({ dataset_uri: 'bad' }));
    const [d] = await service!.decisions();
    expect(d).toMatchObject({ outcome: 'failed', runId: null });
    expect(d.reason).toContain('STORE_CONSTRAINT_VIOLATION: datasetUri does not match');
  });

  it('lists decisions by sensor and outcome, newest first, and refuses a bad filter', async () => {
    await sensors();
    await source.deliver(drift());
    await source.deliver(drift());
    await source.deliver(dataset({}));
    const log = new DecisionLog(mdb);
    expect((await log.list({ trigger: 'drift-retrain' })).map((d) => d.outcome)).toEqual([
      'rate-limited',
      'fired',
    ]);
    expect((await log.list({ outcome: ['filtered', 'fired'] })).map((d) => d.trigger)).toEqual([
      'dataset-ready',
      'drift-retrain',
    ]);
    expect(await log.list({ limit: 1 })).toHaveLength(1);
    expect(await log.counts()).toEqual([
      { source: 'sensor', trigger: 'dataset-ready', outcome: 'filtered', count: 1 },
      { source: 'sensor', trigger: 'drift-retrain', outcome: 'fired', count: 1 },
      { source: 'sensor', trigger: 'drift-retrain', outcome: 'rate-limited', count: 1 },
    ]);
    await expect(log.list({ outcome: 'exploded' as never })).rejects.toMatchObject({
      code: 'TRIGGERS_QUERY_INVALID',
      field: 'outcome',
    });
    await expect(log.list({ limit: 0 })).rejects.toMatchObject({
      code: 'TRIGGERS_QUERY_INVALID',
      field: 'limit',
    });
  });

  it('refuses bad rules, naming the field', () => {
    const make = (rules: SensorInput[]) => () =>
      new SensorService({ db: mdb, launcher, source, sensors: rules });
    expect(make([jobs(), jobs()])).toThrow(
      expect.objectContaining({ code: 'TRIGGERS_SENSOR_INVALID', field: 'name' }),
    );
    expect(make([jobs({ topics: [] })])).toThrow(expect.objectContaining({ field: 'topics' }));
    expect(make([jobs({ filter: [{ path: 'a', equals: 1, exists: true }] })])).toThrow(
      expect.objectContaining({ field: 'filter.0' }),
    );
    expect(make([{ ...jobs(), retries: 3 } as SensorInput])).toThrow(/Unrecognized key/);
    expect(make([jobs({ rateLimit: { max: 0, perSeconds: 60 } })])).toThrow(
      expect.objectContaining({ field: 'rateLimit.max' }),
    );
  });
});
