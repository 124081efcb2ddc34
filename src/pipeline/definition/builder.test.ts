import { describe, expect, it } from 'vitest';
import {
  artifact,
  definePipeline,
  defineStep,
  eq,
  PipelineError,
  type PipelineErrorCode,
  param,
  Ref,
  ref,
  validatePipelineSpec,
} from '../index.js';

const produce = defineStep({
  name: 'produce',
  version: '1',
  inputs: { params: { uri: param.string() } },
  outputs: {
    params: { rows: param.integer(), hash: param.string(), gate: param.enum(['passed', 'failed']) },
    artifacts: { data: artifact.directory() },
  },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 60,
  run: async (ctx) => ({ rows: 3, hash: 'h', gate: 'passed' as const, data: ctx.outputPath('data') }),
});

const consume = defineStep({
  name: 'consume',
  version: '1',
  inputs: {
    params: { rows: param.integer(), label: param.string({ default: 'x' }) },
    artifacts: { data: artifact.directory() },
  },
  outputs: { params: { score: param.number() } },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 60,
  run: async (_ctx, { rows }) => ({ score: rows / 10 }),
});

const score = defineStep({
  name: 'score',
  version: '1',
  inputs: { params: { similarity: param.enum(['cosine', 'jaccard']), k: param.integer({ min: 1 }) } },
  outputs: { params: { ndcg: param.number({ min: 0, max: 1 }) } },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 60,
  run: async (_ctx, { similarity, k }) => ({
    ndcg: (similarity === 'cosine' ? 0.3 : 0.2) - Math.abs(k - 20) / 1000,
  }),
});

const pickBest = defineStep({
  name: 'pick-best',
  version: '1',
  inputs: {
    params: {
      grid: param.list({ similarity: param.enum(['cosine', 'jaccard']), k: param.integer() }),
      ndcg: param.list(param.number()),
    },
  },
  outputs: { params: { similarity: param.string(), k: param.integer(), ndcg: param.number() } },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 60,
  run: async (_ctx, { grid, ndcg }) => {
    const best = ndcg.indexOf(Math.max(...ndcg));
    return { ...grid[best], ndcg: ndcg[best] };
  },
});

const sideEffect = defineStep({
  name: 'side-effect',
  version: '1',
  inputs: { params: { what: param.string({ default: 'noop' }) } },
  pure: false,
  retrySafe: false,
  timeoutSeconds: 30,
  run: async () => ({}),
});

const noop = defineStep({
  name: 'noop',
  version: '1',
  inputs: { params: { n: param.integer({ default: 0 }) } },
  outputs: { params: { n: param.integer() } },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 10,
  run: async (_ctx, { n }) => ({ n }),
});

/** Run `fn`, expect a PipelineError with this code (and task/field when given), return it. */
function failure(fn: () => unknown, code: PipelineErrorCode, where: { task?: string; field?: string } = {}) {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(PipelineError);
  const e = caught as PipelineError;
  expect({ code: e.code, message: e.message }).toMatchObject({ code });
  if ('task' in where) expect(e.task).toBe(where.task);
  if ('field' in where) expect(e.field).toBe(where.field);
  if (where.task !== undefined) expect(e.message).toContain(`task "${where.task}"`);
  return e;
}

const chain = () =>
  definePipeline({
    name: 'chain',
    params: { uri: param.string({ default: 'mem://x' }) },
    build: (p, b) => {
      const a = b.task('produce', produce, { uri: p.uri });
      b.task('consume', consume, { rows: a.outputs.rows, data: a.outputs.data });
    },
  });

