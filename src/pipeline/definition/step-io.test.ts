import { describe, expect, it } from 'vitest';
import { artifact, definePipeline, defineStep, type PipelineError, param } from '../index.js';
import {
  decodeTaskInputs,
  encodeStepOutputs,
  formatStepArgs,
  parseStepArgs,
  type StepInvocation,
} from '../runner/index.js';

const train = defineStep({
  name: 'train',
  version: '1',
  inputs: {
    params: { k: param.integer({ min: 1 }), seed: param.integer({ default: 42 }) },
    artifacts: { dataset: artifact.directory() },
  },
  outputs: {
    params: { ndcg: param.number({ min: 0, max: 1 }) },
    artifacts: { bundle: artifact.directory() },
  },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 60,
  run: async (ctx) => ({ ndcg: 0.2, bundle: ctx.outputPath('bundle') }),
});
const source = defineStep({
  name: 'source',
  version: '1',
  outputs: { artifacts: { dataset: artifact.directory() } },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 60,
  run: async (ctx) => ({ dataset: ctx.outputPath('dataset') }),
});
const pl = definePipeline({
  name: 'p',
  params: { k: param.integer({ default: 20, max: 100 }) },
  build: (p, b) => {
    const s = b.task('source', source, {});
    b.task('train', train, { k: p.k, dataset: s.outputs.dataset });
  },
});

describe('bookml step arguments', () => {
  it('format and parse are inverses', () => {
    const inv: StepInvocation = {
      task: 'train',
      pipeline: 'p',
      runId: 'run-1',
      params: { k: '20', note: 'a=b c' },
      artifacts: { dataset: '/tmp/inputs/dataset' },
      outputsDir: '/tmp/outputs',
      cache: false,
    };
    const args = formatStepArgs(inv);
    expect(args).toEqual([
      'train',
      '--pipeline',
      'p',
      '--run',
      'run-1',
      '--param',
      'k=20',
      '--param',
      'note=a=b c',
      '--artifact',
      'dataset=/tmp/inputs/dataset',
      '--outputs',
      '/tmp/outputs',
      '--no-cache',
    ]);
    expect(parseStepArgs(args)).toEqual(inv);
  });

  it('name the bad flag', () => {
    const field = (argv: string[]) => {
      try {
        parseStepArgs(argv);
      } catch (e) {
        return (e as PipelineError).field;
      }
    };
    expect(field([])).toBe('task');
    expect(field(['t', '--outputs', '/o'])).toBe('--pipeline');
    expect(field(['t', '--pipeline', 'p'])).toBe('--outputs');
    expect(field(['t', '--pipeline', 'p', '--param', 'k'])).toBe('--param');
    expect(field(['t', '--pipeline', 'p', '--bogus', 'x'])).toBe('--bogus');
  });
});

describe('decodeTaskInputs / encodeStepOutputs', () => {
  const inv = (params: Record<string, string>): StepInvocation => ({
    task: 'train',
    pipeline: 'p',
    params,
    artifacts: { dataset: '/in/dataset' },
    outputsDir: '/out',
    cache: true,
  });

  it('types text inputs, applies step defaults, and checks wired parameters against the pipeline’s spec', () => {
    expect(decodeTaskInputs(pl.spec, inv({ k: '20' }))).toEqual({ k: 20, seed: 42, dataset: '/in/dataset' });
    // 200 fits the step (min 1) but not the pipeline parameter k (max 100) it is wired to.
    expect(() => decodeTaskInputs(pl.spec, inv({ k: '200' }))).toThrow('k must be ≤ 100');
    expect(() => decodeTaskInputs(pl.spec, inv({}))).toThrow('input "k" was not passed');
    expect(() => decodeTaskInputs(pl.spec, inv({ k: '1', kk: '2' }))).toThrow('has no parameter input "kk"');
    expect(() => decodeTaskInputs(pl.spec, { ...inv({ k: '1' }), task: 'nope' })).toThrow(
      'has no task "nope"',
    );
  });

  it('outputs: every declared one, nothing else, valid values', () => {
    expect(encodeStepOutputs(train.spec, { ndcg: 0.25, bundle: '/out/bundle' })).toEqual({
      params: { ndcg: '0.25' },
      artifacts: { bundle: '/out/bundle' },
    });
    const code = (values: Record<string, unknown>) => {
      try {
        encodeStepOutputs(train.spec, values, { task: 'train' });
      } catch (e) {
        return `${(e as PipelineError).code} ${(e as PipelineError).field}`;
      }
    };
    expect(code({ bundle: '/b' })).toBe('PIPELINE_INVALID_OUTPUT outputs.ndcg');
    expect(code({ ndcg: 2, bundle: '/b' })).toBe('PIPELINE_INVALID_PARAM outputs.ndcg');
    expect(code({ ndcg: 0.1 })).toBe('PIPELINE_INVALID_OUTPUT outputs.bundle');
    expect(code({ ndcg: 0.1, bundle: '/b', extra: 1 })).toBe('PIPELINE_INVALID_OUTPUT outputs.extra');
  });
});
