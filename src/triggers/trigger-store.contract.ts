/**
 * One suite for the triggers' tables on every metadata database: SQLite
 * (`trigger-store.sqlite.test.ts`) and PostgreSQL (`trigger-store.postgres.test.ts`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import type { MetadataDb } from '../store/index.js';
import type { TestDatabase } from '../store/test-databases.js';
import { DecisionLog, type NewDecision } from './decision-log.js';
import { MemoryRunLauncher } from './memory-launcher.js';
import type { RunRequest } from './ports.js';
import { parseSchedule } from './schedule/schedule-spec.js';
import { ScheduleStore } from './schedule/schedule-store.js';
import { Scheduler } from './schedule/scheduler.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const H = 3_600_000;

const request: RunRequest = {
  pipeline: 'recommender',
  parameters: { datasetUri: 'current' },
  labels: { 'bookml.io/trigger': 'drift' },
  trigger: { kind: 'drift', name: 'drift-retrain', eventId: '7', reason: 'event 7' },
  idempotencyKey: 'sensor:drift-retrain:7',
};

/** Runs the triggers' store contract against `createDb()`; `skip` names why this backend cannot run here. */
export function triggerStoreContract(
  name: string,
  createDb: () => Promise<TestDatabase>,
  skip?: string,
): void {
  describe.skipIf(skip !== undefined)(skip === undefined ? name : `${name} — skipped: ${skip}`, () => {
    let t: TestDatabase;
    let mdb: MetadataDb;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock(T0);
      t = await createDb();
      mdb = await t.open({ clock });
    });
    afterEach(async () => {
      await t.dispose();
    });

    describe('decision log', () => {
      const fired = (key: string, extra: Partial<NewDecision> = {}): NewDecision => ({
        source: 'sensor',
        trigger: 'drift-retrain',
        key,
        eventId: key,
        topic: 'ml.drift',
        outcome: 'fired',
        reason: `event ${key}`,
        pipeline: 'recommender',
        request,
        rateKey: 'model=recommender',
        ...extra,
      });

      it('records a key once per trigger; a run outcome stays incomplete until its run is known', async () => {
        const log = new DecisionLog(mdb);
        const d = await log.claim(fired('7', { stoppedRunIds: ['r0'] }));
        expect(d).toMatchObject({ outcome: 'fired', completedAt: null, request, stoppedRunIds: ['r0'] });
        expect(await log.claim(fired('7', { outcome: 'filtered' }))).toBeUndefined();
        expect(await log.claim(fired('7', { trigger: 'other' }))).toBeDefined();
        expect((await log.incomplete('sensor', 'drift-retrain')).map((x) => x.key)).toEqual(['7']);

        clock.advance(1000);
        const done = await log.complete(d!.id, { runId: 'r1' });
        expect(done).toMatchObject({ runId: 'r1', completedAt: T0 + 1000 });
        expect(await log.incomplete('sensor', 'drift-retrain')).toEqual([]);
        const failed = await log.complete((await log.get('sensor', 'other', '7'))!.id, {
          failed: 'RUN_BAD: no',
        });
        expect(failed).toMatchObject({ outcome: 'failed', reason: 'RUN_BAD: no', runId: null });

        const skipped = await log.claim(fired('8', { outcome: 'rate-limited', request: undefined }));
        expect(skipped).toMatchObject({ completedAt: T0 + 1000, request: null, stoppedRunIds: [] });
      });

      it('finds earlier runs by dedupe key and rate key inside a window', async () => {
        const log = new DecisionLog(mdb);
        await log.claim(fired('1', { dedupeKey: 'uri=a' }));
        clock.advance(H);
        await log.claim(fired('2', { dedupeKey: 'uri=a', outcome: 'deduplicated', request: undefined }));
        await log.claim(fired('3', { dedupeKey: 'uri=b' }));
        expect((await log.lastWithDedupeKey('sensor', 'drift-retrain', 'uri=a', 0))?.key).toBe('1');
        expect(await log.lastWithDedupeKey('sensor', 'drift-retrain', 'uri=a', T0 + 1)).toBeUndefined();
        expect(await log.runTimesWithRateKey('sensor', 'drift-retrain', 'model=recommender', T0 - 1)).toEqual(
          [T0, T0 + H],
        );
        expect(await log.runTimesWithRateKey('sensor', 'drift-retrain', 'model=recommender', T0)).toEqual([
          T0 + H,
        ]);
      });

      it('lists newest first with filters and paging, counts per outcome, trims decisions without runs', async () => {
        const log = new DecisionLog(mdb);
        for (let i = 1; i <= 5; i++) {
          await log.claim(
            fired(`${i}`, { outcome: i % 2 === 0 ? 'rate-limited' : 'filtered', request: undefined }),
          );
        }
        await log.claim({
          ...fired('tick:1', { source: 'schedule', trigger: 'nightly' }),
          outcome: 'missed-deadline',
        });
        const page1 = await log.list({ source: 'sensor', limit: 2 });
        expect(page1.map((d) => d.key)).toEqual(['5', '4']);
        const page2 = await log.list({ source: 'sensor', limit: 2, beforeId: page1[1].id });
        expect(page2.map((d) => d.key)).toEqual(['3', '2']);
        expect((await log.list({ outcome: 'filtered' })).map((d) => d.key)).toEqual(['5', '3', '1']);
        expect((await log.list({ source: 'schedule' })).map((d) => d.outcome)).toEqual(['missed-deadline']);
        expect(await log.counts()).toEqual([
          { source: 'schedule', trigger: 'nightly', outcome: 'missed-deadline', count: 1 },
          { source: 'sensor', trigger: 'drift-retrain', outcome: 'filtered', count: 3 },
          { source: 'sensor', trigger: 'drift-retrain', outcome: 'rate-limited', count: 2 },
        ]);
        expect(await log.trimWithoutRuns('sensor', 'drift-retrain', 2)).toBe(3);
        expect((await log.list({ source: 'sensor' })).map((d) => d.key)).toEqual(['5', '4']);
      });
    });

    describe('schedule store', () => {
      const spec = parseSchedule({
        name: 'nightly',
        pipeline: 'recommender',
        cron: '0 2 * * *',
        parameters: { k: 5 },
      });

      it('creates once, reads back what it stored, and refuses a second create', async () => {
        const store = new ScheduleStore(mdb);
        const s = await store.create(spec);
        expect(s).toMatchObject({ ...spec, cursorAt: T0, lastScheduledAt: null, createdAt: T0 });
        expect(await store.get('nightly')).toEqual(s);
        await expect(store.create(spec)).rejects.toMatchObject({ code: 'TRIGGERS_SCHEDULE_EXISTS' });
        expect(await store.createIfMissing({ ...spec, cron: '@hourly' })).toBe(false);
        expect((await store.require('nightly')).cron).toBe('0 2 * * *');
        await expect(store.require('nope')).rejects.toMatchObject({ code: 'TRIGGERS_SCHEDULE_NOT_FOUND' });
      });

      it('moves the cursor only forward, and a resume passes suspended ticks over', async () => {
        const store = new ScheduleStore(mdb);
        await store.create(spec);
        expect(await store.advanceCursor('nightly', T0 + 2 * H, true)).toBe(true);
        expect(await store.advanceCursor('nightly', T0 + 2 * H)).toBe(false);
        expect(await store.advanceCursor('nightly', T0 + H)).toBe(false);
        expect(await store.get('nightly')).toMatchObject({
          cursorAt: T0 + 2 * H,
          lastScheduledAt: T0 + 2 * H,
        });

        const updated = await store.update('nightly', { ...spec, cron: '@hourly' }, T0);
        expect(updated).toMatchObject({ cron: '@hourly', cursorAt: T0 + 2 * H, lastScheduledAt: T0 + 2 * H });

        clock.set(T0 + 10 * H);
        expect(await store.setSuspended('nightly', false)).toMatchObject({ cursorAt: T0 + 2 * H });
        expect(await store.setSuspended('nightly', true)).toMatchObject({
          suspended: true,
          cursorAt: T0 + 2 * H,
        });
        expect(await store.setSuspended('nightly', false)).toMatchObject({
          suspended: false,
          cursorAt: T0 + 10 * H,
        });
        expect(await store.remove('nightly')).toBe(true);
        expect(await store.remove('nightly')).toBe(false);
      });
    });

    it('a scheduler ticks and replaces on this database', async () => {
      const launcher = new MemoryRunLauncher();
      const scheduler = new Scheduler({ db: mdb, launcher, clock, refreshIntervalMs: 24 * H });
      try {
        await scheduler.ensureDefaultSchedules();
        await scheduler.start();
        for (const at of [Date.parse('2026-01-01T02:00:00Z'), Date.parse('2026-01-02T02:00:00Z')]) {
          while ((clock.nextTimerAt() ?? Number.POSITIVE_INFINITY) <= at) {
            clock.advance(Math.max(0, (clock.nextTimerAt() as number) - clock.now()));
            await scheduler.idle();
          }
        }
        expect(launcher.calls).toEqual([
          `submit schedule:recommender-nightly:tick:${Date.parse('2026-01-01T02:00:00Z')}`,
          'stop run-1',
          `submit schedule:recommender-nightly:tick:${Date.parse('2026-01-02T02:00:00Z')}`,
        ]);
        expect((await scheduler.history('recommender-nightly')).map((d) => d.outcome)).toEqual([
          'replaced',
          'fired',
        ]);
      } finally {
        await scheduler.stop();
      }
    });
  });
}
