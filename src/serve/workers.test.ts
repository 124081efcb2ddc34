import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { superviseWorkers, type WorkerHandle } from './workers.js';

/** A cluster worker as the supervisor sees it: messages and exits are driven by the test. */
class FakeWorker extends EventEmitter implements WorkerHandle {
  static nextPid = 100;
  readonly process: { pid: number | undefined } = { pid: FakeWorker.nextPid++ };
  readonly sent: unknown[] = [];
  killed = false;
  connected = true;
  isConnected(): boolean {
    return this.connected;
  }
  send(message: unknown): boolean {
    if (!this.connected) throw new Error('send to a closed channel');
    this.sent.push(message);
    return true;
  }
  kill(): void {
    this.killed = true;
    queueMicrotask(() => this.crash(0, 'SIGTERM'));
  }
  ready(): void {
    this.emit('message', { type: 'bookml:ready', text: `ready ${this.process.pid}` });
  }
  crash(code = 1, signal: string | null = null): void {
    if (!this.connected) return;
    this.connected = false;
    this.emit('exit', code, signal);
  }
  /** The metrics collections the supervisor asked this worker for. */
  asked(): number[] {
    return this.sent
      .filter((m) => (m as { type: string }).type === 'bookml:metrics-collect')
      .map((m) => (m as { id: number }).id);
  }
}

function cluster(workers: number, refuse?: (nth: number) => boolean) {
  const forked: FakeWorker[] = [];
  const logs: string[] = [];
  const clock = new ManualClock();
  let forks = 0;
  const supervisor = superviseWorkers({
    workers,
    clock,
    fork: () => {
      if (refuse?.(forks++)) throw new Error('EAGAIN');
      const w = new FakeWorker();
      forked.push(w);
      return w;
    },
    log: (line) => logs.push(line),
  });
  return { forked, logs, clock, supervisor };
}

