import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  artifactLineage,
  Engine,
  getRunDetail,
  readRunLogs,
  renderRunView,
  runLineage,
  runView,
  submitRun,
} from '../src/pipeline/executor/index.js';
import { FIXTURES_URL, type Harness, STEP_ENTRY, startHarness } from './fixtures/pipelines/harness.js';

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

describe('one executor per store', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('a second executor on the same store stands down while the first is alive', async () => {
    h = await startHarness();
    const second = new Engine({
      db: h.db,
      artifacts: h.artifacts,
      workspace: h.ws,
      catalog: h.catalog,
      catalogUrl: FIXTURES_URL,
      stepEntry: STEP_ENTRY,
    });
    expect(await second.start()).toBe(false);
    await second.stopped;
    const run = await submitRun(h.db, h.catalog, { pipeline: 'sweep', params: { seed: 1 } });
    h.engine.wake();
    expect((await h.engine.waitForRun(run.id)).phase).toBe('Succeeded');
  });
});
