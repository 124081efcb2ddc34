import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDriftCommands } from '../src/cli/commands/drift.js';
import { ManualClock } from '../src/core/index.js';
import { type ModelBundle, readBundle } from '../src/model/index.js';
import {
  type DriftEventPayload,
  DriftMonitor,
  recordFeatures,
  shiftedTraffic,
  trafficFeatures,
} from '../src/monitor/index.js';
import { bundleDirSource, jsonlFileSink, type ServeServer } from '../src/serve/index.js';
import { EventLog } from '../src/store/index.js';
import {
  PredictionLogReader,
  type PredictionRecord,
  popularityRanks,
} from '../src/store/predictions/index.js';
import { createTestDatabase } from '../src/store/test-databases.js';
import { TableBus, TOPICS } from '../src/triggers/index.js';
import { runInProcess } from './fixtures/cli.js';
import { startServer, tempDir, writeModel } from './serve-fixture.js';

/**
 * The loop's monitoring half across folders: the server logs its answers (serve → store/predictions),
 * the drift monitor reads them (store/predictions → monitor) and finds shifted traffic, and
 * `bookml drift status` shows what it found.
 */
describe('serving traffic through the prediction log into the drift monitor', () => {
  let root: string;
  let predictions: string;
  let bundle: ModelBundle;
  let server: ServeServer;
  let version: string;

  const ask = async (ids: ReadonlyArray<number | string>) => {
    for (const id of ids) {
      const res = await server.app.inject({ method: 'GET', url: `/recommend?book_id=${id}&k=10` });
      expect(res.statusCode).toBe(200);
    }
    await server.context.predictionLog?.flush();
  };
  const readLog = async () => {
    const records: PredictionRecord[] = [];
    await new PredictionLogReader(predictions).read((r) => records.push(r));
    return records;
  };

  beforeAll(async () => {
    root = tempDir();
    predictions = join(root, 'ws', 'predictions');
    const dir = join(root, 'model');
    version = (await writeModel(dir, { books: 200, k: 10, seed: 3 })).modelId;
    bundle = readBundle(dir);
    server = await startServer(bundleDirSource(dir), {
      predictionSink: jsonlFileSink(predictions, { clock: new ManualClock(Date.UTC(2026, 2, 1, 12)) }),
    });
  });
  afterAll(async () => {
    await server.app.close();
  });

  it('logs the ranks of the answering model, so logged features equal the model-computed ones', async () => {
    const ids = shiftedTraffic(bundle, { shift: 0.2, n: 200, seed: 5 });
    await ask(ids);
    const records = await readLog();
    expect(records).toHaveLength(200);
    const ranks = popularityRanks(bundle.model.popularOrder, bundle.model.nItems);
    const idx = new Map(bundle.itemIds.map((id, i) => [Number(id), i]));
    expect(records[0].book_ranks).toEqual([ranks[idx.get(records[0].book_ids[0] as number) as number]]);
    expect(records.map(recordFeatures)).toEqual(trafficFeatures(bundle, ids, { k: 10 }));
  });

  it('raises one drift event on shifted traffic, and drift status shows it', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 1, 12, 5));
    const events: DriftEventPayload[] = [];
    const monitor = new DriftMonitor({
      predictionsDir: predictions,
      monitorDir: join(root, 'ws', 'monitor'),
      clock,
      referenceSize: 1000,
      testRecords: 1000,
      minWindow: 500,
      publisher: { publish: async (_topic, payload) => void events.push(payload) },
    });
    // The reference: the version's first 1,000 answers (the 200 above and 800 more of the usual mix).
    await ask(shiftedTraffic(bundle, { shift: 0, n: 800, seed: 6 }));
    await ask(shiftedTraffic(bundle, { shift: 0, n: 600, seed: 7 }));
    let s = await monitor.runOnce();
    expect(s.version).toBe(version);
    expect(s.windows.reference).toMatchObject({ records: 1000, complete: true });
    expect(s.decision?.is_drift, s.decision?.reason).toBe(false);

    await ask(shiftedTraffic(bundle, { shift: 0.7, n: 1000, seed: 8 }));
    s = await monitor.runOnce();
    expect(s.decision?.is_drift, s.decision?.reason).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0].features.find((f) => f.name === 'requested_rank')?.drift).toBe(true);

    const home = join(root, 'ws');
    const fromMonitor = await runInProcess(registerDriftCommands, [
      '--home',
      home,
      'drift',
      'status',
      '--json',
    ]);
    expect(fromMonitor.error).toBeUndefined();
    expect(JSON.parse(fromMonitor.stdout)).toMatchObject({ source: 'monitor', version, events: [events[0]] });

    const text = await runInProcess(registerDriftCommands, ['--home', home, 'drift', 'status']);
    expect(text.stdout).toMatch(/^model +recommender, version /m);
    expect(text.stdout).toMatch(/^requested_rank +0\.\d+ .* yes$/m);
    expect(text.stdout).toContain('last events (1):');

    // Computed once from the log: the same windows, nothing published, nothing written.
    const once = await runInProcess(registerDriftCommands, [
      '--home',
      home,
      'drift',
      'status',
      '--from-log',
      '--reference-size',
      '1000',
      '--test-records',
      '1000',
      '--json',
    ]);
    const out = JSON.parse(once.stdout);
    expect(out).toMatchObject({ source: 'log', version, stale: false, events: [] });
    expect(out.windows.test.records).toBe(1000);
    expect(out.decision.is_drift).toBe(true);
  });

  it('publishes through the event bus: one stored ml.drift event per detection, whatever the retries', async () => {
    const t = await createTestDatabase('sqlite');
    const clock = new ManualClock(Date.UTC(2026, 2, 1, 13));
    const mdb = await t.open({ clock });
    try {
      const bus = new TableBus({ db: mdb });
      // A fresh monitor over the same log: the first 1,000 answers are its reference, the shifted ones its test.
      const monitor = new DriftMonitor({
        predictionsDir: predictions,
        clock,
        referenceSize: 1000,
        testRecords: 1000,
        minWindow: 500,
        publisher: bus,
      });
      const s = await monitor.runOnce();
      expect(s.events).toHaveLength(1);
      const stored = await new EventLog(mdb).read();
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({
        topic: TOPICS.mlDrift,
        dedupeKey: `ml.drift:recommender:${version}:1`,
      });
      expect(stored[0].payload).toEqual(s.events[0]);
      // A publish retried after a crash carries the same key: still one event.
      await bus.publish(TOPICS.mlDrift, s.events[0], { dedupeKey: `ml.drift:recommender:${version}:1` });
      expect(await new EventLog(mdb).read()).toHaveLength(1);
      await bus.close();
    } finally {
      await mdb.close();
      await t.dispose();
    }
  });
});
