import { setTimeout as pause } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { EventLog, type MetadataDb } from '../../store/index.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../../store/test-databases.js';
import { type BusHarness, busContract } from './bus.contract.js';
import type { BusEvent } from './event-bus.js';
import { TableBus } from './table-bus.js';
import { TOPICS } from './topics.js';

const RETRY_MS = 1000;
const POLL_MS = 5000;

async function tableHarness(dialect: 'sqlite' | 'postgres'): Promise<BusHarness> {
  const clock = new ManualClock(1_700_000_000_000);
  const t = await createTestDatabase(dialect);
  const mdb = await t.open({ clock });
  // SQLite keeps one connection per process (a second one could wait on the first's write lock
  // synchronously), so "another process" is another bus over the same handle; PostgreSQL gets its own pool.
  const open = async () =>
    new TableBus({
      db: dialect === 'sqlite' ? mdb : await t.open({ clock }),
      retryDelayMs: RETRY_MS,
      pollIntervalMs: POLL_MS,
    });
  return {
    bus: await open(),
    openAnother: open,
    tick: async () => {
      await clock.advanceAsync(RETRY_MS);
      // Database round trips are real I/O: give them a moment between virtual-time steps.
      await pause(2);
    },
    dispose: () => t.dispose(),
  };
}

busContract('event bus: table on sqlite', () => tableHarness('sqlite'));

const unreachable = await probePostgres();
busContract('event bus: table on postgres', () => tableHarness('postgres'), unreachable);

describe('table bus: waking and polling (sqlite)', () => {
  let t: TestDatabase;
  let mdb: MetadataDb;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock(1_700_000_000_000);
    t = await createTestDatabase('sqlite');
    mdb = await t.open({ clock });
  });
  afterEach(async () => {
    await t.dispose();
  });

  const settle = async (until: () => boolean) => {
    for (let i = 0; i < 500 && !until(); i++) await pause(2);
  };

  it('hands a local publish to a subscriber at once, without the clock moving', async () => {
    const bus = new TableBus({ db: mdb, pollIntervalMs: 60_000 });
    const got: BusEvent[] = [];
    await bus.subscribe('local', [TOPICS.datasetReady], (e) => {
      got.push(e);
    });
    await settle(() => clock.pendingTimers() > 0);
    const { id } = await bus.publish(TOPICS.datasetReady, { dataset_uri: 'file:///tmp/a.csv' });
    await settle(() => got.length === 1);
    expect(got.map((e) => e.id)).toEqual([id]);
    expect(got[0].publishedAt).toBe(clock.now());
    await bus.close();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('finds an event another process appended at the next poll', async () => {
    const bus = new TableBus({ db: mdb, pollIntervalMs: 1000 });
    const got: BusEvent[] = [];
    await bus.subscribe('poller', [TOPICS.mlDrift], (e) => {
      got.push(e);
    });
    await settle(() => clock.pendingTimers() > 0);
    // Straight into the table: no local publish to wake the subscriber.
    await new EventLog(mdb).append(TOPICS.mlDrift, { model: 'recommender' });
    await pause(20);
    expect(got).toHaveLength(0);
    await clock.advanceAsync(1000);
    await settle(() => got.length === 1);
    expect(got[0].payload).toEqual({ model: 'recommender' });
    await bus.close();
  });

  it('backs off doubling between deliveries of a failing event', async () => {
    const bus = new TableBus({ db: mdb, retryDelayMs: 100, maxRetryDelayMs: 250 });
    const at: number[] = [];
    await bus.subscribe('backoff', [TOPICS.runFinished], () => {
      at.push(clock.now());
      throw new Error('not yet');
    });
    const start = clock.now();
    await bus.publish(TOPICS.runFinished, {});
    await settle(() => at.length === 1);
    for (let i = 0; i < 4; i++) {
      const next = clock.nextTimerAt();
      if (next !== undefined) await clock.advanceAsync(next - clock.now());
      await settle(() => at.length === i + 2);
    }
    expect(at.map((t) => t - start)).toEqual([0, 100, 300, 550, 800]);
    await bus.close();
  });
});
