import { BookmlError, type BookmlErrorOptions } from '../core/index.js';

/**
 * Every error `eval/` raises, by code. Each entry says when it happens; the thrown message says what
 * to do. All are caller errors (HTTP 400, not retryable): the same input fails the same way.
 */
export const EvalErrorCodes = {
  /** `k` is not an integer in [1, 1000], or exceeds the catalogue size. */
  EVAL_K_OUT_OF_RANGE: 'EVAL_K_OUT_OF_RANGE',
  /** A split rule is malformed: a bad cut date, a fraction outside (0, 1), or both given. */
  EVAL_BAD_SPLIT: 'EVAL_BAD_SPLIT',
  /** A split left no line on the train side, so no recommender can learn anything. */
  EVAL_EMPTY_TRAIN: 'EVAL_EMPTY_TRAIN',
  /** No customer has both a train history and a held-out item that is new to them. */
  EVAL_EMPTY_TEST_SET: 'EVAL_EMPTY_TEST_SET',
  /** Bootstrap settings out of range: resamples not in [10, 100000] or confidence not in (0, 1). */
  EVAL_BAD_BOOTSTRAP: 'EVAL_BAD_BOOTSTRAP',
  /** Series handed to the bootstrap have different lengths (they must be per-user, same users). */
  EVAL_LENGTH_MISMATCH: 'EVAL_LENGTH_MISMATCH',
  /** `evaluate` was given no recommender, or named a model that is not among them. */
  EVAL_NO_RECOMMENDERS: 'EVAL_NO_RECOMMENDERS',
  /** A recommender broke its contract: too many items, an index out of range, a duplicate, or a history item. */
  EVAL_BAD_RECOMMENDATION: 'EVAL_BAD_RECOMMENDATION',
  /** Train interactions and test set disagree on the catalogue size. */
  EVAL_CATALOGUE_MISMATCH: 'EVAL_CATALOGUE_MISMATCH',
} as const;

/** One of the codes in {@link EvalErrorCodes}. */
export type EvalErrorCode = keyof typeof EvalErrorCodes;

/**
 * An evaluation error: a `BookmlError` whose `code` is one of {@link EvalErrorCodes}.
 *
 * @example
 * throw new EvaluationError('EVAL_K_OUT_OF_RANGE', 'k must be an integer in [1, 1000], got 0', { field: 'k' });
 */
export class EvaluationError extends BookmlError {
  declare readonly code: EvalErrorCode;
  constructor(code: EvalErrorCode, message: string, options: BookmlErrorOptions = {}) {
    super(code, message, options);
    this.name = 'EvaluationError';
  }
}

/** The largest `k` accepted: longer lists are not what a shop shows, and cost memory per user. @default 1000 */
export const MAX_K = 1000;

/**
 * Check a list length where it enters: an integer in [1, {@link MAX_K}], and at most `nItems`
 * (the catalogue size) when given. Fails with `EVAL_K_OUT_OF_RANGE`.
 * @example checkK(flags.k); // before loading anything
 */
export function checkK(k: number, nItems?: number): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) {
    throw new EvaluationError('EVAL_K_OUT_OF_RANGE', `k must be an integer in [1, ${MAX_K}], got ${k}`, {
      field: 'k',
    });
  }
  if (nItems !== undefined && k > nItems) {
    throw new EvaluationError(
      'EVAL_K_OUT_OF_RANGE',
      `k = ${k} exceeds the catalogue (${nItems} items): every list would hold the whole catalogue; use a smaller k`,
      { field: 'k' },
    );
  }
}