describe('superviseWorkers', () => {
  it('rejects ready at the first worker refusal, with its code, without waiting for it to exit', async () => {
    const { forked, supervisor } = cluster(2);
    forked[0].emit('message', {
      type: 'bookml:failed',
      code: 'SERVE_CANNOT_LISTEN',
      message: 'port 1 is taken',
      field: 'port',
      exitCode: 2,
    });
    await expect(supervisor.ready).rejects.toMatchObject({ code: 'SERVE_CANNOT_LISTEN', field: 'port' });
    await supervisor.stop();
    expect(forked.every((w) => w.killed)).toBe(true);
  });

  it('rejects ready when a worker exits before it is ready', async () => {
    const { forked, supervisor } = cluster(2);
    forked[1].ready();
    forked[0].crash();
    await expect(supervisor.ready).rejects.toThrow(/exited \(1\) before it was ready/);
    expect(forked).toHaveLength(2);
  });

  it('replaces a worker that was ready and died while the others were still starting', async () => {
    const { forked, supervisor } = cluster(2);
    forked[0].ready();
    forked[0].crash(137);
    expect(forked).toHaveLength(3);
    forked[1].ready();
    forked[2].ready();
    await expect(supervisor.ready).resolves.toBe(`ready ${forked[2].process.pid}`);
    expect(supervisor.pids()).toEqual([forked[2].process.pid, forked[1].process.pid]);
    await supervisor.stop();
  });

  it('replaces a worker that exits after start-up, and asks only ready workers for metrics', async () => {
    const { forked, supervisor } = cluster(2);
    for (const w of forked) w.ready();
    await expect(supervisor.ready).resolves.toBe(`ready ${forked[0].process.pid}`);
    forked[1].crash();
    expect(forked).toHaveLength(3);
    // A late message from the dead worker does not make its slot ready.
    forked[1].ready();
    // The replacement is not ready yet: a scrape asks worker 0 only, and is answered.
    forked[0].emit('message', { type: 'bookml:metrics-request', id: 1 });
    expect(forked[2].asked()).toEqual([]);
    forked[0].emit('message', { type: 'bookml:metrics-text', id: forked[0].asked()[0], text: '' });
    await new Promise((r) => setImmediate(r));
    expect(forked[0].sent.some((m) => (m as { type: string }).type === 'bookml:metrics-merged')).toBe(true);
    forked[2].ready();
    forked[0].emit('message', { type: 'bookml:metrics-request', id: 2 });
    expect(forked[2].asked()).toHaveLength(1);
    expect(supervisor.pids()).toEqual([forked[0].process.pid, forked[2].process.pid]);
    await supervisor.stop();
  });

  it('stops waiting for a worker that exits during a scrape, and answers no dead worker', async () => {
    const { forked, supervisor } = cluster(2);
    for (const w of forked) w.ready();
    await supervisor.ready;
    forked[0].emit('message', { type: 'bookml:metrics-request', id: 7 });
    forked[1].emit('message', { type: 'bookml:metrics-text', id: forked[1].asked()[0], text: '' });
    // Worker 0 asked, then died before its own text came: the scrape ends now, and its answer is
    // not sent to the closed channel (which would raise an error in the primary).
    forked[0].crash();
    await new Promise((r) => setImmediate(r));
    expect(forked[0].sent.some((m) => (m as { type: string }).type === 'bookml:metrics-merged')).toBe(false);
    forked[1].emit('message', { type: 'bookml:metrics-request', id: 8 });
    expect(forked[2].asked()).toEqual([]);
    forked[1].emit('message', { type: 'bookml:metrics-text', id: forked[1].asked()[1], text: '' });
    await new Promise((r) => setImmediate(r));
    expect(forked[1].sent.some((m) => (m as { type: string }).type === 'bookml:metrics-merged')).toBe(true);
    await supervisor.stop();
  });

  it('ends a scrape as soon as a worker it waits for exits, not after the 2 s wait', async () => {
    const { forked, supervisor } = cluster(2);
    for (const w of forked) w.ready();
    await supervisor.ready;
    forked[1].emit('message', { type: 'bookml:metrics-request', id: 3 });
    forked[1].emit('message', { type: 'bookml:metrics-text', id: forked[1].asked()[0], text: '' });
    // Worker 0 was asked too and exits without answering; the clock never moves here.
    forked[0].crash();
    await new Promise((r) => setImmediate(r));
    expect(forked[1].sent.some((m) => (m as { type: string }).type === 'bookml:metrics-merged')).toBe(true);
    await supervisor.stop();
  });

  it('survives an error on a worker, and replaces one the system would not start', async () => {
    const { forked, logs, clock, supervisor } = cluster(2, (nth) => nth === 3);
    for (const w of forked) w.ready();
    await supervisor.ready;
    // A send to a closed channel: logged, the primary goes on, the worker keeps its slot.
    forked[0].emit('error', new Error('channel closed'));
    expect(logs.some((l) => l.includes('channel closed'))).toBe(true);
    expect(forked).toHaveLength(2);
    // A process that never started: 'error' without a pid, and no 'exit'. Its slot is replaced.
    forked[1].crash();
    expect(forked).toHaveLength(3);
    forked[2].process.pid = undefined;
    forked[2].emit('error', new Error('spawn ENOENT'));
    // The next fork throws (the 4th): retried later, not in a loop, and stop() still returns.
    clock.advance(1000);
    expect(supervisor.pids()).toEqual([forked[0].process.pid, 0]);
    clock.advance(2000);
    expect(forked).toHaveLength(4);
    expect(logs.some((l) => l.includes('could not be started (EAGAIN)'))).toBe(true);
    await supervisor.stop();
  });

  it('fails start-up when a worker cannot be started at all, and stops', async () => {
    const { supervisor } = cluster(2, (nth) => nth === 1);
    await expect(supervisor.ready).rejects.toThrow(/could not be started \(EAGAIN\) before it was ready/);
    await supervisor.stop();
  });

  it('retries a worker that keeps dying ever more slowly, never in a tight loop', async () => {
    const { forked, logs, clock, supervisor } = cluster(1);
    forked[0].ready();
    await supervisor.ready;
    clock.advance(10_000);
    forked[0].crash(); // up 10 s: replaced at once
    expect(forked).toHaveLength(2);
    forked[1].emit('message', { type: 'bookml:failed', message: 'no model' });
    /** The next worker is forked `ms` after now, not a moment sooner. */
    const replacedAfter = (ms: number) => {
      const n = forked.length;
      clock.advance(ms - 1);
      expect(forked).toHaveLength(n);
      clock.advance(1);
      expect(forked).toHaveLength(n + 1);
    };
    forked[1].crash(); // replaced after 1 s
    expect(forked).toHaveLength(2);
    expect(supervisor.pids()).toEqual([0]);
    replacedAfter(1000);
    forked[2].crash();
    replacedAfter(2000);
    // Ready, but dead within 10 s (a crash on the first request): still slower, 4 s.
    forked[3].ready();
    clock.advance(500);
    forked[3].crash();
    replacedAfter(4000);
    // Up 10 s: the next exit is replaced at once.
    forked[4].ready();
    clock.advance(10_000);
    forked[4].crash();
    expect(forked).toHaveLength(6);
    expect(logs.some((l) => l.includes('could not start: no model'))).toBe(true);
    expect(logs.some((l) => l.includes('in 2000 ms'))).toBe(true);
    // A stop cancels a pending replacement.
    forked[5].crash();
    await supervisor.stop();
    clock.advance(60_000);
    expect(forked).toHaveLength(6);
  });
});
