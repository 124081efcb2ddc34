import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/index.js';
import { getRunDetail, requestShutdown, submitRun } from '../src/pipeline/executor/index.js';
import { type Harness, startHarness, until, withTimeFlowing } from './fixtures/pipelines/harness.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Retries with backoff (on a fake clock), timeouts, stop, terminate, mutexes. */
describe('executor failures', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  const node = async (runId: string, nodeId: string) =>
    (await getRunDetail(h.db, runId)).nodes.find((n) => n.nodeId === nodeId);

  it('retries a failed attempt after the backoff the policy gives, measured on the injected clock', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    h = await startHarness({ clock });
    const dir = join(h.dir, 'flaky');
    const run = await submitRun(h.db, h.catalog, { pipeline: 'flaky', params: { dir, failures: 1 } });
    h.engine.wake();
    await until(
      async () => ((await node(run.id, 'flaky'))?.attempts[0]?.phase === 'Failed' ? true : undefined),
      'attempt 1 to fail',
    );
    clock.advance(29_000);
    h.engine.wake();
    await new Promise((r) => setTimeout(r, 300));
    expect((await node(run.id, 'flaky'))?.attempts.length).toBe(1);
    expect((await node(run.id, 'flaky'))?.phase).toBe('Running');
    // No wake(): moving the clock fires the engine's timers (the retry's wake-up, the poll).
    clock.advance(1_000);
    await until(
      async () => ((await node(run.id, 'flaky'))?.attempts.length === 2 ? true : undefined),
      'attempt 2 to start',
    );
    const done = await h.engine.waitForRun(run.id);
    expect(done.phase).toBe('Succeeded');
    const flaky = await node(run.id, 'flaky');
    expect(flaky?.attempts.map((a) => [a.attempt, a.phase])).toEqual([
      [1, 'Failed'],
      [2, 'Succeeded'],
    ]);
    expect(flaky!.attempts[1].startedAt - flaky!.attempts[0].finishedAt!).toBe(30_000);
    expect(flaky?.outputs).toEqual({ params: { tries: 2 }, artifacts: {} });
  });

  it('kills the whole process tree of a step that exceeds its timeout', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    h = await startHarness({ clock });
    const pidFile = join(h.dir, 'grandchild.pid');
    const run = await submitRun(h.db, h.catalog, { pipeline: 'hang', params: { pidFile } });
    h.engine.wake();
    await until(
      () => (existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '' ? true : undefined),
      'the step to start its grandchild',
    );
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    const stepPid = (await node(run.id, 'hang'))?.attempts[0].pid as number;
    expect(alive(grandchild)).toBe(true);
    clock.advance(5_001);
    h.engine.wake();
    // The step ignores SIGTERM: it dies by the SIGKILL that follows the grace period, on the same clock.
    const done = await withTimeFlowing(clock, 50, () => h.engine.waitForRun(run.id));
    expect(done.phase).toBe('Failed');
    const hang = await node(run.id, 'hang');
    expect(hang?.phase).toBe('Failed');
    expect(hang?.attempts[0].errorCode).toBe('STEP_TIMEOUT');
    expect((await node(run.id, 'after-hang'))?.phase).toBe('Omitted');
    await until(
      () => (!alive(grandchild) && !alive(stepPid) ? true : undefined),
      'the process tree to be gone',
    );
  });

  it('terminate kills running steps at once; the run fails', async () => {
    h = await startHarness();
    const pidFile = join(h.dir, 'grandchild.pid');
    const run = await submitRun(h.db, h.catalog, { pipeline: 'hang', params: { pidFile } });
    h.engine.wake();
    await until(
      () => (existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '' ? true : undefined),
      'the step to start',
    );
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await requestShutdown(h.db, run.id, 'terminate');
    h.engine.wake();
    const done = await h.engine.waitForRun(run.id);
    expect(done.phase).toBe('Failed');
    expect(done.message).toBe('run terminated');
    expect((await node(run.id, 'hang'))?.attempts[0].errorCode).toBe('STEP_TERMINATED');
    expect((await node(run.id, 'after-hang'))?.phase).toBe('Omitted');
    await until(() => (!alive(grandchild) ? true : undefined), 'the grandchild to be killed');
    await expect(requestShutdown(h.db, run.id, 'stop')).rejects.toMatchObject({
      code: 'RUN_ALREADY_FINISHED',
    });
  });

  it('stop lets the running step finish and starts nothing new', async () => {
    h = await startHarness();
    const run = await submitRun(h.db, h.catalog, { pipeline: 'crash', params: { ms: 700 } });
    h.engine.wake();
    await until(
      async () => ((await node(run.id, 'first'))?.attempts.length === 1 ? true : undefined),
      'first to start',
    );
    await requestShutdown(h.db, run.id, 'stop');
    h.engine.wake();
    const done = await h.engine.waitForRun(run.id);
    expect(done.phase).toBe('Failed');
    expect(done.message).toBe('run stopped');
    const phases = Object.fromEntries(
      (await getRunDetail(h.db, run.id)).nodes.map((n) => [n.nodeId, n.phase]),
    );
    expect(phases).toEqual({ first: 'Succeeded', fan: 'Omitted', combine: 'Omitted' });
  });

  it('a pipeline mutex keeps two runs from overlapping', async () => {
    h = await startHarness();
    const a = await submitRun(h.db, h.catalog, { pipeline: 'locked', params: { tag: 'a', ms: 400 } });
    const b = await submitRun(h.db, h.catalog, { pipeline: 'locked', params: { tag: 'b', ms: 400 } });
    h.engine.wake();
    const [ra, rb] = await Promise.all([h.engine.waitForRun(a.id), h.engine.waitForRun(b.id)]);
    expect([ra.phase, rb.phase]).toEqual(['Succeeded', 'Succeeded']);
    const [first, second] = [ra, rb].sort((x, y) => (x.startedAt ?? 0) - (y.startedAt ?? 0));
    expect(second.startedAt!).toBeGreaterThanOrEqual(first.finishedAt!);
  });

  it('a task mutex makes fan-out children take turns', async () => {
    h = await startHarness();
    const run = await submitRun(h.db, h.catalog, { pipeline: 'serial', params: {} });
    h.engine.wake();
    expect((await h.engine.waitForRun(run.id)).phase).toBe('Succeeded');
    const spans = (await getRunDetail(h.db, run.id)).nodes
      .filter((n) => n.parentNodeId === 'nap')
      .map((n) => [n.attempts[0].startedAt, n.attempts[0].finishedAt as number])
      .sort((a, b) => a[0] - b[0]);
    expect(spans.length).toBe(3);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
  });

  it("a run past its pipeline's deadline is terminated", async () => {
    const clock = new ManualClock(1_700_000_000_000);
    h = await startHarness({ clock });
    const pidFile = join(h.dir, 'deadline.pid');
    const run = await submitRun(h.db, h.catalog, { pipeline: 'deadline', params: { pidFile } });
    h.engine.wake();
    await until(
      () => (existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '' ? true : undefined),
      'the step to start',
    );
    clock.advance(10_001);
    h.engine.wake();
    const done = await withTimeFlowing(clock, 50, () => h.engine.waitForRun(run.id));
    expect(done.phase).toBe('Failed');
    expect(done.message).toBe('run deadline of 10s exceeded');
  });
});
