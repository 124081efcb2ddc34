import { describe, expect, it } from 'vitest';
import { param } from '../definition/param.js';
import { defineStep } from '../definition/step.js';
import { cacheKeyOf, cacheKeyParts, diffCacheKeyParts, flatten } from './cache-key.js';

const step = defineStep({
  name: 'train',
  version: '1',
  inputs: { params: { k: param.integer(), similarity: param.string() } },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 60,
  env: ['BOOKML_SECRET_SALT'],
  run: async () => ({}),
});

describe('cache key', () => {
  it('is the same for the same content, whatever the order of inputs', () => {
    const a = cacheKeyParts(step, { k: 20, similarity: 'cosine' }, { dataset: 'a'.repeat(64) }, {});
    const b = cacheKeyParts(step, { similarity: 'cosine', k: 20 }, { dataset: 'a'.repeat(64) }, {});
    expect(cacheKeyOf(a)).toBe(cacheKeyOf(b));
    expect(cacheKeyOf(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with each part, and the diff names the part', () => {
    const base = cacheKeyParts(step, { k: 20, similarity: 'cosine' }, { dataset: 'a'.repeat(64) }, {});
    const other = cacheKeyParts(
      step,
      { k: 50, similarity: 'cosine' },
      { dataset: 'b'.repeat(64) },
      { BOOKML_SECRET_SALT: 'x' },
    );
    expect(cacheKeyOf(other)).not.toBe(cacheKeyOf(base));
    expect(diffCacheKeyParts(base, other).map((c) => c.component)).toEqual([
      'artifacts.dataset',
      'env.BOOKML_SECRET_SALT',
      'params.k',
    ]);
    expect(diffCacheKeyParts(base, other).find((c) => c.component === 'params.k')).toEqual({
      component: 'params.k',
      before: '20',
      after: '50',
    });
  });

  it('hashes environment values instead of keeping them', () => {
    const parts = cacheKeyParts(step, { k: 1, similarity: 's' }, {}, { BOOKML_SECRET_SALT: 'hunter2' });
    expect(JSON.stringify(parts)).not.toContain('hunter2');
    expect(flatten(parts)['env.BOOKML_SECRET_SALT']).toMatch(/^[0-9a-f]{64}$/);
    expect(
      flatten(cacheKeyParts(step, { k: 1, similarity: 's' }, {}, {}))['env.BOOKML_SECRET_SALT'],
    ).toBeNull();
  });

  it('includes the step code: another version of the step gives another key', () => {
    const v2 = defineStep({ ...step.spec, version: '2', inputs: step.spec.inputs, run: async () => ({}) });
    const a = cacheKeyParts(step, { k: 1, similarity: 's' }, {}, {});
    const b = cacheKeyParts(v2, { k: 1, similarity: 's' }, {}, {});
    expect(diffCacheKeyParts(a, b).map((c) => c.component)).toEqual(['codeHash', 'stepVersion']);
  });
});
