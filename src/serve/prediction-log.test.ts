import { describe, expect, it } from 'vitest';
import { memorySink, servedModel } from '../../test/serve-fixture.js';
import { ManualClock } from '../core/index.js';
import { PredictionLog, type PredictionSink } from './prediction-log.js';

const model = () => servedModel({ k: 5 });

describe('prediction log', () => {
  it('drops and counts records when the buffer is full, and never blocks', async () => {
    const m = await model();
    const counters = { recorded: 0, dropped: 0, written: 0, writeFailures: 0 };
    let release: () => void = () => {};
    const writes: number[] = [];
    const slowSink: PredictionSink = {
      write: (b) => {
        writes.push(b.length);
        return new Promise((r) => {
          release = r;
        });
      },
      close: async () => {},
    };
    const log = new PredictionLog({
      sink: slowSink,
      clock: new ManualClock(0),
      counters,
      capacity: 8,
      batchSize: 4,
      flushIntervalMs: 0,
    });
    for (let i = 0; i < 20; i++) log.recordItem(m, 'recommend', i % 10, String((i % 10) + 1), 3);
    expect(counters).toMatchObject({ recorded: 8, dropped: 12 });
    expect(log.pending).toBe(8);
    const flushing = log.flush();
    // The sink holds the first batch; the ring has room again for what it took.
    for (let i = 0; i < 10; i++) log.recordItem(m, 'recommend', 1, '2', 3);
    expect(counters.recorded).toBe(12);
    expect(counters.dropped).toBe(18);
    for (let n = 0; n < 3; n++) {
      release();
      await new Promise((r) => setImmediate(r));
    }
    release();
    await flushing;
    expect(writes.reduce((a, b) => a + b, 0)).toBe(12);
    expect(counters.written).toBe(12);
  });

  it('flushes on its interval, on the injected clock, and stops flushing once closed', async () => {
    const m = await model();
    const counters = { recorded: 0, dropped: 0, written: 0, writeFailures: 0 };
    const sink = memorySink();
    const clock = new ManualClock(0);
    const log = new PredictionLog({ sink, clock, counters, flushIntervalMs: 1000 });
    expect(clock.pendingTimers()).toBe(1);
    log.recordItem(m, 'recommend', 1, '2', 3);
    await clock.advanceAsync(999);
    expect(sink.records).toHaveLength(0);
    await clock.advanceAsync(1);
    expect(sink.records).toHaveLength(1);
    expect(log.pending).toBe(0);
    await log.close();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('samples deterministically and counts failed writes', async () => {
    const m = await model();
    const counters = { recorded: 0, dropped: 0, written: 0, writeFailures: 0 };
    const failing: PredictionSink = {
      write: async () => {
        throw new Error('disk full');
      },
      close: async () => {},
    };
    const log = new PredictionLog({
      sink: failing,
      clock: new ManualClock(0),
      counters,
      sampleRate: 0.25,
      flushIntervalMs: 0,
    });
    for (let i = 0; i < 100; i++) log.recordItem(m, 'recommend', 1, '2', 3);
    expect(counters.recorded).toBe(25);
    await log.close();
    expect(counters.writeFailures).toBe(1);
    expect(counters.written).toBe(0);
  });

  it('keeps at most maxPerSecond records a second, spread over the second when traffic is steady', async () => {
    const m = await model();
    const counters = { recorded: 0, dropped: 0, written: 0, writeFailures: 0 };
    const clock = new ManualClock(0);
    const log = new PredictionLog({
      sink: memorySink(),
      clock,
      counters,
      maxPerSecond: 100,
      capacity: 100_000,
      flushIntervalMs: 0,
    });
    const perSecond: number[] = [];
    const firstHalf: number[] = [];
    for (let s = 0; s < 4; s++) {
      const before = counters.recorded;
      // 1,000 answers a second, 1 ms apart.
      for (let i = 0; i < 1000; i++) {
        if (i === 500) firstHalf.push(counters.recorded - before);
        log.recordItem(m, 'recommend', i % 10, String((i % 10) + 1), 3);
        clock.advance(1);
      }
      perSecond.push(counters.recorded - before);
    }
    // The first second records its first 100 answers; every later one a tenth of them, across the second.
    // (The share is a running credit of 0.1 per answer, so a second may keep 99.)
    expect(perSecond[0]).toBe(100);
    for (const n of perSecond.slice(1)) expect(n === 99 || n === 100).toBe(true);
    expect(firstHalf[0]).toBe(100);
    for (const n of firstHalf.slice(1)) expect(Math.abs(n - 50)).toBeLessThanOrEqual(1);
    // Quiet traffic is recorded whole again.
    clock.advance(5000);
    const before = counters.recorded;
    for (let i = 0; i < 10; i++) log.recordItem(m, 'recommend', 1, '2', 3);
    expect(counters.recorded - before).toBe(10);
  });

  it('writes the same record as JSON lines and as objects', async () => {
    const m = await model();
    const sink = memorySink();
    const counters = { recorded: 0, dropped: 0, written: 0, writeFailures: 0 };
    const log = new PredictionLog({
      sink,
      clock: new ManualClock(Date.UTC(2026, 0, 1)),
      counters,
      flushIntervalMs: 0,
    });
    log.recordItem(m, 'recommend', -1, '99999', 3);
    log.recordBasket(m, Int32Array.from([0, 1]), [1, 2], 4);
    // A known book twice: the second line comes from the cached tail, byte for byte the same.
    log.recordItem(m, 'v1', 2, 3, 3);
    log.recordItem(m, 'v1', 2, 3, 3);
    await log.close();
    expect(sink.records[0]).toMatchObject({
      time: '2026-01-01T00:00:00.000Z',
      version: 'v1',
      book_ids: [99999],
      fallback: true,
      route: 'recommend',
    });
    expect(sink.records[1]).toMatchObject({ route: 'basket', book_ids: [1, 2], k: 4 });
    expect(sink.records[2]).toMatchObject({ route: 'v1', book_ids: [3], k: 3, fallback: false });
    expect(sink.lines[3]).toBe(sink.lines[2]);
    expect(sink.lines.map((l) => JSON.parse(l))).toEqual(sink.records);
  });

  it('writes every batch whole although batches share one buffer', async () => {
    const m = await model();
    const bytes: Buffer[] = [];
    const lines: string[] = [];
    // Keeps a copy of each batch's bytes, taken during its write (the buffer is reused after).
    const sink: PredictionSink = {
      write: async (b) => {
        bytes.push(Buffer.from(b.jsonBytes?.() ?? Buffer.alloc(0)));
        lines.push(b.jsonLines());
      },
      close: async () => {},
    };
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const counters = { recorded: 0, dropped: 0, written: 0, writeFailures: 0 };
    const log = new PredictionLog({ sink, clock, counters, batchSize: 3, flushIntervalMs: 0 });
    // Batches of 3 records, then of 1: a later, shorter batch must not carry bytes of an earlier one.
    for (let i = 0; i < 7; i++) {
      clock.set(Date.UTC(2026, 0, 1) + i);
      log.recordItem(m, 'recommend', i % 5, null, 1 + (i % 3));
    }
    await log.close();
    expect(bytes.map((b) => b.toString('utf8'))).toEqual(lines);
    const records = lines.flatMap((t) => t.trimEnd().split('\n')).map((l) => JSON.parse(l));
    expect(records.map((r) => [r.time.slice(20), r.book_ids.length, r.k])).toEqual(
      Array.from({ length: 7 }, (_, i) => [`00${i}Z`, 1, 1 + (i % 3)]),
    );
    expect(lines.map((t) => t.split('\n').length - 1)).toEqual([3, 3, 1]);
  });
});
