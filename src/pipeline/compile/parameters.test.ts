import { describe, expect, it } from 'vitest';
import { argoName, argoValue, bookmlName, parseArgoValue } from './parameters.js';

describe('parameter names and values on Argo', () => {
  it('camelCase ↔ kebab-case, one to one', () => {
    for (const n of ['datasetUri', 'k', 'ndcgAt10', 'mustBeatPopular'])
      expect(bookmlName(argoName(n))).toBe(n);
    expect(argoName('datasetUri')).toBe('dataset-uri');
  });

  it('bindings ↔ {{…}} references', () => {
    for (const b of [
      { from: 'param', param: 'minNdcg' },
      { from: 'output', task: 'pick-best', output: 'modelId' },
      { from: 'item' },
      { from: 'item', field: 'similarity' },
      { from: 'run', field: 'status' },
    ] as const) {
      expect(parseArgoValue(argoValue(b))).toEqual(b);
    }
    expect(argoValue({ from: 'literal', value: [10, 20] })).toBe('[10,20]');
    expect(() => parseArgoValue('{{workflow.uid}}')).toThrow(/not a reference bookml emits/);
  });
});
