import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  artifactLineage,
  Engine,
  type EngineOptions,
  getRunDetail,
  readRunLogs,
  renderRunLineage,
  renderRunView,
  requestShutdown,
  runLineage,
  runView,
  submitRun,
} from '../src/pipeline/executor/index.js';
import { RunLeaseStore } from '../src/store/index.js';
import { FIXTURES_URL, type Harness, STEP_ENTRY, startHarness, until } from './fixtures/pipelines/harness.js';

/** The executor on small pipelines: each step in its own process, values and artifacts between steps. */
describe('executor', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  async function runToEnd(pipeline: string, params: Record<string, unknown> = {}) {
    const run = await submitRun(h.db, h.catalog, { pipeline, params });
    h.engine.wake();
    await h.engine.waitForRun(run.id);
    return getRunDetail(h.db, run.id);
  }

  it('runs a chain, each step in its own process, passing parameters and artifacts along', async () => {
    h = await startHarness();
    const marker = join(h.dir, 'exit-status');
    const run = await runToEnd('chain', { text: 'bookstore', marker });
    expect(run.phase).toBe('Succeeded');
    expect(Object.fromEntries(run.nodes.map((n) => [n.nodeId, n.phase]))).toEqual({
      make: 'Succeeded',
      shout: 'Succeeded',
      measure: 'Succeeded',
      finish: 'Succeeded',
    });
    expect(run.nodes.find((n) => n.nodeId === 'measure')?.outputs).toEqual({
      params: { bytes: 10, big: true },
      artifacts: {},
    });
    const pids = new Set(run.nodes.flatMap((n) => n.attempts.map((a) => a.pid)));
    expect(pids.size).toBe(4);
    expect(pids.has(process.pid)).toBe(false);
    // The exit handler saw the run's status.
    expect(await readFile(marker, 'utf8')).toBe('Succeeded');
    // The shouted artifact is in the store, hash-verified.
    const loud = run.nodes.find((n) => n.nodeId === 'shout')?.outputs as {
      artifacts: { loud: { sha256: string } };
    };
    expect((await h.artifacts.read(loud.artifacts.loud.sha256)).toString()).toBe('BOOKSTORE\n');
    // Logs are per node, with the step's own lines.
    const logs = await readRunLogs(h.ws, run, 'make');
    expect(logs.some((l) => l.line.includes('INFO making {"text":"bookstore"}'))).toBe(true);
    expect(renderRunView(runView(run, Date.now()))).toMatch(/✔ measure\s+Succeeded/);
  });

  it('fans out over items, reduces the gathered outputs, and skips a task whose when is false', async () => {
    h = await startHarness();
    const best3 = await runToEnd('sweep', { seed: 3 });
    expect(best3.phase).toBe('Succeeded');
    const ids = best3.nodes.map((n) => n.nodeId).sort();
    expect(ids).toEqual(['pick-best', 'report', 'score', 'score.0', 'score.1', 'score.2']);
    expect(best3.nodes.find((n) => n.nodeId === 'score')?.outputs).toEqual({
      params: { score: [-4, -1, 0] },
      artifacts: {},
    });
    expect(best3.nodes.filter((n) => n.parentNodeId === 'score').map((n) => n.inputs)).toEqual([
      { params: { k: 1, seed: 3 }, artifacts: {} },
      { params: { k: 2, seed: 3 }, artifacts: {} },
      { params: { k: 3, seed: 3 }, artifacts: {} },
    ]);
    expect(best3.nodes.find((n) => n.nodeId === 'report')?.outputs).toEqual({
      params: { line: 'best k is 3' },
      artifacts: {},
    });
    const best1 = await runToEnd('sweep', { seed: 1 });
    expect(best1.phase).toBe('Succeeded');
    expect(best1.nodes.find((n) => n.nodeId === 'report')?.phase).toBe('Skipped');
  });

  it('runs the exit handler when a task fails, and omits what depended on it', async () => {
    h = await startHarness();
    const run = await runToEnd('flaky', { dir: join(h.dir, 'f'), failures: 0, pass: false });
    expect(run.phase).toBe('Failed');
    const phases = Object.fromEntries(run.nodes.map((n) => [n.nodeId, n.phase]));
    expect(phases).toEqual({ flaky: 'Succeeded', gate: 'Failed', record: 'Omitted' });
    const gate = run.nodes.find((n) => n.nodeId === 'gate');
    // A BookmlError with retryable: false is never retried, whatever the policy.
    expect(gate?.attempts.map((a) => [a.phase, a.exitCode, a.errorCode])).toEqual([
      ['Failed', 2, 'FIXTURE_GATE_FAILED'],
    ]);
  });

  it('records lineage: datasets, code version, parameters and the producer of every artifact', async () => {
    h = await startHarness();
    const run = await runToEnd('data', { uri: 'file:///tmp/orders.csv' });
    expect(run.phase).toBe('Succeeded');
    expect(run.codeVersion).toMatchObject({
      packageVersion: expect.any(String),
      steps: { snapshot: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    const l = await runLineage(h.db, run.id);
    expect(l.datasets).toEqual(
      expect.arrayContaining([
        { hash: 'd'.repeat(64), uri: 'file:///tmp/orders.csv', relation: 'output', nodeId: 'snapshot' },
        { hash: 'e'.repeat(64), uri: 'file:///tmp/orders.csv#raw', relation: 'input', nodeId: 'snapshot' },
      ]),
    );
    const train = l.nodes.find((n) => n.nodeId === 'train');
    expect(train?.inputs[0].producedBy).toEqual({ runId: run.id, nodeId: 'snapshot' });
    const model = train?.outputs[0].sha256 as string;
    const a = await artifactLineage(h.db, model.slice(0, 10));
    expect(a.chain.map((n) => n.nodeId)).toEqual(['train', 'snapshot']);
    expect(a.datasets.map((d) => d.uri)).toContain('file:///tmp/orders.csv');
  });

  it('records the image a run was submitted from (BOOKML_IMAGE) and its digest, shown by its lineage', async () => {
    h = await startHarness();
    const digest = `sha256:${'c0'.repeat(32)}`;
    const image = { ref: `registry.example.com/bookml@${digest}`, digest };
    const run = await submitRun(h.db, h.catalog, {
      pipeline: 'data',
      params: { uri: 'file:///tmp/o.csv' },
      image,
    });
    expect(run.codeVersion).toMatchObject({ image: image.ref, imageDigest: digest });
    const l = await runLineage(h.db, run.id);
    expect(renderRunLineage(l)).toContain(`Image:       ${image.ref} · digest ${digest}`);
  });
});

describe('executor with process reuse', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('runs steps in warm processes when asked, keeping each node log whole', async () => {
    h = await startHarness({ engine: { reuseProcesses: true, spares: 1 } });
    const run = await submitRun(h.db, h.catalog, { pipeline: 'chain', params: { text: 'again' } });
    h.engine.wake();
    expect((await h.engine.waitForRun(run.id)).phase).toBe('Succeeded');
    const detail = await getRunDetail(h.db, run.id);
    const pids = new Set(detail.nodes.flatMap((n) => n.attempts.map((a) => a.pid)));
    expect(pids.size).toBeLessThan(4);
    const make = await readRunLogs(h.ws, detail, 'make');
    expect(make.map((l) => l.line)).toEqual([
      expect.stringContaining('--- make attempt 1'),
      expect.stringContaining('INFO making'),
    ]);
    const finish = await readRunLogs(h.ws, detail, 'finish');
    expect(finish.some((l) => l.line.includes('run finished'))).toBe(true);
    expect(finish.some((l) => l.line.includes('making'))).toBe(false);
  });
});

describe('several executors on one store', () => {
  let h: Harness;
  const others: Engine[] = [];
  afterEach(async () => {
    for (const e of others.splice(0)) await e.close();
    await h?.close();
  });

  const second = (extra: Partial<EngineOptions> = {}) => {
    const e = new Engine({
      db: h.db,
      artifacts: h.artifacts,
      workspace: h.ws,
      catalog: h.catalog,
      catalogUrl: FIXTURES_URL,
      stepEntry: STEP_ENTRY,
      spares: 1,
      pollMs: 50,
      killGraceMs: 200,
      ...extra,
    });
    others.push(e);
    return e;
  };
  const ended = (ids: string[]) =>
    until(
      async () => {
        const runs = await Promise.all(ids.map((id) => getRunDetail(h.db, id)));
        return runs.every((r) => r.phase !== 'Pending' && r.phase !== 'Running') ? runs : undefined;
      },
      'every run to end',
      120_000,
    );

  it('share the runs, each taking at most its maxRuns, and every node succeeds once', async () => {
    h = await startHarness({ engine: { maxRuns: 1, parallelism: 2 } });
    const b = second({ maxRuns: 1, parallelism: 2 });
    await b.start();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++)
      ids.push((await submitRun(h.db, h.catalog, { pipeline: 'crash', params: { ms: 150 } })).id);
    h.engine.wake();
    b.wake();
    const runs = await ended(ids);
    expect(runs.map((r) => r.phase)).toEqual(['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
    const generations = new Set<number | null>();
    for (const r of runs) {
      // A fan-out parent runs no step of its own.
      for (const n of r.nodes.filter((x) => x.attempts.length > 0)) {
        expect(
          n.attempts.filter((a) => a.phase === 'Succeeded'),
          `${r.id}/${n.nodeId}`,
        ).toHaveLength(1);
        for (const a of n.attempts) generations.add(a.executorGeneration);
      }
    }
    expect(generations).toEqual(new Set([h.engine.generation, b.generation]));
  });

  it('keep a stop request for a run no executor owned yet, and honour it once the run is claimed', async () => {
    h = await startHarness({ engine: { maxRuns: 1, parallelism: 1 } });
    const first = await submitRun(h.db, h.catalog, { pipeline: 'crash', params: { ms: 600 } });
    h.engine.wake();
    await until(
      async () => ((await getRunDetail(h.db, first.id)).phase === 'Running' ? true : undefined),
      'first run',
    );
    const queued = await submitRun(h.db, h.catalog, { pipeline: 'sweep', params: { seed: 3 } });
    await requestShutdown(h.db, queued.id, 'stop');
    h.engine.wake();
    const [a, b] = await ended([first.id, queued.id]);
    expect(a.phase).toBe('Succeeded');
    expect([b.phase, b.message]).toEqual(['Failed', 'stopped before it started']);
  });

  it('fence off an executor whose lease ran out: its writes are refused, the new owner finishes the run', async () => {
    // A never renews its lease in this test: when B claims the run, only the fence can stop A.
    h = await startHarness({ engine: { heartbeatMs: 3_600_000 } });
    // `crash` retries its steps: the attempt A left is declared orphaned and tried again by B.
    const run = await submitRun(h.db, h.catalog, { pipeline: 'crash', params: { ms: 1500 } });
    h.engine.wake();
    await until(async () => {
      const d = await getRunDetail(h.db, run.id);
      return d.nodes.some((n) => n.attempts.some((a) => a.phase === 'Running')) ? true : undefined;
    }, 'a running attempt');
    const leases = new RunLeaseStore(h.db);
    expect((await leases.owner(run.id))?.generation).toBe(h.engine.generation);
    await h.db.db.updateTable('runs').set({ lease_until: 0 }).where('id', '=', run.id).execute();
    const b = second();
    await b.start();
    const [done] = await ended([run.id]);
    expect(done.phase).toBe('Succeeded');
    expect((await leases.owner(run.id))?.generation).toBe(b.generation);
    const attempts = done.nodes.flatMap((n) => n.attempts);
    const fromA = attempts.filter((a) => a.executorGeneration === h.engine.generation);
    expect(fromA.length).toBeGreaterThan(0);
    for (const a of fromA) expect([a.phase, a.errorCode]).toEqual(['Error', 'STEP_ORPHANED']);
    for (const n of done.nodes.filter((x) => x.attempts.length > 0)) {
      const won = n.attempts.filter((a) => a.phase === 'Succeeded').map((a) => a.executorGeneration);
      expect(won, n.nodeId).toEqual([b.generation]);
    }
    // A lives on and takes new work.
    const next = await submitRun(h.db, h.catalog, { pipeline: 'sweep', params: { seed: 2 } });
    h.engine.wake();
    b.wake();
    expect((await ended([next.id]))[0].phase).toBe('Succeeded');
  });
});
