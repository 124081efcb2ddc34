import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import {
  ExecutorStore,
  type MetadataDb,
  openMetadataDb,
  RunStore,
  resolveWorkspace,
  type Workspace,
} from '../../store/index.js';
import { executorPresence, isRunStale } from './executor-daemon.js';
import { watchRun } from './run-watch.js';

const T0 = 1_700_000_000_000;
// Another host: its liveness is its heartbeat alone (no pid to probe), which the test controls.
const ELSEWHERE = { pid: 4242, hostname: 'executor-elsewhere.test' };

/** The watch on virtual time: a real SQLite store, a ManualClock shared by the store and the watch. */
describe('watchRun', () => {
  let dir: string;
  let ws: Workspace;
  let db: MetadataDb;
  let clock: ManualClock;
  let runs: RunStore;
  let executors: ExecutorStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bookml-watch-'));
    ws = resolveWorkspace(join(dir, '.bookml'));
    clock = new ManualClock(T0);
    db = await openMetadataDb({ workspace: ws, clock });
    runs = new RunStore(db);
    executors = new ExecutorStore(db);
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Move virtual time in `stepMs` steps until `p` settles, calling `each` first at every step. */
  async function drive<T>(p: Promise<T>, stepMs: number, each?: () => Promise<void>): Promise<T> {
    let settled = false;
    p.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let i = 0; i < 10_000 && !settled; i++) {
      await each?.();
      await clock.advanceAsync(stepMs);
    }
    return p;
  }

  it('follows a run served by a live executor to its end, reporting each read', async () => {
    const gen = (await executors.register(ELSEWHERE)).generation;
    const run = await runs.createRun({ pipeline: 'p', parameters: {} });
    await runs.transitionRun(run.id, 'Running');
    const seen: string[] = [];
    const watching = watchRun(db, ws, run.id, {
      clock,
      executorTimeoutMs: 1_000,
      onUpdate: (r) => seen.push(r.phase),
    });
    let steps = 0;
    const done = await drive(watching, 150, async () => {
      await executors.heartbeat(gen);
      if (++steps === 40) await runs.transitionRun(run.id, 'Succeeded');
    });
    expect(done.phase).toBe('Succeeded');
    expect(seen.at(-1)).toBe('Succeeded');
    expect(seen.filter((p) => p === 'Running').length).toBeGreaterThan(10);
  });

  it('gives up with RUN_EXECUTOR_LOST once the executor of a Running run is gone for the timeout', async () => {
    const gen = (await executors.register(ELSEWHERE)).generation;
    const run = await runs.createRun({ pipeline: 'p', parameters: {} });
    await runs.transitionRun(run.id, 'Running');
    let lastBeat = clock.now();
    let steps = 0;
    const watching = watchRun(db, ws, run.id, { clock });
    const err = await drive(watching, 500, async () => {
      // Alive for 10 s of virtual time, then killed: no more heartbeats.
      if (++steps <= 20) {
        await executors.heartbeat(gen);
        lastBeat = clock.now();
      }
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RUN_EXECUTOR_LOST', status: 503, field: 'executor' });
    expect((err as Error).message).toContain('`bookml run executor`');
    expect((err as Error).message).toContain(`bookml run retry ${run.id}`);
    // Not before the default 30 s heartbeat timeout, and soon after it.
    expect(clock.now() - lastBeat).toBeGreaterThanOrEqual(30_000);
    expect(clock.now() - lastBeat).toBeLessThanOrEqual(30_000 + 2_000 + 1_000);
  });

  it('a Running run whose executor stopped cleanly is lost too, counted from the stop', async () => {
    const gen = (await executors.register(ELSEWHERE)).generation;
    const run = await runs.createRun({ pipeline: 'p', parameters: {} });
    await runs.transitionRun(run.id, 'Running');
    clock.advance(5_000);
    await executors.markStopped(gen);
    const stoppedAt = clock.now();
    const err = await drive(watchRun(db, ws, run.id, { clock, executorTimeoutMs: 3_000 }), 100).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'RUN_EXECUTOR_LOST' });
    expect(clock.now() - stoppedAt).toBeGreaterThanOrEqual(3_000);
    expect(clock.now() - stoppedAt).toBeLessThan(3_000 + 1_500 + 200);
  });

  it('a Pending run with no executor at all is RUN_NO_EXECUTOR after a few seconds', async () => {
    const run = await runs.createRun({ pipeline: 'p', parameters: {} });
    const err = await drive(watchRun(db, ws, run.id, { clock }), 250).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RUN_NO_EXECUTOR' });
    expect((err as Error).message).toContain('bookml run executor');
    expect(clock.now() - T0).toBeGreaterThanOrEqual(5_000);
    expect(clock.now() - T0).toBeLessThan(5_000 + 2_000 + 500);
  });
});

describe('isRunStale', () => {
  const none = { live: undefined, lastSeenAt: T0 };
  it('only a run still going, with no live executor, past the timeout', () => {
    const running = { phase: 'Running' as const, createdAt: T0 - 60_000 };
    expect(isRunStale(running, none, T0 + 29_999)).toBe(false);
    expect(isRunStale(running, none, T0 + 30_000)).toBe(true);
    expect(isRunStale(running, none, T0 + 1_000, 1_000)).toBe(true);
    expect(isRunStale(running, { live: { generation: 1, pid: 1 }, lastSeenAt: T0 }, T0 + 99_000)).toBe(false);
    expect(isRunStale({ ...running, phase: 'Succeeded' }, none, T0 + 99_000)).toBe(false);
  });
  it('counts from the run’s creation when it came after the last executor, or when none ever ran', () => {
    const pending = { phase: 'Pending' as const, createdAt: T0 + 10_000 };
    expect(isRunStale(pending, none, T0 + 39_999)).toBe(false);
    expect(isRunStale(pending, none, T0 + 40_000)).toBe(true);
    expect(isRunStale(pending, { live: undefined, lastSeenAt: null }, T0 + 40_000)).toBe(true);
  });
});

describe('executorPresence', () => {
  it('finds the live executor and when any was last seen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bookml-presence-'));
    const clock = new ManualClock(T0);
    const db = await openMetadataDb({ workspace: resolveWorkspace(join(dir, '.bookml')), clock });
    try {
      expect(await executorPresence(db)).toEqual({ live: undefined, lastSeenAt: null });
      const executors = new ExecutorStore(db);
      const a = await executors.register(ELSEWHERE);
      clock.advance(1_000);
      await executors.markStopped(a.generation);
      const b = await executors.register(ELSEWHERE);
      expect(await executorPresence(db, 5_000)).toEqual({
        live: { generation: b.generation, pid: ELSEWHERE.pid },
        lastSeenAt: T0 + 1_000,
      });
      clock.advance(5_001);
      expect(await executorPresence(db, 5_000)).toEqual({ live: undefined, lastSeenAt: T0 + 1_000 });
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