describe('definePipeline: a valid pipeline', () => {
  it('builds a frozen, JSON-serialisable IR in topological order with derived dependencies', () => {
    const pl = definePipeline({
      name: 'diamond',
      params: { uri: param.string({ default: 'mem://x' }) },
      build: (p, b) => {
        // Defined out of order on purpose: the IR is topological, ties keep definition order.
        const a = b.task('produce', produce, { uri: p.uri });
        const c1 = b.task('left', consume, { rows: a.outputs.rows, data: a.outputs.data, label: 'l' });
        const c2 = b.task('right', consume, { rows: a.outputs.rows, data: a.outputs.data });
        b.task('join', noop, { n: 1 }).after(c1, c2);
      },
    });
    const s = pl.spec;
    expect(s.tasks.map((t) => t.id)).toEqual(['produce', 'left', 'right', 'join']);
    expect(s.tasks.find((t) => t.id === 'join')?.dependsOn).toEqual(['left', 'right']);
    expect(s.tasks.find((t) => t.id === 'left')?.inputs).toEqual({
      rows: { from: 'output', task: 'produce', output: 'rows' },
      data: { from: 'output', task: 'produce', output: 'data' },
      label: { from: 'literal', value: 'l' },
    });
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.tasks[0].inputs)).toBe(true);
    expect(validatePipelineSpec(JSON.parse(JSON.stringify(s)))).toEqual(s);
    expect(pl.stepFor('left')).toBe(consume);
    failure(() => pl.stepFor('nope'), 'PIPELINE_UNKNOWN_TASK', { task: 'nope' });
  });

  it('resolves task options from the step: retries, timeout, and caching only for pure steps', () => {
    const pl = definePipeline({
      name: 'opts',
      build: (_p, b) => {
        b.task('a', noop, {});
        b.task('b', noop, {}).cache(false).timeout(5).mutex('one-at-a-time');
        b.task('c', sideEffect, {});
        b.task('d', noop, {}).retry({
          limit: 2,
          backoff: { durationSeconds: 1, factor: 2, maxDurationSeconds: 10 },
        });
      },
    });
    const [a, bb, c, d] = pl.spec.tasks;
    expect(a.options).toEqual({ retry: { limit: 0 }, timeoutSeconds: 10, cache: true });
    expect(bb.options).toEqual({
      retry: { limit: 0 },
      timeoutSeconds: 5,
      cache: false,
      mutex: 'one-at-a-time',
    });
    expect(c.options.cache).toBe(false);
    expect(d.options.retry).toEqual({
      limit: 2,
      backoff: { durationSeconds: 1, factor: 2, maxDurationSeconds: 10 },
      retryOn: 'always',
    });
  });
});

