import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { superviseWorkers, type WorkerHandle } from './workers.js';

/** A cluster worker as the supervisor sees it: messages and exits are driven by the test. */
class FakeWorker extends EventEmitter implements WorkerHandle {
  static nextPid = 100;
  readonly process = { pid: FakeWorker.nextPid++ };
  readonly sent: unknown[] = [];
  killed = false;
  send(message: unknown): boolean {
    this.sent.push(message);
    return true;
  }
  kill(): void {
    this.killed = true;
    queueMicrotask(() => this.emit('exit', 0, 'SIGTERM'));
  }
  ready(): void {
    this.emit('message', { type: 'bookml:ready', text: `ready ${this.process.pid}` });
  }
  crash(): void {
    this.emit('exit', 1, null);
  }
}

function cluster(workers: number) {
  const forked: FakeWorker[] = [];
  const logs: string[] = [];
  const clock = new ManualClock();
  const supervisor = superviseWorkers({
    workers,
    clock,
    fork: () => {
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
    await expect(supervisor.ready).rejects.toThrow(/exited before it was ready/);
    expect(forked).toHaveLength(2);
  });

  it('replaces a worker that exits after start-up, and asks only ready workers for metrics', async () => {
    const { forked, supervisor } = cluster(2);
    for (const w of forked) w.ready();
    await expect(supervisor.ready).resolves.toBe(`ready ${forked[0].process.pid}`);
    forked[1].crash();
    expect(forked).toHaveLength(3);
    // The replacement is not ready yet: a scrape asks worker 0 only, and is answered.
    forked[0].emit('message', { type: 'bookml:metrics-request', id: 1 });
    expect(forked[2].sent).toEqual([]);
    const ask = forked[0].sent.find((m) => (m as { type: string }).type === 'bookml:metrics-collect') as {
      id: number;
    };
    forked[0].emit('message', { type: 'bookml:metrics-text', id: ask.id, text: '' });
    await Promise.resolve();
    expect(forked[0].sent.some((m) => (m as { type: string }).type === 'bookml:metrics-merged')).toBe(true);
    forked[2].ready();
    forked[0].emit('message', { type: 'bookml:metrics-request', id: 2 });
    expect(forked[2].sent).toHaveLength(1);
    expect(supervisor.pids()).toEqual([forked[0].process.pid, forked[2].process.pid]);
    await supervisor.stop();
  });

  it('retries a replacement that keeps failing ever more slowly, never in a tight loop', async () => {
    const { forked, logs, clock, supervisor } = cluster(1);
    forked[0].ready();
    await supervisor.ready;
    forked[0].crash(); // replaced at once
    expect(forked).toHaveLength(2);
    forked[1].emit('message', { type: 'bookml:failed', message: 'no model' });
    forked[1].crash(); // replaced after 1 s
    expect(forked).toHaveLength(2);
    clock.advance(999);
    expect(forked).toHaveLength(2);
    clock.advance(1);
    expect(forked).toHaveLength(3);
    forked[2].crash(); // after 2 s
    clock.advance(1999);
    expect(forked).toHaveLength(3);
    clock.advance(1);
    expect(forked).toHaveLength(4);
    // Ready again: the next exit is replaced at once.
    forked[3].ready();
    forked[3].crash();
    expect(forked).toHaveLength(5);
    expect(logs.some((l) => l.includes('could not start: no model'))).toBe(true);
    expect(logs.some((l) => l.includes('in 2000 ms'))).toBe(true);
    // A stop cancels a pending replacement.
    forked[4].crash();
    await supervisor.stop();
    clock.advance(60_000);
    expect(forked).toHaveLength(5);
  });
});
