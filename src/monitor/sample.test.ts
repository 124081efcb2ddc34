import { describe, expect, it } from 'vitest';
import { BookmlError, isBookmlError } from '../core/index.js';
import { MONITOR_ERRORS, MonitorError } from './errors.js';
import { parseSampleJson, sortedSample } from './sample.js';

const where = { field: 'reference', source: 'ref.json' };

function errorOf(f: () => unknown): BookmlError {
  try {
    f();
  } catch (e) {
    if (e instanceof BookmlError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('monitor errors', () => {
  it('codes are unique, equal their keys and live in the MONITOR_ area', () => {
    for (const [key, { code }] of Object.entries(MONITOR_ERRORS)) {
      expect(code).toBe(key);
      expect(code).toMatch(/^MONITOR_[A-Z_]+$/);
    }
  });

  it('are BookmlErrors with a field, a 400 and no retry', () => {
    const err = errorOf(() => sortedSample([], 'current'));
    expect(err).toBeInstanceOf(MonitorError);
    expect(err.toJSON()).toEqual({
      code: 'MONITOR_EMPTY_SAMPLE',
      message: 'the current sample is empty: a KS test needs at least one value on each side',
      field: 'current',
    });
    expect(err).toMatchObject({ status: 400, retryable: false });
  });
});

describe('sortedSample', () => {
  it('returns a sorted Float64Array copy', () => {
    const input = [3, -1, 2, -0, 0];
    const out = sortedSample(input, 'x');
    expect(out).toBeInstanceOf(Float64Array);
    expect([...out]).toEqual([-1, -0, 0, 2, 3]);
    expect(input).toEqual([3, -1, 2, -0, 0]);
  });
});

describe('parseSampleJson', () => {
  it('reads an array of numbers', () => {
    expect([...parseSampleJson('[1, 2.5, -3e2]', where)]).toEqual([1, 2.5, -300]);
  });

  it.each([
    ['not JSON', '[1, 2', /ref\.json is not valid JSON/],
    ['an object', '{"values": [1]}', /ref\.json holds object, not an array/],
    ['null', 'null', /ref\.json holds null, not an array/],
    ['a string element', '[1, "2"]', /ref\.json: element 1 is "2", not a finite number/],
    ['a null element', '[1, null]', /element 1 is null/],
    ['an overflowing number', '[1e999]', /element 0 is Infinity/],
  ])('%s → MONITOR_BAD_SAMPLE_FILE naming the file', (_, text, message) => {
    const err = errorOf(() => parseSampleJson(text, where));
    expect(err.code).toBe('MONITOR_BAD_SAMPLE_FILE');
    expect(err.field).toBe('reference');
    expect(err.message).toMatch(message);
  });

  it('an empty array is MONITOR_EMPTY_SAMPLE naming the file', () => {
    const err = errorOf(() => parseSampleJson('[]', where));
    expect(isBookmlError(err, 'MONITOR_EMPTY_SAMPLE')).toBe(true);
    expect(err.message).toMatch(/ref\.json is an empty array/);
  });
});