describe('definePipeline: invalid definitions fail with the task named', () => {
  it('a cycle through after()', () => {
    const e = failure(
      () =>
        definePipeline({
          name: 'loop',
          build: (_p, b) => {
            b.task('a', noop, {}).after('c');
            b.task('b', noop, {}).after('a');
            b.task('c', noop, {}).after('b');
          },
        }),
      'PIPELINE_CYCLE',
      { field: 'dependsOn' },
    );
    expect(['a', 'b', 'c']).toContain(e.task);
    expect(e.message).toMatch(/cycle: (a → b → c → a|b → c → a → b|c → a → b → c)/);
  });

  it('a cycle through data: a task reading its own output, two tasks reading each other', () => {
    failure(
      () =>
        definePipeline({
          name: 'self',
          build: (_p, b) => {
            b.task('a', noop, { n: ref.output<number>('a', 'n') });
          },
        }),
      'PIPELINE_CYCLE',
      { task: 'a' },
    );
    const e = failure(
      () =>
        definePipeline({
          name: 'pair',
          build: (_p, b) => {
            b.task('x', noop, { n: ref.output<number>('y', 'n') });
            b.task('y', noop, { n: ref.output<number>('x', 'n') });
          },
        }),
      'PIPELINE_CYCLE',
    );
    expect(e.message).toMatch(/x → y → x|y → x → y/);
  });

  it('a missing required input (parameter or artifact) names the task and the input', () => {
    const e = failure(
      () =>
        definePipeline({
          name: 'missing',
          build: (_p, b) => {
            const a = b.task('produce', produce, { uri: 'mem://x' });
            b.task('consume', consume, { data: a.outputs.data } as never);
          },
        }),
      'PIPELINE_MISSING_INPUT',
      { task: 'consume', field: 'inputs.rows' },
    );
    expect(e.message).toContain('integer');
    failure(
      () =>
        definePipeline({
          name: 'missing-art',
          build: (_p, b) => {
            const a = b.task('produce', produce, { uri: 'mem://x' });
            b.task('consume', consume, { rows: a.outputs.rows } as never);
          },
        }),
      'PIPELINE_MISSING_INPUT',
      { task: 'consume', field: 'inputs.data' },
    );
  });

  it('an input the step does not declare lists the ones it does', () => {
    const e = failure(
      () =>
        definePipeline({
          name: 'extra',
          build: (_p, b) => {
            b.task('a', noop, { n: 1, m: 2 } as never);
          },
        }),
      'PIPELINE_UNKNOWN_INPUT',
      { task: 'a', field: 'inputs.m' },
    );
    expect(e.message).toContain('(inputs: n)');
  });

  it('type mismatches: parameter types, parameter vs artifact, literals', () => {
    // string parameter into an integer input
    const e1 = failure(
      () =>
        definePipeline({
          name: 'mm1',
          params: { n: param.string({ default: '3' }) },
          build: (p, b) => {
            b.task('a', noop, { n: p.n as never });
          },
        }),
      'PIPELINE_TYPE_MISMATCH',
      { task: 'a', field: 'inputs.n' },
    );
    expect(e1.message).toContain('expects integer but param:n is string');
    // a number output into an integer input: number is wider than integer
    failure(
      () =>
        definePipeline({
          name: 'mm2',
          build: (_p, b) => {
            const s = b.task('s', score, { similarity: 'cosine', k: 1 });
            b.task('a', noop, { n: s.outputs.ndcg as never });
          },
        }),
      'PIPELINE_TYPE_MISMATCH',
      { task: 'a', field: 'inputs.n' },
    );
    // an artifact into a parameter input, and a parameter into an artifact input
    failure(
      () =>
        definePipeline({
          name: 'mm3',
          build: (_p, b) => {
            const a = b.task('produce', produce, { uri: 'mem://x' });
            b.task('a', noop, { n: a.outputs.data as never });
          },
        }),
      'PIPELINE_TYPE_MISMATCH',
      { task: 'a', field: 'inputs.n' },
    );
    failure(
      () =>
        definePipeline({
          name: 'mm4',
          build: (_p, b) => {
            const a = b.task('produce', produce, { uri: 'mem://x' });
            b.task('c', consume, { rows: a.outputs.rows, data: a.outputs.hash as never });
          },
        }),
      'PIPELINE_TYPE_MISMATCH',
      { task: 'c', field: 'inputs.data' },
    );
    // a free string into an enum input: not every string is a similarity
    failure(
      () =>
        definePipeline({
          name: 'mm5',
          params: { sim: param.string({ default: 'cosine' }) },
          build: (p, b) => {
            b.task('s', score, { similarity: p.sim as never, k: 1 });
          },
        }),
      'PIPELINE_TYPE_MISMATCH',
      { task: 's', field: 'inputs.similarity' },
    );
    // a literal of the wrong type, and a literal out of the input's range
    failure(
      () =>
        definePipeline({
          name: 'mm6',
          build: (_p, b) => {
            b.task('s', score, { similarity: 'cosine', k: '10' as never });
          },
        }),
      'PIPELINE_TYPE_MISMATCH',
      { task: 's', field: 'inputs.k' },
    );
    failure(
      () =>
        definePipeline({
          name: 'mm7',
          build: (_p, b) => {
            b.task('s', score, { similarity: 'cosine', k: 0 });
          },
        }),
      'PIPELINE_INVALID_PARAM',
      { task: 's', field: 'inputs.k' },
    );
  });

  it('a sub-type feeds a wider input: integer → number, enum → string, sub-enum → enum', () => {
    const wide = defineStep({
      name: 'wide',
      version: '1',
      inputs: {
        params: { x: param.number(), s: param.string(), e: param.enum(['cosine', 'jaccard', 'lift']) },
      },
      pure: true,
      retrySafe: true,
      timeoutSeconds: 1,
      run: async () => ({}),
    });
    const pl = definePipeline({
      name: 'wide',
      params: {
        k: param.integer({ default: 1 }),
        sim: param.enum(['cosine', 'jaccard'], { default: 'cosine' }),
      },
      build: (p, b) => {
        b.task('w', wide, { x: p.k, s: p.sim, e: p.sim });
      },
    });
    expect(pl.spec.tasks[0].inputs.x).toEqual({ from: 'param', param: 'k' });
  });

  it('unknown parameters, tasks and outputs', () => {
    const e = failure(
      () =>
        definePipeline({
          name: 'unknown-param',
          params: { uri: param.string({ default: 'a' }), k: param.integer({ default: 1 }) },
          build: (_p, b) => {
            b.task('a', noop, { n: ref.param<number>('kk') });
          },
        }),
      'PIPELINE_UNKNOWN_PARAM',
      { task: 'a', field: 'inputs.n' },
    );
    expect(e.message).toContain('(parameters: uri, k)');
    failure(
      () =>
        definePipeline({
          name: 'unknown-task',
          build: (_p, b) => {
            b.task('a', noop, { n: ref.output<number>('ghost', 'n') });
          },
        }),
      'PIPELINE_UNKNOWN_TASK',
      { task: 'a' },
    );
    failure(
      () =>
        definePipeline({
          name: 'unknown-after',
          build: (_p, b) => {
            b.task('a', noop, {}).after('ghost');
          },
        }),
      'PIPELINE_UNKNOWN_TASK',
      { task: 'a', field: 'after' },
    );
    const e2 = failure(
      () =>
        definePipeline({
          name: 'unknown-output',
          build: (_p, b) => {
            b.task('p', produce, { uri: 'x' });
            b.task('a', noop, { n: ref.output<number>('p', 'count') });
          },
        }),
      'PIPELINE_UNKNOWN_OUTPUT',
      { task: 'a' },
    );
    expect(e2.message).toContain('(outputs: rows, hash, gate, data)');
  });

  it('bad retry policies name the task and the field', () => {
    const withRetry = (retry: unknown) => () =>
      definePipeline({
        name: 'retry',
        build: (_p, b) => {
          b.task('fetch', noop, {}).retry(retry as never);
        },
      });
    const backoff = { durationSeconds: 10, factor: 2, maxDurationSeconds: 60 };
    failure(withRetry({ limit: 3 }), 'PIPELINE_INVALID_RETRY', { task: 'fetch', field: 'retry.backoff' });
    failure(withRetry({ limit: -1, backoff }), 'PIPELINE_INVALID_RETRY', {
      task: 'fetch',
      field: 'retry.limit',
    });
    failure(withRetry({ limit: 101, backoff }), 'PIPELINE_INVALID_RETRY', {
      task: 'fetch',
      field: 'retry.limit',
    });
    failure(withRetry({ limit: 1.5, backoff }), 'PIPELINE_INVALID_RETRY', {
      task: 'fetch',
      field: 'retry.limit',
    });
    failure(withRetry({ limit: 2, backoff: { ...backoff, factor: 0.5 } }), 'PIPELINE_INVALID_RETRY', {
      task: 'fetch',
      field: 'retry.backoff.factor',
    });
    failure(withRetry({ limit: 2, backoff: { ...backoff, factor: 1.5 } }), 'PIPELINE_INVALID_RETRY', {
      field: 'retry.backoff.factor',
    });
    failure(withRetry({ limit: 2, backoff: { ...backoff, durationSeconds: 0 } }), 'PIPELINE_INVALID_RETRY', {
      field: 'retry.backoff.durationSeconds',
    });
    failure(
      withRetry({ limit: 2, backoff: { ...backoff, maxDurationSeconds: 5 } }),
      'PIPELINE_INVALID_RETRY',
      {
        field: 'retry.backoff.maxDurationSeconds',
      },
    );
    failure(withRetry({ limit: 2, backoff: { ...backoff, capSeconds: 1 } }), 'PIPELINE_INVALID_RETRY', {
      field: 'retry.backoff.capSeconds',
    });
    failure(withRetry({ limit: 2, backoff, retryOn: 'sometimes' }), 'PIPELINE_INVALID_RETRY', {
      field: 'retry.retryOn',
    });
    failure(withRetry({ limit: 2, backoff, tries: 3 }), 'PIPELINE_INVALID_RETRY', { field: 'retry.tries' });
    // A step that is not retry-safe may not be retried, neither by its definition nor per task.
    failure(
      () =>
        definePipeline({
          name: 'unsafe',
          build: (_p, b) => {
            b.task('promote', sideEffect, {}).retry({ limit: 1, backoff });
          },
        }),
      'PIPELINE_INVALID_RETRY',
      { task: 'promote', field: 'retry.limit' },
    );
    expect(() =>
      defineStep({
        name: 'unsafe',
        version: '1',
        pure: false,
        retrySafe: false,
        timeoutSeconds: 1,
        retry: { limit: 1, backoff },
        run: async () => ({}),
      }),
    ).toThrow(/retry.limit must be 0 because the step is not retry-safe/);
  });

  it('bad names, duplicate tasks, reserved IDs, two steps with one name', () => {
    failure(() => definePipeline({ name: 'Bad_Name', build: () => {} }), 'PIPELINE_INVALID_NAME', {
      field: 'name',
    });
    failure(
      () =>
        definePipeline({
          name: 'p',
          build: (_p, b) => {
            b.task('train.best', noop, {});
          },
        }),
      'PIPELINE_INVALID_NAME',
      { task: 'train.best', field: 'id' },
    );
    failure(
      () =>
        definePipeline({
          name: 'p',
          build: (_p, b) => {
            b.task('a', noop, {});
            b.task('a', noop, {});
          },
        }),
      'PIPELINE_DUPLICATE_TASK',
      { task: 'a' },
    );
    failure(
      () =>
        definePipeline({
          name: 'p',
          build: (_p, b) => {
            b.task('pipeline', noop, {});
          },
        }),
      'PIPELINE_DUPLICATE_TASK',
      { task: 'pipeline' },
    );
    const twin = defineStep({ ...noop.spec, run: noop.run } as never);
    failure(
      () =>
        definePipeline({
          name: 'p',
          build: (_p, b) => {
            b.task('a', noop, {});
            b.task('b', twin, {});
          },
        }),
      'PIPELINE_DUPLICATE_STEP',
      { task: 'b' },
    );
  });

  it('task options: caching a step with side effects, bad timeouts and mutexes, options after build', () => {
    failure(
      () =>
        definePipeline({
          name: 'p',
          build: (_p, b) => {
            b.task('promote', sideEffect, {}).cache(true);
          },
        }),
      'PIPELINE_INVALID_OPTION',
      { task: 'promote', field: 'cache' },
    );
    failure(
      () =>
        definePipeline({
          name: 'p',
          build: (_p, b) => {
            b.task('a', noop, {}).timeout(0);
          },
        }),
      'PIPELINE_INVALID_OPTION',
      { task: 'a', field: 'timeout' },
    );
    failure(
      () =>
        definePipeline({
          name: 'p',
          build: (_p, b) => {
            b.task('a', noop, {}).mutex('Not A Lock');
          },
        }),
      'PIPELINE_INVALID_OPTION',
      { task: 'a', field: 'mutex' },
    );
    let leaked: { timeout(s: number): unknown } | undefined;
    definePipeline({
      name: 'p',
      build: (_p, b) => {
        leaked = b.task('a', noop, {});
      },
    });
    failure(() => leaked?.timeout(5), 'PIPELINE_INVALID_OPTION', { task: 'a', field: 'timeout' });
  });

  it('the exit handler reads parameters and run facts, never task outputs', () => {
    const finalize = defineStep({
      name: 'finalize',
      version: '1',
      inputs: { params: { status: param.string(), n: param.integer({ default: 0 }) } },
      pure: false,
      retrySafe: true,
      timeoutSeconds: 5,
      run: async () => ({}),
    });
    const pl = definePipeline({
      name: 'exit',
      build: (_p, b) => {
        b.task('a', noop, {});
        b.onExit('finalize', finalize, { status: b.run.status });
      },
    });
    expect(pl.spec.exitHandler?.inputs.status).toEqual({ from: 'run', field: 'status' });
    expect(pl.spec.tasks.map((t) => t.id)).toEqual(['a']);
    failure(
      () =>
        definePipeline({
          name: 'exit',
          build: (_p, b) => {
            const a = b.task('a', noop, {});
            b.onExit('finalize', finalize, { status: 'x', n: a.outputs.n });
          },
        }),
      'PIPELINE_INVALID_EXIT_HANDLER',
      { task: 'finalize', field: 'inputs.n' },
    );
    failure(
      () =>
        definePipeline({
          name: 'exit',
          build: (_p, b) => {
            b.task('a', finalize, { status: b.run.status });
          },
        }),
      'PIPELINE_INVALID_EXIT_HANDLER',
      { task: 'a', field: 'inputs.status' },
    );
    failure(
      () =>
        definePipeline({
          name: 'exit',
          build: (_p, b) => {
            b.onExit('f1', finalize, { status: 'x' });
            b.onExit('f2', finalize, { status: 'x' });
          },
        }),
      'PIPELINE_INVALID_EXIT_HANDLER',
      { task: 'f2' },
    );
    failure(
      () =>
        definePipeline({
          name: 'exit',
          build: (_p, b) => {
            b.task('a', noop, { n: ref.output<number>('finalize', 'n') });
            b.onExit('finalize', noop, {});
          },
        }),
      'PIPELINE_INVALID_EXIT_HANDLER',
    );
  });

  it('parameter declarations: defaults are validated, names are camelCase', () => {
    failure(
      () => definePipeline({ name: 'p', params: { k: param.integer({ default: 2.5 }) }, build: () => {} }),
      'PIPELINE_INVALID_PARAM',
      { field: 'params.k.default' },
    );
    failure(
      () =>
        definePipeline({ name: 'p', params: { k: param.integer({ default: 0, min: 1 }) }, build: () => {} }),
      'PIPELINE_INVALID_PARAM',
      { field: 'params.k.default' },
    );
    failure(
      () => definePipeline({ name: 'p', params: { k: param.integer({ min: 5, max: 1 }) }, build: () => {} }),
      'PIPELINE_INVALID_PARAM',
      { field: 'params.k' },
    );
    failure(
      () =>
        definePipeline({
          name: 'p',
          params: { alias: param.enum(['staging', 'production'], { default: 'prod' as never }) },
          build: () => {},
        }),
      'PIPELINE_INVALID_PARAM',
      { field: 'params.alias.default' },
    );
    failure(
      () => definePipeline({ name: 'p', params: { uri: param.string({ pattern: '(' }) }, build: () => {} }),
      'PIPELINE_INVALID_PARAM',
      { field: 'params.uri' },
    );
    failure(
      () =>
        definePipeline({
          name: 'p',
          params: { ks: param.list(param.integer({ min: 1 }), { default: [10, 0] }) },
          build: () => {},
        }),
      'PIPELINE_INVALID_PARAM',
      { field: 'params.ks.default[1]' },
    );
    failure(
      () => definePipeline({ name: 'p', params: { dataset_uri: param.string() }, build: () => {} }),
      'PIPELINE_INVALID_NAME',
      { field: 'params.dataset_uri' },
    );
  });
});

