import { describe, expect, it } from 'vitest';
import {
  decodeParamValue,
  definePipeline,
  encodeParamValue,
  PipelineError,
  param,
  resolveParams,
  typeLabel,
  validateParamValue,
} from '../index.js';

const codeOf = (fn: () => unknown): { code: string; field?: string; message: string } => {
  try {
    fn();
  } catch (e) {
    if (e instanceof PipelineError) return { code: e.code, field: e.field, message: e.message };
    throw e;
  }
  throw new Error('did not throw');
};

describe('param specs', () => {
  it('builders give plain JSON specs, typeLabel names them', () => {
    expect(param.integer({ default: 20, min: 1 })).toEqual({ type: 'integer', default: 20, min: 1 });
    expect(param.list({ similarity: param.enum(['cosine', 'jaccard']), k: param.integer() })).toEqual({
      type: 'list',
      of: {
        type: 'record',
        fields: { similarity: { type: 'enum', values: ['cosine', 'jaccard'] }, k: { type: 'integer' } },
      },
    });
    expect(typeLabel(param.list(param.enum(['a', 'b'])))).toBe('list<enum[a|b]>');
    expect(typeLabel(param.list({ k: param.integer() }))).toBe('list<{k: integer}>');
  });

  it('validateParamValue names the field and the reason', () => {
    const k = param.integer({ min: 1, max: 1000 });
    expect(validateParamValue(k, 20, { field: 'k' })).toBe(20);
    expect(codeOf(() => validateParamValue(k, 0, { field: 'k' }))).toEqual({
      code: 'PIPELINE_INVALID_PARAM',
      field: 'k',
      message: 'k must be ≥ 1, got 0',
    });
    expect(codeOf(() => validateParamValue(k, 2.5, { field: 'k' })).message).toBe(
      'k must be an integer, got 2.5',
    );
    expect(codeOf(() => validateParamValue(param.number(), Number.NaN, { field: 'x' })).message).toContain(
      'finite number',
    );
    const uri = param.string({ pattern: '[a-z]+://.+', maxLength: 20 });
    expect(codeOf(() => validateParamValue(uri, 'nope', { field: 'uri' })).message).toContain('must match');
    expect(
      codeOf(() => validateParamValue(uri, `s3://${'x'.repeat(30)}`, { field: 'uri' })).message,
    ).toContain('at most 20 characters');
    const alias = param.enum(['staging', 'production']);
    expect(codeOf(() => validateParamValue(alias, 'prod', { field: 'alias' })).message).toBe(
      'alias must be one of staging, production, got "prod"',
    );
    const grid = param.list({ k: param.integer({ min: 1 }) }, { minItems: 1 });
    expect(codeOf(() => validateParamValue(grid, [], { field: 'grid' })).message).toContain(
      'at least 1 items',
    );
    expect(codeOf(() => validateParamValue(grid, [{ k: 1 }, { k: 0 }], { field: 'grid' })).field).toBe(
      'grid[1].k',
    );
    expect(codeOf(() => validateParamValue(grid, [{ k: 1, j: 2 }], { field: 'grid' })).message).toContain(
      'unknown field "j"',
    );
  });

  it('one text form per value, read back by decodeParamValue (also from Argo’s aggregated lists)', () => {
    expect(encodeParamValue(0.5)).toBe('0.5');
    expect(encodeParamValue(-0)).toBe('0');
    expect(encodeParamValue(true)).toBe('true');
    expect(encodeParamValue(['cosine', 'jaccard'])).toBe('["cosine","jaccard"]');
    expect(decodeParamValue(param.integer(), '20', { field: 'k' })).toBe(20);
    expect(decodeParamValue(param.boolean(), 'false', { field: 'b' })).toBe(false);
    expect(decodeParamValue(param.list(param.number()), '["0.3","0.2"]', { field: 'ndcg' })).toEqual([
      0.3, 0.2,
    ]);
    expect(
      decodeParamValue(
        param.list({ similarity: param.string(), k: param.integer() }),
        '[{"similarity":"cosine","k":"10"}]',
        {
          field: 'grid',
        },
      ),
    ).toEqual([{ similarity: 'cosine', k: 10 }]);
    expect(codeOf(() => decodeParamValue(param.integer(), 'ten', { field: 'k' })).code).toBe(
      'PIPELINE_INVALID_PARAM',
    );
    expect(codeOf(() => decodeParamValue(param.list(param.integer()), '[1,', { field: 'ks' })).message).toBe(
      'ks must be JSON, got "[1,"',
    );
    for (const [spec, value] of [
      [param.number(), 1e-7],
      [param.integer(), -42],
      [param.string(), ' spaced '],
      [param.list(param.enum(['a', 'b'])), ['b', 'a']],
    ] as const) {
      expect(decodeParamValue(spec, encodeParamValue(value), { field: 'v' })).toEqual(value);
    }
  });
});

describe('resolveParams: a run’s parameters', () => {
  const pl = definePipeline({
    name: 'p',
    params: {
      datasetUri: param.string({ default: 'current' }),
      kGrid: param.list(param.integer({ min: 1 }), { default: [10, 20] }),
      minNdcg: param.number({ default: 0.05, min: 0, max: 1 }),
      alias: param.enum(['staging', 'production'], { default: 'staging' }),
      seed: param.integer(),
    },
    build: () => {},
  });

  it('fills defaults and decodes text values (-p k=v)', () => {
    expect(resolveParams(pl.spec, { seed: '7', kGrid: '[5,50]' })).toEqual({
      datasetUri: 'current',
      kGrid: [5, 50],
      minNdcg: 0.05,
      alias: 'staging',
      seed: 7,
    });
  });

  it('lists every problem at once: unknown names with the valid ones, missing and bad values', () => {
    const e = codeOf(() => resolveParams(pl.spec, { sed: 1, minNdcg: '2', alias: 'prod' }));
    expect(e.code).toBe('PIPELINE_UNKNOWN_PARAM');
    expect(e.field).toBe('sed');
    expect(e.message).toContain(
      'unknown parameter "sed" (parameters of p: datasetUri, kGrid, minNdcg, alias, seed)',
    );
    expect(e.message).toContain('minNdcg must be ≤ 1, got 2');
    expect(e.message).toContain('alias must be one of staging, production');
    expect(e.message).toContain('parameter "seed" is required');
    expect(codeOf(() => resolveParams(pl.spec, { seed: 'x' }))).toMatchObject({
      code: 'PIPELINE_INVALID_PARAM',
      field: 'seed',
    });
  });
});
