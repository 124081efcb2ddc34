/**
 * Every `/metrics` bookml exposes — serving, the control plane, and the drift monitor's metrics —
 * passes `promtool check metrics` (issue 11, item 18): no gauge named
 * `*_total`, ratios end in `_ratio`, Node's process metrics under their standard unprefixed names
 * (`process_*`, `nodejs_*`) so stock dashboards work. The control plane has its own `/metrics`: pipeline
 * runs and steps (counts by final phase, active ones, durations) read from the run store — checked on
 * SQLite and PostgreSQL, whose sums come back as different types.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import { ManualClock } from '../src/core/index.js';
import { FEATURE_NAMES, monitorMetrics } from '../src/monitor/index.js';
import { bundleDirSource, mergeWorkerMetrics, type ServeServer } from '../src/serve/index.js';
import { RunStore } from '../src/store/index.js';
import { createTestDatabase, probePostgres } from '../src/store/test-databases.js';
import { startServer, tempDir, writeModel } from './serve-fixture.js';

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const PROMTOOL_MISSING =
  promtool.error !== undefined || promtool.status !== 0
    ? 'promtool not installed (apt-get install prometheus; .ci/run installs it)'
    : undefined;

/** promtool's verdict on an exposition: its exit status and complaints. */
function check(text: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

/** The value of one sample line, e.g. `name{a="b"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.skipIf(PROMTOOL_MISSING !== undefined)(`serving /metrics ${PROMTOOL_MISSING ?? ''}`, () => {
  let server: ServeServer;
  beforeAll(async () => {
    const root = tempDir();
    await writeModel(join(root, 'm'));
    server = await startServer(bundleDirSource(join(root, 'm')), { config: { canaryPercent: 0 } });
    // Traffic on every surface, answers and errors, so every family has samples.
    const app = server.app;
    await app.inject({ url: '/recommend?book_id=1&k=3' });
    await app.inject({ url: '/recommend?book_id=999999' });
    await app.inject({ url: '/recommend?k=3' });
    await app.inject({ method: 'POST', url: '/v1/models/recommender:predict', payload: { instances: [1] } });
    await app.inject({
      method: 'POST',
      url: '/v2/models/recommender/infer',
      payload: { inputs: [{ name: 'book_id', datatype: 'INT64', shape: [1], data: [1] }] },
    });
    await app.inject({ url: '/nowhere' });
  });
  afterAll(async () => {
    await server.app.close();
  });

  it('passes promtool check metrics', async () => {
    const res = await server.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(check(res.body)).toEqual({ status: 0, out: '' });
  });

  it("passes promtool when several workers' metrics are merged (--workers N), every sample labelled", async () => {
    const own = (await server.app.inject({ url: '/metrics' })).body;
    const merged = mergeWorkerMetrics([
      { worker: 0, text: own },
      { worker: 1, text: own },
    ]);
    expect(check(merged)).toEqual({ status: 0, out: '' });
    expect(merged.match(/^# TYPE bookml_serve_requests_total /gm)).toHaveLength(1);
    for (const line of merged.split('\n')) {
      if (line !== '' && !line.startsWith('#'))
        expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*\{worker="[01]"/);
    }
  });

  it('uses the standard process and Node names, and _ratio for ratios', async () => {
    const text = (await server.app.inject({ url: '/metrics' })).body;
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'bookml_serve_canary_share_ratio',
      'bookml_serve_canary_target_ratio',
      'bookml_serve_shadow_overlap_ratio',
      'bookml_serve_requests_total',
    ]) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(text).not.toMatch(/^# TYPE bookml_(process|nodejs)_/m);
    expect(text).not.toMatch(/^# TYPE \S+_total (gauge|histogram|summary|untyped)$/m);
  });
});

describe.skipIf(PROMTOOL_MISSING !== undefined)(`drift monitor metrics ${PROMTOOL_MISSING ?? ''}`, () => {
  it('pass promtool check metrics (for whichever /metrics mounts them)', async () => {
    const registry = new Registry();
    const m = monitorMetrics(registry);
    m.tested([{ name: FEATURE_NAMES[0], statistic: 0.2, pValue: 0.01 }]);
    m.windows(100, 50);
    m.event();
    m.suppressed();
    m.read(150, 1);
    expect(check(await registry.metrics())).toEqual({ status: 0, out: '' });
  });
});

const pgReason = await probePostgres();

describe.skipIf(PROMTOOL_MISSING !== undefined)(`control plane /metrics ${PROMTOOL_MISSING ?? ''}`, () => {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const skip = dialect === 'postgres' ? pgReason : undefined;
    it.skipIf(skip !== undefined)(
      `${dialect}: runs and steps from the run store, and promtool passes ${skip ?? ''}`,
      async () => {
        const t = await createTestDatabase(dialect);
        const clock = new ManualClock(1_700_000_000_000);
        const db = await t.open({ clock });
        const app = await buildControlPlane({ db, config: loadApiConfig({ env: {} }), logger: false });
        try {
          // Before any run: the families are there, empty, and valid.
          const empty = await app.inject({ url: '/metrics' });
          expect(empty.statusCode).toBe(200);
          expect(empty.headers['content-type']).toMatch(/^text\/plain/);
          expect(check(empty.body)).toEqual({ status: 0, out: '' });

          const runs = new RunStore(db);
          // One run succeeded in 90 s (train took 60 s), one failed fast, one still running.
          const ok = await runs.createRun({ pipeline: 'recommender' });
          await runs.transitionRun(ok.id, 'Running');
          await runs.createNodes(ok.id, [{ nodeId: 'train', task: 'train' }]);
          await runs.transitionNode({ runId: ok.id, nodeId: 'train' }, 'Running');
          clock.advance(60_000);
          await runs.transitionNode({ runId: ok.id, nodeId: 'train' }, 'Succeeded');
          clock.advance(30_000);
          await runs.transitionRun(ok.id, 'Succeeded');
          const bad = await runs.createRun({ pipeline: 'recommender' });
          await runs.transitionRun(bad.id, 'Running');
          clock.advance(2_000);
          await runs.transitionRun(bad.id, 'Failed');
          const live = await runs.createRun({ pipeline: 'recommender' });
          await runs.transitionRun(live.id, 'Running');
          await runs.createNodes(live.id, [{ nodeId: 'train', task: 'train' }]);

          const res = await app.inject({ url: '/metrics' });
          const text = res.body;
          expect(check(text)).toEqual({ status: 0, out: '' });
          const p = 'bookml_pipeline';
          const rec = 'pipeline="recommender"';
          expect(sample(text, `${p}_runs_total{${rec},phase="Succeeded"}`)).toBe(1);
          expect(sample(text, `${p}_runs_total{${rec},phase="Failed"}`)).toBe(1);
          expect(sample(text, `${p}_active_runs{${rec},phase="Running"}`)).toBe(1);
          expect(sample(text, `${p}_run_duration_seconds_sum{${rec},phase="Succeeded"}`)).toBe(90);
          expect(sample(text, `${p}_run_duration_seconds_bucket{${rec},phase="Succeeded",le="60"}`)).toBe(0);
          expect(sample(text, `${p}_run_duration_seconds_bucket{${rec},phase="Succeeded",le="120"}`)).toBe(1);
          expect(sample(text, `${p}_run_duration_seconds_count{${rec},phase="Failed"}`)).toBe(1);
          expect(sample(text, `${p}_steps_total{${rec},task="train",phase="Succeeded"}`)).toBe(1);
          expect(sample(text, `${p}_active_steps{${rec},task="train",phase="Pending"}`)).toBe(1);
          expect(sample(text, `${p}_step_duration_seconds_sum{${rec},task="train",phase="Succeeded"}`)).toBe(
            60,
          );
          expect(text).toMatch(/^process_cpu_seconds_total /m);
          expect(sample(text, 'bookml_api_connections_refused_total')).toBe(0);
        } finally {
          await app.close();
          await t.dispose();
        }
      },
    );
  }

  it('needs a viewer token when tokens are configured', async () => {
    const t = await createTestDatabase('sqlite');
    const token = 'viewer-secret-0123456789';
    const app = await buildControlPlane({
      db: await t.open({ clock: new ManualClock(0) }),
      config: loadApiConfig({ env: {}, file: { tokens: [{ id: 'prom', roles: ['viewer'], token }] } }),
      logger: false,
      processMetrics: false,
    });
    try {
      expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
      const ok = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
      expect(ok.statusCode).toBe(200);
      expect(check(ok.body)).toEqual({ status: 0, out: '' });
    } finally {
      await app.close();
      await t.dispose();
    }
  });
});