describe('when()', () => {
  const gated =
    (when: (a: { outputs: Record<string, Ref<string>> }, p: Record<string, never>) => unknown) => () =>
      definePipeline({
        name: 'gated',
        params: { minRows: param.integer({ default: 1 }), force: param.boolean({ default: false }) },
        build: (p, b) => {
          const a = b.task('produce', produce, { uri: 'x' });
          b.task('act', sideEffect, {}).when(when(a as never, p as never) as never);
        },
      });

  it('adds the condition operands as dependencies and records how it compares', () => {
    const pl = gated((a) => eq(a.outputs.gate, 'passed'))();
    const act = pl.spec.tasks.find((t) => t.id === 'act');
    expect(act?.dependsOn).toEqual(['produce']);
    expect(act?.when).toEqual({
      op: 'eq',
      left: { from: 'output', task: 'produce', output: 'gate' },
      right: { from: 'literal', value: 'passed' },
      compare: 'text',
    });
  });

  it('rejects a value the enum cannot take, mixed types, and ordering of text', async () => {
    const { gt, lt } = await import('../index.js');
    failure(
      gated((a) => eq(a.outputs.gate, 'pased')),
      'PIPELINE_INVALID_WHEN',
      { task: 'act', field: 'when' },
    );
    failure(
      gated((a) => eq(a.outputs.rows, 'many' as never)),
      'PIPELINE_TYPE_MISMATCH',
      {
        task: 'act',
        field: 'when',
      },
    );
    failure(
      gated((a) => lt(a.outputs.hash as never, 'z' as never)),
      'PIPELINE_INVALID_WHEN',
      { task: 'act' },
    );
    failure(
      gated((a) => gt(a.outputs.data as never, 1)),
      'PIPELINE_INVALID_WHEN',
      { task: 'act' },
    );
    failure(
      gated(() => eq(ref.output('ghost', 'x'), 1)),
      'PIPELINE_UNKNOWN_TASK',
      { task: 'act' },
    );
    failure(
      gated(() => eq(ref.param('nope'), 1)),
      'PIPELINE_UNKNOWN_PARAM',
      { task: 'act' },
    );
    expect(() => gated((a, p) => gt(a.outputs.rows as never, p.minRows))()).not.toThrow();
  });

  it('is set once', () => {
    failure(
      () =>
        definePipeline({
          name: 'twice',
          build: (_p, b) => {
            const a = b.task('produce', produce, { uri: 'x' });
            b.task('act', sideEffect, {})
              .when(eq(a.outputs.gate, 'passed'))
              .when(eq(a.outputs.gate, 'failed'));
          },
        }),
      'PIPELINE_INVALID_WHEN',
      { task: 'act' },
    );
  });
});

