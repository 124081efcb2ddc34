import { describe, expect, it } from 'vitest';
import {
  bucketKey,
  checkFilter,
  mapParameters,
  parametersKey,
  readField,
  strictKey,
} from './event-fields.js';

describe('event fields', () => {
  const payload = { model: 'recommender', body: { rows: 3, tags: ['a', 'b'] }, empty: null };

  it('reads dotted paths through objects and arrays, never the prototype', () => {
    expect(readField(payload, 'body.rows')).toEqual({ found: true, value: 3 });
    expect(readField(payload, 'body.tags.1')).toEqual({ found: true, value: 'b' });
    expect(readField(payload, 'empty')).toEqual({ found: true, value: null });
    expect(readField(payload, 'body.nope')).toEqual({ found: false });
    expect(readField(payload, 'model.length')).toEqual({ found: false });
    expect(readField(payload, 'constructor')).toEqual({ found: false });
    expect(readField('text', 'a')).toEqual({ found: false });
  });

  it('ANDs equals / in / exists and says which failed', () => {
    expect(
      checkFilter(
        [
          { path: 'model', equals: 'recommender' },
          { path: 'body.rows', in: [1, 3] },
        ],
        payload,
      ),
    ).toBe(undefined);
    expect(checkFilter([{ path: 'body.rows', equals: '3' }], payload)).toBe('body.rows is 3, not "3"');
    expect(
      checkFilter(
        [
          { path: 'gone', exists: false },
          { path: 'gone', equals: 1 },
        ],
        payload,
      ),
    ).toBe('gone is missing');
    expect(checkFilter([{ path: 'model', exists: false }], payload)).toBe('model is present');
  });

  it('maps fields, defaults and literals to parameters', () => {
    expect(
      mapParameters({ m: { from: 'model' }, n: { from: 'x', default: 5 }, k: { value: [20, 50] } }, payload),
    ).toEqual({ ok: true, parameters: { m: 'recommender', n: 5, k: [20, 50] } });
    expect(mapParameters({ m: { from: 'x' } }, payload)).toEqual({ ok: false, parameter: 'm', path: 'x' });
  });

  it('builds keys: strict for dedupe, bucketed for rate limits', () => {
    expect(strictKey(['model', 'body.rows'], payload)).toBe('model=recommender, body.rows=3');
    expect(strictKey(['model', 'hash'], payload)).toBeUndefined();
    expect(bucketKey(['model', 'hash'], payload)).toBe('model=recommender, hash=(none)');
    expect(bucketKey([], payload)).toBe('*');
    expect(parametersKey({ b: 1, a: 'x' })).toBe('a=x, b=1');
  });
});
