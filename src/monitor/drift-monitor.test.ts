import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ManualClock, Rng } from '../core/index.js';
import type { PredictionRecord } from '../store/predictions/index.js';
import { DriftMonitor } from './drift-monitor.js';
import type { DriftMonitorOptions, DriftPublisher } from './drift-monitor-options.js';
import type { DriftEventPayload } from './drift-status.js';
import { MONITOR_FILES, readDriftStatus } from './monitor-files.js';
import { monitorMetrics } from './monitor-metrics.js';

const T0 = Date.UTC(2026, 2, 1, 12);
const MINUTE = 60_000;

interface TrafficSpec {
  n: number;
  /** Share of requests for long-tail books. */
  tail?: number;
  version?: string;
  role?: 'primary' | 'canary';
  seed?: number;
  /** Time of the first answer, and the gap between answers. */
  at?: number;
  stepMs?: number;
}

/** Records whose features follow a fixed mix; `tail` moves requests to rarely bought books. */
function traffic(spec: TrafficSpec): PredictionRecord[] {
  const rng = new Rng(spec.seed ?? 1);
  const rank = () =>
    rng.next() < (spec.tail ?? 0) ? 500 + rng.int(500) : 1 + Math.floor(999 * rng.next() ** 3);
  return Array.from({ length: spec.n }, (_, i) => {
    const fallback = rng.next() < 0.05;
    return {
      time: new Date((spec.at ?? T0) + i * (spec.stepMs ?? 10)).toISOString(),
      version: spec.version ?? '7',
      role: spec.role ?? 'primary',
      route: 'recommend',
      book_ids: [i],
      k: 3,
      returned: [1, 2, 3],
      scores: [0.2 + 0.6 * rng.next(), 0.1, 0.05],
      fallback,
      book_ranks: [fallback ? null : rank()],
      returned_ranks: [rank(), rank(), rank()],
    };
  });
}

