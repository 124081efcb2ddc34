import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { type MetadataDb, StoreError } from '../../store/index.js';
import { createTestDatabase, type TestDatabase } from '../../store/test-databases.js';
import { DecisionLog } from '../decision-log.js';
import { MemoryRunLauncher } from '../memory-launcher.js';
import { TRIGGER_LABELS } from '../ports.js';
import type { ScheduleInput } from './schedule-spec.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';

const H = 3_600_000;
const DAY = 24 * H;
const at = (iso: string) => Date.parse(iso);
const JAN1 = at('2026-01-01T00:00:00Z');

let t: TestDatabase;
let mdb: MetadataDb;
let clock: ManualClock;
let launcher: MemoryRunLauncher;
const started: Scheduler[] = [];

beforeEach(async () => {
  clock = new ManualClock(JAN1);
  t = await createTestDatabase('sqlite');
  mdb = await t.open({ clock });
  launcher = new MemoryRunLauncher();
});
afterEach(async () => {
  for (const s of started.splice(0)) await s.stop();
  await t.dispose();
});

/** A scheduler on the test database and clock; refreshes hourly unless told otherwise. */
function scheduler(options: Partial<SchedulerOptions> = {}): Scheduler {
  const s = new Scheduler({ db: mdb, launcher, clock, refreshIntervalMs: H, ...options });
  started.push(s);
  return s;
}

/** Moves the clock to `target` timer by timer, letting the scheduler finish what each timer started. */
async function advanceTo(s: Scheduler, target: number): Promise<void> {
  for (let next = clock.nextTimerAt(); next !== undefined && next <= target; next = clock.nextTimerAt()) {
    clock.advance(Math.max(0, next - clock.now()));
    await s.idle();
  }
  clock.advance(Math.max(0, target - clock.now()));
  await s.idle();
}

const hourly = (extra: Partial<ScheduleInput> = {}): ScheduleInput => ({
  name: 'hourly',
  pipeline: 'recommender',
  cron: '0 * * * *',
  ...extra,
});

async function decisions(name: string) {
  const list = await new DecisionLog(mdb).list({ trigger: name, limit: 1000 });
  return list.reverse().map((d) => ({
    outcome: d.outcome,
    at: d.scheduledAt === null ? null : new Date(d.scheduledAt).toISOString(),
    runId: d.runId,
  }));
}