describe('fan-out', () => {
  it('over a { dimension: values } product: items in order (first dimension slowest), typed item refs', () => {
    const pl = definePipeline({
      name: 'sweep',
      build: (_p, b) => {
        const s = b.fanOut('score', score, { similarity: ['cosine', 'jaccard'], k: [10, 20] }, (item) => ({
          similarity: item.similarity,
          k: item.k,
        }));
        b.task('pick-best', pickBest, { grid: s.items, ndcg: s.outputs.ndcg });
      },
    });
    const [fan, best] = pl.spec.tasks;
    expect(fan.fanOut).toEqual({
      source: 'items',
      items: [
        { similarity: 'cosine', k: 10 },
        { similarity: 'cosine', k: 20 },
        { similarity: 'jaccard', k: 10 },
        { similarity: 'jaccard', k: 20 },
      ],
      item: {
        type: 'record',
        fields: { k: { type: 'integer' }, similarity: { type: 'enum', values: ['cosine', 'jaccard'] } },
      },
    });
    expect(fan.inputs).toEqual({
      similarity: { from: 'item', field: 'similarity' },
      k: { from: 'item', field: 'k' },
    });
    expect(best.dependsOn).toEqual(['score']);
    expect(best.inputs.ndcg).toEqual({ from: 'output', task: 'score', output: 'ndcg' });
  });

  it('over a list parameter and over an upstream list output', () => {
    const grid = param.list(
      { similarity: param.enum(['cosine', 'jaccard']), k: param.integer({ min: 1 }) },
      {
        default: [{ similarity: 'cosine', k: 20 }],
      },
    );
    const plan = defineStep({
      name: 'plan',
      version: '1',
      outputs: {
        params: {
          grid: param.list({ similarity: param.enum(['cosine', 'jaccard']), k: param.integer({ min: 1 }) }),
        },
      },
      pure: true,
      retrySafe: true,
      timeoutSeconds: 1,
      run: async () => ({ grid: [{ similarity: 'cosine' as const, k: 5 }] }),
    });
    const pl = definePipeline({
      name: 'dynamic',
      params: { grid },
      build: (p, b) => {
        b.fanOut('by-param', score, p.grid, (item) => ({ similarity: item.similarity, k: item.k }));
        const g = b.task('plan', plan, {});
        b.fanOut('by-output', score, g.outputs.grid, (item) => ({ similarity: item.similarity, k: item.k }));
      },
    });
    expect(pl.spec.tasks.find((t) => t.id === 'by-param')?.fanOut?.source).toBe('param');
    const byOutput = pl.spec.tasks.find((t) => t.id === 'by-output');
    expect(byOutput?.fanOut).toMatchObject({ source: 'output', task: 'plan', output: 'grid' });
    expect(byOutput?.dependsOn).toEqual(['plan']);
  });

  it('rejects empty lists, mixed items, a when(), unknown item fields and reading a fan-out artifact', () => {
    failure(
      () =>
        definePipeline({
          name: 'f',
          build: (_p, b) => {
            b.fanOut('s', noop, [], (n) => ({ n: n as never }));
          },
        }),
      'PIPELINE_INVALID_FAN_OUT',
      { task: 's' },
    );
    failure(
      () =>
        definePipeline({
          name: 'f',
          build: (_p, b) => {
            b.fanOut('s', noop, { n: [] }, (i) => ({ n: i.n as never }));
          },
        }),
      'PIPELINE_INVALID_FAN_OUT',
      { task: 's', field: 'fanOut.n' },
    );
    failure(
      () =>
        definePipeline({
          name: 'f',
          build: (_p, b) => {
            b.fanOut('s', noop, [1, 'two'], (n) => ({ n: n as never }));
          },
        }),
      'PIPELINE_INVALID_FAN_OUT',
      { task: 's' },
    );
    failure(
      () =>
        definePipeline({
          name: 'f',
          build: (_p, b) => {
            const a = b.task('produce', produce, { uri: 'x' });
            b.fanOut('s', noop, [1, 2], (n) => ({ n })).when(eq(a.outputs.gate, 'passed'));
          },
        }),
      'PIPELINE_INVALID_FAN_OUT',
      { task: 's', field: 'when' },
    );
    failure(
      () =>
        definePipeline({
          name: 'f',
          build: (_p, b) => {
            b.fanOut('s', score, { similarity: ['cosine'], k: [1] }, (i) => ({
              similarity: i.similarity,
              k: new Ref<number>({ from: 'item', field: 'kk' }),
            }));
          },
        }),
      'PIPELINE_INVALID_FAN_OUT',
      { task: 's', field: 'inputs.k' },
    );
    failure(
      () =>
        definePipeline({
          name: 'f',
          build: (_p, b) => {
            const fan = b.fanOut('p', produce, ['a', 'b'], (uri) => ({ uri }));
            b.task('c', consume, { rows: 1, data: ref.output('p', 'data') as never });
            void fan;
          },
        }),
      'PIPELINE_INVALID_FAN_OUT',
      { task: 'c', field: 'inputs.data' },
    );
    // A fan-out over a parameter that is not a list.
    failure(
      () =>
        definePipeline({
          name: 'f',
          params: { k: param.integer({ default: 1 }) },
          build: (p, b) => {
            b.fanOut('s', noop, p.k as never, (n) => ({ n: n as never }));
          },
        }),
      'PIPELINE_TYPE_MISMATCH',
      { task: 's', field: 'fanOut' },
    );
  });

  it('a fan-out item that does not fit the input is a type mismatch', () => {
    failure(
      () =>
        definePipeline({
          name: 'f',
          build: (_p, b) => {
            b.fanOut('s', score, { similarity: ['cosine', 'lift'], k: [1] }, (i) => ({
              similarity: i.similarity as never,
              k: i.k,
            }));
          },
        }),
      'PIPELINE_TYPE_MISMATCH',
      { task: 's', field: 'inputs.similarity' },
    );
  });
});

describe('validatePipelineSpec on JSON', () => {
  it('rejects a spec of another version and a task whose step version differs', () => {
    const s = JSON.parse(JSON.stringify(chain().spec));
    failure(() => validatePipelineSpec({ ...s, specVersion: 2 }), 'PIPELINE_INVALID_SPEC', {
      field: 'specVersion',
    });
    s.tasks[1].step.version = '9';
    failure(() => validatePipelineSpec(s), 'PIPELINE_INVALID_SPEC', {
      task: 'consume',
      field: 'step.version',
    });
  });

  it('accepts artifacts declared with artifact.file() and .directory()', () => {
    expect(artifact.file()).toEqual({ kind: 'file' });
    expect(artifact.directory({ description: 'd' })).toEqual({ kind: 'directory', description: 'd' });
  });
});