function workspace() {
  const root = mkdtempSync(join(tmpdir(), 'bookml-drift-'));
  const predictions = join(root, 'predictions');
  mkdirSync(predictions);
  const write = (records: PredictionRecord[], file = 'predictions-2026-03-01.jsonl') =>
    appendFileSync(join(predictions, file), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return { root, predictions, monitorDir: join(root, 'monitor'), write };
}

function publisher(): DriftPublisher & {
  sent: { payload: DriftEventPayload; key: string }[];
  fail: boolean;
} {
  const p = {
    sent: [] as { payload: DriftEventPayload; key: string }[],
    fail: false,
    async publish(topic: string, payload: DriftEventPayload, opts: { dedupeKey: string }) {
      expect(topic).toBe('ml.drift');
      if (p.fail) throw new Error('bus down');
      p.sent.push({ payload, key: opts.dedupeKey });
    },
  };
  return p;
}

const SMALL = {
  referenceSize: 500,
  testRecords: 500,
  minWindow: 200,
  minFeatureValues: 50,
  intervalMs: 10_000,
};

function setup(opts: Partial<DriftMonitorOptions> = {}) {
  const ws = workspace();
  const clock = new ManualClock(T0);
  const bus = publisher();
  const make = (more: Partial<DriftMonitorOptions> = {}) =>
    new DriftMonitor({
      predictionsDir: ws.predictions,
      monitorDir: ws.monitorDir,
      clock,
      publisher: bus,
      ...SMALL,
      ...opts,
      ...more,
    });
  return { ws, clock, bus, monitor: make(), make };
}

describe('DriftMonitor', () => {
  it('tests nothing until the reference is complete and the test window has its minimum', async () => {
    const { ws, monitor } = setup();
    ws.write(traffic({ n: 400 }));
    let s = await monitor.runOnce();
    expect(s.windows.reference).toMatchObject({
      records: 400,
      target: 500,
      complete: false,
      kind: 'traffic',
    });
    expect(s.decision).toBeNull();
    ws.write(traffic({ n: 250, seed: 2 }));
    s = await monitor.runOnce();
    expect(s.windows.reference).toMatchObject({ records: 500, complete: true });
    expect(s.windows.test.records).toBe(150);
    expect(s.decision).toBeNull();
    ws.write(traffic({ n: 100, seed: 3 }));
    s = await monitor.runOnce();
    expect(s.windows.test.records).toBe(250);
    expect(s.decision?.is_drift).toBe(false);
    expect(s.features.map((f) => f.name)).toEqual([
      'requested_rank',
      'top_score',
      'fallback',
      'recommended_rank',
    ]);
    for (const f of s.features) {
      expect(f.statistic).toBeGreaterThanOrEqual(0);
      expect(f.p_value).toBeGreaterThan(0);
    }
  });

  it('raises no event on unshifted traffic and one on shifted traffic, with the payload and a dedupe key', async () => {
    const { ws, clock, bus, monitor } = setup();
    ws.write(traffic({ n: 500 }));
    ws.write(traffic({ n: 500, seed: 2 }));
    expect((await monitor.runOnce()).decision?.is_drift).toBe(false);
    expect(bus.sent).toEqual([]);

    clock.set(T0 + MINUTE);
    ws.write(traffic({ n: 500, seed: 3, tail: 0.6 }));
    const s = await monitor.runOnce();
    expect(s.decision?.is_drift).toBe(true);
    expect(bus.sent).toHaveLength(1);
    const { payload, key } = bus.sent[0];
    expect(key).toBe('ml.drift:recommender:7:1');
    expect(payload).toMatchObject({
      model: 'recommender',
      version: '7',
      detected_at: new Date(T0 + MINUTE).toISOString(),
      correction: 'bonferroni',
      alpha: 0.05,
      min_effect: 0.1,
      windows: { reference: { kind: 'traffic', records: 500 }, test: { records: 500 } },
    });
    const rank = payload.features.find((f) => f.name === 'requested_rank');
    expect(rank).toMatchObject({ drift: true });
    expect(rank?.corrected_p).toBeCloseTo(Math.min(1, (rank?.p_value ?? 1) * 4), 12);
    expect(s.events).toEqual([payload]);
    expect(s.cooldown_until).toBe(new Date(T0 + MINUTE + 3_600_000).toISOString());
  });

  it('keeps drift inside the cool-down out of the bus, and raises the next event after it', async () => {
    const { ws, clock, bus, monitor } = setup({ cooldownMs: 30 * MINUTE });
    ws.write(traffic({ n: 500 }));
    ws.write(traffic({ n: 500, seed: 3, tail: 0.6 }));
    await monitor.runOnce();
    expect(bus.sent).toHaveLength(1);

    clock.set(T0 + 29 * MINUTE);
    ws.write(traffic({ n: 100, seed: 4, tail: 0.6 }));
    const inside = await monitor.runOnce();
    expect(inside.decision?.is_drift).toBe(true);
    expect(inside.decision?.reason).toContain('cool-down until');
    expect(bus.sent).toHaveLength(1);

    clock.set(T0 + 30 * MINUTE);
    ws.write(traffic({ n: 100, seed: 5, tail: 0.6 }));
    await monitor.runOnce();
    expect(bus.sent.map((e) => e.key)).toEqual(['ml.drift:recommender:7:1', 'ml.drift:recommender:7:2']);
  });

  it('does not test a window that has not moved since its last test', async () => {
    const { ws, clock, bus, monitor } = setup({ cooldownMs: 0 });
    ws.write(traffic({ n: 500 }));
    ws.write(traffic({ n: 500, seed: 3, tail: 0.6 }));
    const first = await monitor.runOnce();
    clock.set(T0 + MINUTE);
    const second = await monitor.runOnce();
    expect(second.decision?.tested_at).toBe(first.decision?.tested_at);
    expect(bus.sent).toHaveLength(1);
  });

  it('reads only what is new on each pass, across rotated files, and skips torn lines', async () => {
    const { ws, monitor } = setup();
    ws.write(traffic({ n: 300 }));
    expect((await monitor.runOnce()).log.records_read).toBe(300);
    expect((await monitor.runOnce()).log.records_read).toBe(300);
    ws.write(traffic({ n: 200, seed: 2 }));
    appendFileSync(join(ws.predictions, 'predictions-2026-03-01.jsonl'), '{"time":"2026-03-01T1');
    ws.write(traffic({ n: 100, seed: 3 }), 'predictions-2026-03-01.1.jsonl');
    const s = await monitor.runOnce();
    expect(s.log).toMatchObject({ records_read: 600, torn_lines: 1, malformed_lines: 0 });
    expect(s.windows.reference.records).toBe(500);
    expect(s.windows.test.records).toBe(100);
  });

  it('follows the production version: a new one restarts the windows; others and the canary are ignored', async () => {
    let production: string | null = '7';
    const { ws, monitor } = setup({ production: { currentVersion: async () => production } });
    ws.write(traffic({ n: 300 }));
    ws.write(traffic({ n: 50, version: '8', role: 'canary' }));
    ws.write(traffic({ n: 50, version: '6' }));
    let s = await monitor.runOnce();
    expect(s.version).toBe('7');
    expect(s.windows.reference.records).toBe(300);
    expect(s.log.records_ignored).toBe(100);

    production = '8';
    ws.write(traffic({ n: 20, version: '8', seed: 2 }));
    s = await monitor.runOnce();
    expect(s.version).toBe('8');
    expect(s.windows.reference.records).toBe(20);
    expect(s.windows.test.records).toBe(0);

    production = null;
    ws.write(traffic({ n: 20, version: '8', seed: 3 }));
    s = await monitor.runOnce();
    expect(s.version).toBeNull();
    expect(s.windows.reference.records).toBe(0);
  });

  it('without a port, watches the newest version in the log', async () => {
    const { ws, monitor } = setup();
    ws.write(traffic({ n: 300, version: 'a1' }));
    ws.write(traffic({ n: 40, version: 'b2' }));
    const s = await monitor.runOnce();
    expect(s.version).toBe('b2');
    expect(s.windows.reference.records).toBe(40);
  });

  it('uses the training reference the port gives, complete from the start', async () => {
    const rows = traffic({ n: 400, seed: 9 }).map((r) => ({
      requested_rank: r.book_ranks?.[0] ?? Number.NaN,
      top_score: r.fallback ? Number.NaN : r.scores[0],
      fallback: r.fallback ? 1 : 0,
      recommended_rank: r.fallback ? Number.NaN : (r.returned_ranks ?? []).reduce((a, b) => a + b, 0) / 3,
    }));
    const { ws, monitor } = setup({
      production: { currentVersion: async () => '7', trainingReference: async () => rows },
    });
    ws.write(traffic({ n: 300, seed: 2 }));
    const s = await monitor.runOnce();
    expect(s.windows.reference).toMatchObject({
      kind: 'training',
      records: 400,
      complete: true,
      first_time: null,
    });
    expect(s.windows.test.records).toBe(300);
    expect(s.decision?.is_drift).toBe(false);
  });

  it('after a restart continues from its saved state: same reference, no event twice', async () => {
    const { ws, clock, bus, monitor, make } = setup();
    ws.write(traffic({ n: 500 }));
    ws.write(traffic({ n: 300, seed: 3, tail: 0.6 }));
    await monitor.runOnce();
    expect(bus.sent).toHaveLength(1);
    expect(readdirSync(ws.monitorDir).sort()).toEqual([MONITOR_FILES.state, MONITOR_FILES.status]);

    clock.set(T0 + 5 * MINUTE);
    const restarted = make();
    ws.write(traffic({ n: 100, seed: 4, tail: 0.6 }));
    const s = await restarted.runOnce();
    // The drifted traffic did not become the reference; the cool-down held across the restart.
    expect(s.windows.reference).toMatchObject({ records: 500, first_time: new Date(T0).toISOString() });
    expect(s.windows.test.records).toBe(400);
    expect(s.decision?.is_drift).toBe(true);
    expect(s.events).toHaveLength(1);
    expect(bus.sent).toHaveLength(1);
  });

  it('retries a failed publish on the next pass, with the same dedupe key', async () => {
    const { ws, bus, monitor } = setup();
    bus.fail = true;
    ws.write(traffic({ n: 500 }));
    ws.write(traffic({ n: 300, seed: 3, tail: 0.6 }));
    const failed = await monitor.runOnce();
    expect(failed.last_error).toMatchObject({ code: 'INTERNAL', message: 'bus down' });
    expect(failed.events).toEqual([]);
    bus.fail = false;
    const ok = await monitor.runOnce();
    expect(ok.last_error).toBeNull();
    expect(bus.sent.map((e) => e.key)).toEqual(['ml.drift:recommender:7:1']);
    expect(ok.events).toHaveLength(1);
  });

  it('passes on its interval, on the injected clock, until stopped', async () => {
    const { ws, clock, monitor } = setup();
    ws.write(traffic({ n: 100 }));
    await monitor.start();
    await clock.advanceAsync(9_999);
    expect(monitor.status.log.records_read).toBe(0);
    await clock.advanceAsync(1);
    await monitor.runOnce();
    expect(monitor.status.log.records_read).toBe(100);
    ws.write(traffic({ n: 50, seed: 2 }));
    await clock.advanceAsync(10_000);
    await monitor.runOnce();
    expect(monitor.status.log.records_read).toBe(150);
    await monitor.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('with a test window of T minutes, drops older answers', async () => {
    const { ws, clock, monitor } = setup({ testMinutes: 5, testRecords: 2000 });
    ws.write(traffic({ n: 500 }));
    ws.write(traffic({ n: 300, seed: 2, at: T0 + MINUTE, stepMs: 1000 }));
    clock.set(T0 + 8 * MINUTE);
    const s = await monitor.runOnce();
    // Answers from T0+1min every second: those before T0+3min are gone.
    expect(s.windows.test.records).toBe(180);
    expect(s.windows.test.first_time).toBe(new Date(T0 + 3 * MINUTE).toISOString());
  });

  it('persists a status drift status can read', async () => {
    const { ws, monitor } = setup();
    ws.write(traffic({ n: 700 }));
    const s = await monitor.runOnce();
    expect(await readDriftStatus(ws.monitorDir)).toEqual(s);
    expect(await readDriftStatus(join(ws.root, 'nothing'))).toBeNull();
  });

  it('refuses bad options, naming them', () => {
    const base = { predictionsDir: '/x', clock: new ManualClock(0) };
    for (const [field, bad] of [
      ['referenceSize', { referenceSize: 0 }],
      ['minWindow', { minWindow: 6000 }],
      ['alpha', { alpha: 1 }],
      ['minEffect', { minEffect: -0.1 }],
      ['testMinutes', { testMinutes: 0 }],
      ['correction', { correction: 'holm' }],
    ] as const) {
      expect(() => new DriftMonitor({ ...base, ...(bad as object) })).toThrow(
        expect.objectContaining({ code: 'MONITOR_BAD_OPTION', field }),
      );
    }
  });

  it('exports its gauges and counters under promtool-clean names', async () => {
    const registry = new Registry();
    const { ws, monitor } = setup({ metrics: monitorMetrics(registry) });
    ws.write(traffic({ n: 500 }));
    ws.write(traffic({ n: 300, seed: 3, tail: 0.6 }));
    await monitor.runOnce();
    const text = await registry.metrics();
    expect(text).toMatch(/^bookml_drift_ks_statistic\{feature="requested_rank"\} 0\.\d+$/m);
    expect(text).toMatch(/^bookml_drift_p_value\{feature="fallback"\} /m);
    expect(text).toMatch(/^bookml_drift_events_total 1$/m);
    expect(text).toMatch(/^bookml_drift_window_records\{window="test"\} 300$/m);
    expect(text).toMatch(/^bookml_drift_log_records_total 800$/m);
    if (!existsSync('/usr/bin/promtool')) return; // promtool checks the names where it is installed
    const out = execFileSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(out.trim()).toBe('');
  });
});
