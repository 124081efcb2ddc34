import { describe, expect, it } from 'vitest';
import { BookmlError } from '../core/index.js';
import { checkK, EvalErrorCodes, EvaluationError } from './errors.js';

describe('eval errors', () => {
  it('codes are unique, equal their keys and live in the EVAL_ area', () => {
    const entries = Object.entries(EvalErrorCodes);
    expect(new Set(entries.map(([, v]) => v)).size).toBe(entries.length);
    for (const [key, code] of entries) {
      expect(code).toBe(key);
      expect(code).toMatch(/^EVAL_[A-Z_]+$/);
    }
  });

  it('are BookmlErrors with a field, a 400 and no retry', () => {
    let err: unknown;
    try {
      checkK(0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BookmlError);
    expect(err).toBeInstanceOf(EvaluationError);
    expect((err as BookmlError).toJSON()).toEqual({
      code: 'EVAL_K_OUT_OF_RANGE',
      message: 'k must be an integer in [1, 1000], got 0',
      field: 'k',
    });
    expect(err).toMatchObject({ status: 400, retryable: false });
  });
});
