import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { shapeOfPlan } from '../compile/index.js';
import {
  type BindingValues,
  explainSkip,
  fanOutItems,
  type NodePhase,
  resolveInputs,
  shouldRun,
  taskReadiness,
  toLocalPlan,
} from '../executor/index.js';
import {
  definePipeline,
  defineStep,
  eq,
  type Pipeline,
  param,
  ref,
  resolveParams,
  type StepContext,
} from '../index.js';

const SIMS = ['cosine', 'jaccard'] as const;
const score = defineStep({
  name: 'score',
  version: '1',
  inputs: { params: { similarity: param.enum(SIMS), k: param.integer({ min: 1 }) } },
  outputs: { params: { ndcg: param.number() } },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 60,
  // Best at cosine, k = 20.
  run: async (_ctx, { similarity, k }) => ({
    ndcg: (similarity === 'cosine' ? 0.3 : 0.2) - Math.abs(k - 20) / 1000,
  }),
});
const pickBest = defineStep({
  name: 'pick-best',
  version: '1',
  inputs: {
    params: {
      grid: param.list({ similarity: param.enum(SIMS), k: param.integer() }),
      ndcg: param.list(param.number()),
    },
  },
  outputs: { params: { similarity: param.enum(SIMS), k: param.integer(), ndcg: param.number() } },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 60,
  run: async (_ctx, { grid, ndcg }) => {
    const best = ndcg.indexOf(Math.max(...ndcg));
    return { similarity: grid[best].similarity, k: grid[best].k, ndcg: ndcg[best] };
  },
});
const gate = defineStep({
  name: 'gate',
  version: '1',
  inputs: { params: { ndcg: param.number(), min: param.number() } },
  outputs: { params: { verdict: param.enum(['passed', 'failed']) } },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 60,
  run: async (_ctx, { ndcg, min }) => ({ verdict: ndcg >= min ? ('passed' as const) : ('failed' as const) }),
});
const record = defineStep({
  name: 'record',
  version: '1',
  inputs: { params: { similarity: param.string(), k: param.integer() } },
  outputs: { params: { id: param.string() } },
  pure: false,
  retrySafe: true,
  timeoutSeconds: 60,
  run: async (_ctx, { similarity, k }) => ({ id: `${similarity}-${k}` }),
});

const sweep = definePipeline({
  name: 'sweep',
  params: {
    kGrid: param.list(param.integer({ min: 1 }), { default: [10, 20, 50] }),
    minNdcg: param.number({ default: 0.1 }),
  },
  build: (p, b) => {
    const s = b.fanOut('score', score, { similarity: SIMS, k: [10, 20, 50] }, (item) => ({
      similarity: item.similarity,
      k: item.k,
    }));
    const best = b.task('pick-best', pickBest, { grid: s.items, ndcg: s.outputs.ndcg });
    const g = b.task('gate', gate, { ndcg: best.outputs.ndcg, min: p.minNdcg });
    b.task('record', record, { similarity: best.outputs.similarity, k: best.outputs.k }).when(
      eq(g.outputs.verdict, 'passed'),
    );
  },
});

/** A tiny in-memory walk of the plan, with the scheduling rules the executor uses (no processes). */
async function runInMemory(pl: Pipeline, given: Record<string, unknown>) {
  const plan = toLocalPlan(pl.spec);
  const params = resolveParams(pl.spec, given);
  const outputs = new Map<string, Record<string, unknown>>();
  const phases = new Map<string, NodePhase>();
  const values = (item?: unknown): BindingValues => ({
    params,
    run: { id: 'run-1' },
    item,
    output: (task, name) => {
      const o = outputs.get(task);
      return Array.isArray(o) ? o.map((x) => x[name]) : o?.[name];
    },
  });
  const ctx = { runId: 'run-1', attempt: 0, clock: new ManualClock() } as unknown as StepContext;
  for (const task of plan.tasks) {
    const ready = taskReadiness(task, (id) => phases.get(id));
    if (ready !== 'run') {
      phases.set(task.id, 'Omitted');
      continue;
    }
    const step = pl.stepFor(task.id);
    if (task.fanOut !== undefined) {
      const items = fanOutItems(task, values());
      const children = [];
      for (const item of items)
        children.push(await step.run(ctx, resolveInputs(task, values(item)) as never));
      outputs.set(task.id, children as never);
      phases.set(task.id, items.length === 0 ? 'Skipped' : 'Succeeded');
      continue;
    }
    if (!shouldRun(task, values())) {
      phases.set(task.id, 'Skipped');
      continue;
    }
    outputs.set(task.id, await step.run(ctx, resolveInputs(task, values()) as never));
    phases.set(task.id, 'Succeeded');
  }
  return { phases: Object.fromEntries(phases), outputs: Object.fromEntries(outputs) };
}

describe('local plan', () => {
  it('orders tasks, lists edges, roots, dependents and depths', () => {
    const plan = toLocalPlan(sweep.spec);
    expect(plan.tasks.map((t) => [t.id, t.depth, t.dependents])).toEqual([
      ['score', 0, ['pick-best']],
      ['pick-best', 1, ['gate', 'record']],
      ['gate', 2, ['record']],
      ['record', 3, []],
    ]);
    expect(plan.roots).toEqual(['score']);
    expect(plan.edges).toEqual([
      { from: 'score', to: 'pick-best' },
      { from: 'pick-best', to: 'gate' },
      { from: 'pick-best', to: 'record' },
      { from: 'gate', to: 'record' },
    ]);
    expect(shapeOfPlan(plan).tasks.map((t) => t.id)).toEqual(['gate', 'pick-best', 'record', 'score']);
  });

  it('fan-out over similarity × K, reduced to the best by the reducer, then gated', async () => {
    const r = await runInMemory(sweep, {});
    expect((r.outputs.score as unknown as unknown[]).length).toBe(6);
    expect(r.outputs['pick-best']).toEqual({ similarity: 'cosine', k: 20, ndcg: 0.3 });
    expect(r.phases).toEqual({
      score: 'Succeeded',
      'pick-best': 'Succeeded',
      gate: 'Succeeded',
      record: 'Succeeded',
    });
    expect(r.outputs.record).toEqual({ id: 'cosine-20' });
    const failed = await runInMemory(sweep, { minNdcg: '0.9' });
    expect(failed.phases.record).toBe('Skipped');
  });

  it('readiness: wait for non-terminal dependencies, omit after a failure or skip', () => {
    const task = { dependsOn: ['a', 'b'] };
    const of = (a?: NodePhase, b?: NodePhase) => (id: string) => (id === 'a' ? a : b);
    expect(taskReadiness(task, of('Succeeded', 'Running'))).toBe('wait');
    expect(taskReadiness(task, of('Succeeded', 'Cached'))).toBe('run');
    expect(taskReadiness(task, of('Skipped', 'Succeeded'))).toBe('omit');
    expect(taskReadiness(task, of('Failed', undefined))).toBe('wait');
    expect(taskReadiness(task, of('Failed', 'Omitted'))).toBe('omit');
  });
});

describe('explainSkip', () => {
  it('says which condition was false with the values its operands had', () => {
    const task = { when: eq(ref.output<string>('evaluate', 'gate'), 'passed') };
    const values = {
      params: {},
      run: { id: 'r' },
      item: undefined,
      output: (t: string, o: string) => (t === 'evaluate' && o === 'gate' ? 'failed' : undefined),
    } as unknown as BindingValues;
    expect(explainSkip(task as never, values)).toBe(
      'when evaluate.gate == "passed" was false (evaluate.gate = "failed")',
    );
  });
});
