import { describe, expect, it } from 'vitest';
import { BookmlError } from '../core/index.js';
import { checkK, EVAL_ERRORS, EvaluationError } from './errors.js';

describe('eval errors', () => {
  it('codes equal their keys and live in the EVAL_ area', () => {
    for (const [key, entry] of Object.entries(EVAL_ERRORS)) {
      expect(entry.code).toBe(key);
      expect(entry.code).toMatch(/^EVAL_[A-Z_]+$/);
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
    expect(err).toMatchObject({ status: 400, exitCode: 2, retryable: false });
  });
});