describe('Scheduler', () => {
  it('fires the default recommender-nightly at 02:00 UTC and arms the next night', async () => {
    const s = scheduler();
    expect(await s.ensureDefaultSchedules()).toEqual(['recommender-nightly']);
    await s.start();
    expect(s.nextRun('recommender-nightly')).toBe(at('2026-01-01T02:00:00Z'));

    await advanceTo(s, at('2026-01-01T01:59:59Z'));
    expect(launcher.runs).toHaveLength(0);
    await advanceTo(s, at('2026-01-01T02:00:00Z'));
    expect(launcher.runs).toHaveLength(1);
    const run = launcher.runs[0].request;
    expect(run).toMatchObject({
      pipeline: 'recommender',
      idempotencyKey: `schedule:recommender-nightly:tick:${at('2026-01-01T02:00:00Z')}`,
      trigger: { kind: 'schedule', name: 'recommender-nightly' },
      labels: {
        [TRIGGER_LABELS.kind]: 'schedule',
        [TRIGGER_LABELS.schedule]: 'recommender-nightly',
        [TRIGGER_LABELS.scheduledAt]: '2026-01-01T02:00:00.000Z',
      },
    });
    expect(run.trigger.reason).toBe('cron "0 2 * * *" (UTC) tick at 2026-01-01T02:00:00Z');
    expect(await decisions('recommender-nightly')).toEqual([
      { outcome: 'fired', at: '2026-01-01T02:00:00.000Z', runId: 'run-1' },
    ]);
    expect(s.nextRun('recommender-nightly')).toBe(at('2026-01-02T02:00:00Z'));
    const [view] = await s.list();
    expect(view).toMatchObject({
      lastScheduledAt: at('2026-01-01T02:00:00Z'),
      nextRunAt: at('2026-01-02T02:00:00Z'),
    });
  });

  it('reads the cron expression in the schedule’s time zone', async () => {
    const s = scheduler();
    await s.add({ name: 'berlin', pipeline: 'recommender', cron: '0 2 * * *', timezone: 'Europe/Berlin' });
    await s.start();
    expect(s.nextRun('berlin')).toBe(at('2026-01-01T01:00:00Z'));
    await advanceTo(s, at('2026-01-01T01:00:00Z'));
    expect(launcher.runs).toHaveLength(1);
    expect(launcher.runs[0].request.trigger.reason).toContain('(Europe/Berlin) tick at 2026-01-01T01:00:00Z');
  });

  it('Forbid skips a tick while a run of the schedule is active, and records why', async () => {
    const s = scheduler();
    await s.add(hourly({ concurrencyPolicy: 'Forbid' }));
    await s.start();
    await advanceTo(s, JAN1 + 2 * H);
    expect(launcher.runs).toHaveLength(1);
    const [fired, skipped] = await new DecisionLog(mdb).list({ trigger: 'hourly' }).then((l) => l.reverse());
    expect(fired).toMatchObject({ outcome: 'fired', runId: 'run-1' });
    expect(skipped).toMatchObject({ outcome: 'skipped-forbid', runId: null });
    expect(skipped.reason).toContain('run run-1 still active (concurrencyPolicy Forbid)');

    launcher.finish('run-1', 'Succeeded');
    await advanceTo(s, JAN1 + 3 * H);
    expect(launcher.runs).toHaveLength(2);
  });

  it('Replace stops the active run, then submits', async () => {
    const s = scheduler();
    await s.ensureDefaultSchedules();
    await s.start();
    await advanceTo(s, at('2026-01-02T02:00:00Z'));
    expect(launcher.calls).toEqual([
      `submit schedule:recommender-nightly:tick:${at('2026-01-01T02:00:00Z')}`,
      'stop run-1',
      `submit schedule:recommender-nightly:tick:${at('2026-01-02T02:00:00Z')}`,
    ]);
    expect(launcher.get('run-1')).toMatchObject({ phase: 'Failed' });
    expect(launcher.get('run-1').stopReason).toContain('replaced by schedule recommender-nightly');
    const [latest] = await s.history('recommender-nightly');
    expect(latest).toMatchObject({ outcome: 'replaced', runId: 'run-2', stoppedRunIds: ['run-1'] });
    expect(latest.reason).toContain('stopping run run-1 first (concurrencyPolicy Replace)');
  });

  describe('ticks missed while bookml was down', () => {
    // Created at 00:00, down until 05:05: ticks 01:00…05:00 were missed; a 3 h deadline keeps 03:00–05:00.
    async function downUntil0505(extra: Partial<ScheduleInput>) {
      await scheduler().add(hourly({ startingDeadlineSeconds: 3 * 3600, ...extra }));
      clock.set(JAN1 + 5 * H + 5 * 60_000);
      const s = scheduler();
      await s.start();
      return s;
    }

    it('catchUp none runs none of them', async () => {
      const s = await downUntil0505({ catchUp: 'none' });
      expect(await s.get('hourly')).toMatchObject({ cursorAt: JAN1 + 5 * H, lastScheduledAt: null });
      expect(launcher.runs).toHaveLength(0);
      expect((await decisions('hourly')).map((d) => d.outcome)).toEqual([
        'missed-deadline',
        'missed-deadline',
        'skipped-catch-up',
        'skipped-catch-up',
        'skipped-catch-up',
      ]);
    });

    it('catchUp latest runs the newest inside the deadline', async () => {
      await downUntil0505({ catchUp: 'latest' });
      expect(launcher.runs.map((r) => r.request.labels[TRIGGER_LABELS.scheduledAt])).toEqual([
        '2026-01-01T05:00:00.000Z',
      ]);
      const outcomes = await decisions('hourly');
      expect(outcomes.at(-1)).toEqual({
        outcome: 'caught-up',
        at: '2026-01-01T05:00:00.000Z',
        runId: 'run-1',
      });
      expect(launcher.runs[0].request.trigger.reason).toContain('caught up 5 min late');
    });

    it('catchUp all runs the newest up to the cap', async () => {
      await downUntil0505({ catchUp: 'all', catchUpCap: 2 });
      expect(await decisions('hourly')).toEqual([
        { outcome: 'missed-deadline', at: '2026-01-01T01:00:00.000Z', runId: null },
        { outcome: 'missed-deadline', at: '2026-01-01T02:00:00.000Z', runId: null },
        { outcome: 'skipped-catch-up', at: '2026-01-01T03:00:00.000Z', runId: null },
        { outcome: 'caught-up', at: '2026-01-01T04:00:00.000Z', runId: 'run-1' },
        { outcome: 'caught-up', at: '2026-01-01T05:00:00.000Z', runId: 'run-2' },
      ]);
    });

    it('the nightly tick is caught up inside its 600 s deadline and recorded missed beyond it', async () => {
      const first = scheduler();
      await first.ensureDefaultSchedules();
      clock.set(at('2026-01-01T02:09:00Z'));
      const s = scheduler();
      await s.start();
      expect(await decisions('recommender-nightly')).toEqual([
        { outcome: 'caught-up', at: '2026-01-01T02:00:00.000Z', runId: 'run-1' },
      ]);
      await s.stop();

      clock.set(at('2026-01-02T02:11:00Z'));
      const again = scheduler();
      await again.start();
      const after = await decisions('recommender-nightly');
      expect(after.at(-1)).toEqual({
        outcome: 'missed-deadline',
        at: '2026-01-02T02:00:00.000Z',
        runId: null,
      });
      expect(await again.get('recommender-nightly')).toMatchObject({
        cursorAt: at('2026-01-02T02:00:00Z'),
        lastScheduledAt: at('2026-01-01T02:00:00Z'),
      });
      expect((await again.history('recommender-nightly', 1))[0].reason).toBe(
        'tick at 2026-01-02T02:00:00Z missed by 11 min, beyond the starting deadline of 600 s',
      );
      expect(launcher.runs).toHaveLength(1);
      expect(again.nextRun('recommender-nightly')).toBe(at('2026-01-03T02:00:00Z'));
    });
  });

  it('suspend stops ticking; resume ticks again from then on without catching up', async () => {
    const s = scheduler();
    await s.ensureDefaultSchedules();
    await s.start();
    const suspended = await s.suspend('recommender-nightly');
    expect(suspended).toMatchObject({ suspended: true, nextRunAt: undefined });
    expect(s.nextRun('recommender-nightly')).toBeUndefined();

    await advanceTo(s, at('2026-01-01T02:05:00Z'));
    expect(launcher.runs).toHaveLength(0);
    const resumed = await s.resume('recommender-nightly');
    expect(resumed).toMatchObject({ suspended: false, nextRunAt: at('2026-01-02T02:00:00Z') });
    await advanceTo(s, at('2026-01-02T02:00:00Z'));
    expect(await decisions('recommender-nightly')).toEqual([
      { outcome: 'fired', at: '2026-01-02T02:00:00.000Z', runId: 'run-1' },
    ]);
  });

  it('run now submits a manual run, once per request id, under the concurrency policy', async () => {
    const s = scheduler();
    await s.add(hourly({ concurrencyPolicy: 'Forbid', suspended: true }));
    const d = await s.runNow('hourly', { requestId: 'r1', actor: 'ana' });
    expect(d).toMatchObject({ outcome: 'manual', runId: 'run-1', key: 'manual:r1', scheduledAt: JAN1 });
    expect(launcher.runs[0].request).toMatchObject({
      trigger: { kind: 'manual', name: 'hourly', reason: 'run now of schedule hourly by ana' },
      labels: { [TRIGGER_LABELS.kind]: 'manual', [TRIGGER_LABELS.schedule]: 'hourly' },
    });
    expect(await s.runNow('hourly', { requestId: 'r1' })).toMatchObject({ id: d.id, runId: 'run-1' });
    const forbidden = await s.runNow('hourly');
    expect(forbidden).toMatchObject({ outcome: 'skipped-forbid', runId: null });
    expect(launcher.runs).toHaveLength(1);
    await expect(s.runNow('nope')).rejects.toMatchObject({ code: 'TRIGGERS_SCHEDULE_NOT_FOUND' });
  });

  it('prunes finished runs beyond the history limits', async () => {
    const s = scheduler();
    await s.add(hourly({ successfulHistoryLimit: 2, failedHistoryLimit: 1 }));
    await s.start();
    const outcomes = ['Succeeded', 'Failed', 'Succeeded', 'Failed', 'Succeeded'] as const;
    for (const [i, phase] of outcomes.entries()) {
      await advanceTo(s, JAN1 + (i + 1) * H);
      launcher.finish(`run-${i + 1}`, phase);
    }
    await advanceTo(s, JAN1 + 6 * H);
    // run-6 is active; kept: succeeded run-5 and run-3, failed run-4.
    expect(launcher.pruned.sort()).toEqual(['run-1', 'run-2']);
    const kept = (await s.history('hourly')).map((d) => d.runId);
    expect(kept).toEqual(['run-6', 'run-5', 'run-4', 'run-3']);
  });

  it('a restart between ticks loses nothing, and a plan cut short by a crash is finished once', async () => {
    const first = scheduler();
    await first.add(hourly({ startingDeadlineSeconds: 600 }));
    await first.start();
    await advanceTo(first, JAN1 + H);
    expect(launcher.runs).toHaveLength(1);

    // The 02:00 tick is recorded, then submitting fails in a way worth retrying (the process "dies").
    launcher.failNext(new StoreError('STORE_DB_BUSY', 'database is locked'));
    await advanceTo(first, JAN1 + 2 * H);
    expect(launcher.runs).toHaveLength(1);
    expect(await new DecisionLog(mdb).incomplete('schedule')).toHaveLength(1);
    await first.stop();

    // Back up at 02:03, between the 02:00 and 03:00 ticks.
    clock.set(JAN1 + 2 * H + 3 * 60_000);
    const second = scheduler();
    await second.start();
    expect(launcher.runs.map((r) => r.request.labels[TRIGGER_LABELS.scheduledAt])).toEqual([
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T02:00:00.000Z',
    ]);
    expect(await new DecisionLog(mdb).incomplete('schedule')).toHaveLength(0);
    await advanceTo(second, JAN1 + 3 * H);
    expect(await decisions('hourly')).toEqual([
      { outcome: 'fired', at: '2026-01-01T01:00:00.000Z', runId: 'run-1' },
      { outcome: 'fired', at: '2026-01-01T02:00:00.000Z', runId: 'run-2' },
      { outcome: 'fired', at: '2026-01-01T03:00:00.000Z', runId: 'run-3' },
    ]);
  });

  it('a submission refused for good is recorded as failed, and the next tick still runs', async () => {
    const s = scheduler();
    await s.add(hourly({ parameters: { k: 'oops' } }));
    await s.start();
    launcher.failNext(new StoreError('STORE_CONSTRAINT_VIOLATION', 'k must be a number'));
    await advanceTo(s, JAN1 + 2 * H);
    const [first, second] = await s.history('hourly').then((l) => l.reverse());
    expect(first).toMatchObject({ outcome: 'failed', runId: null });
    expect(first.reason).toContain('STORE_CONSTRAINT_VIOLATION: k must be a number');
    expect(second).toMatchObject({ outcome: 'fired', runId: 'run-1' });
  });

  it('picks up a schedule another process added at its next refresh', async () => {
    const s = scheduler({ refreshIntervalMs: 60_000 });
    await s.start();
    await scheduler().add(hourly());
    expect(s.nextRun('hourly')).toBeUndefined();
    await advanceTo(s, JAN1 + 60_000);
    expect(s.nextRun('hourly')).toBe(JAN1 + H);
    await advanceTo(s, JAN1 + H);
    expect(launcher.runs).toHaveLength(1);
  });

  it('tells onDecision every final decision, and wakes at least daily for a far tick', async () => {
    const seen: string[] = [];
    const s = scheduler({
      refreshIntervalMs: 7 * DAY,
      onDecision: (d) => seen.push(`${d.outcome} ${d.runId}`),
    });
    await s.add(hourly({ concurrencyPolicy: 'Forbid' }));
    await s.add({ name: 'yearly', pipeline: 'recommender', cron: '0 0 1 1 *' });
    await s.start();
    expect(s.nextRun('yearly')).toBe(at('2027-01-01T00:00:00Z'));
    expect(clock.nextTimerAt()).toBe(JAN1 + H);
    await s.suspend('hourly');
    // Node's timers cannot wait a year; the scheduler re-arms after a day and finds nothing due.
    expect(clock.nextTimerAt()).toBe(JAN1 + DAY);
    await s.resume('hourly');
    await advanceTo(s, JAN1 + 2 * H);
    await s.runNow('hourly');
    expect(seen).toEqual(['fired run-1', 'skipped-forbid null', 'skipped-forbid null']);
    await advanceTo(s, JAN1 + 3 * DAY);
    expect(launcher.runs).toHaveLength(1);
  });

  it('keeps defaults idempotent and leaves edited ones alone', async () => {
    const s = scheduler();
    await s.ensureDefaultSchedules();
    await s.suspend('recommender-nightly');
    expect(await s.ensureDefaultSchedules()).toEqual([]);
    expect(await s.get('recommender-nightly')).toMatchObject({
      suspended: true,
      cron: '0 2 * * *',
      timezone: 'UTC',
      concurrencyPolicy: 'Replace',
      startingDeadlineSeconds: 600,
    });
  });

  it('update re-times from now; remove forgets; bad input names the field and changes nothing', async () => {
    const s = scheduler();
    await s.add(hourly());
    await s.start();
    clock.set(JAN1 + 30 * 60_000);
    const updated = await s.update('hourly', { cron: '*/5 * * * *' });
    expect(updated.nextRunAt).toBe(JAN1 + 35 * 60_000);
    expect(await decisions('hourly')).toEqual([]);

    await expect(s.update('hourly', { cron: '61 * * * *' })).rejects.toMatchObject({
      code: 'TRIGGERS_SCHEDULE_INVALID',
      field: 'cron',
    });
    await expect(s.add(hourly())).rejects.toMatchObject({ code: 'TRIGGERS_SCHEDULE_EXISTS', field: 'name' });
    await expect(s.add(hourly({ name: 'x', timezone: 'Mars/Olympus' }))).rejects.toMatchObject({
      code: 'TRIGGERS_SCHEDULE_INVALID',
      field: 'timezone',
    });
    await expect(s.add({ ...hourly({ name: 'y' }), every: 5 } as ScheduleInput)).rejects.toMatchObject({
      code: 'TRIGGERS_SCHEDULE_INVALID',
    });
    expect((await s.get('hourly')).cron).toBe('*/5 * * * *');

    await s.remove('hourly');
    expect(s.nextRun('hourly')).toBeUndefined();
    expect(await s.list()).toEqual([]);
    await advanceTo(s, JAN1 + DAY);
    expect(launcher.runs).toHaveLength(0);
  });
});
