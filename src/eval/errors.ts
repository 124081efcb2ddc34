import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../core/index.js';

/**
 * Every error `eval/` raises, by code. The thrown message says what to do. All are caller errors
 * (HTTP 400, not retryable): the same input fails the same way.
 */
export const EVAL_ERRORS = defineErrors('EVAL', {
  EVAL_K_OUT_OF_RANGE: {
    status: 400,
    description: '`k` is not an integer in [1, 1000], or exceeds the catalogue size.',
  },
  EVAL_BAD_SPLIT: {
    status: 400,
    description: 'A split rule is malformed: a bad cut date, a fraction outside (0, 1), or both given.',
  },
  EVAL_EMPTY_TRAIN: {
    status: 400,
    description: 'A split left no line on the train side, so no recommender can learn anything.',
  },
  EVAL_EMPTY_TEST_SET: {
    status: 400,
    description: 'No customer has both a train history and a held-out item that is new to them.',
  },
  EVAL_BAD_BOOTSTRAP: {
    status: 400,
    description:
      'Bootstrap settings out of range: resamples not in [10, 100000] or confidence not in (0, 1).',
  },
  EVAL_LENGTH_MISMATCH: {
    status: 400,
    description: 'Series handed to the bootstrap have different lengths (they must be per-user, same users).',
  },
  EVAL_NO_RECOMMENDERS: {
    status: 400,
    description: '`evaluate` was given no recommender, or named a model that is not among them.',
  },
  EVAL_BAD_RECOMMENDATION: {
    status: 400,
    description:
      'A recommender broke its contract: too many items, an index out of range, a duplicate, or a history item.',
  },
  EVAL_CATALOGUE_MISMATCH: {
    status: 400,
    description: 'Train interactions and test set disagree on the catalogue size.',
  },
});

/** One of the codes in {@link EVAL_ERRORS}. */
export type EvalErrorCode = keyof typeof EVAL_ERRORS;

/**
 * An evaluation error; status, exit code and retryability come from {@link EVAL_ERRORS}.
 *
 * @example
 * throw new EvaluationError('EVAL_K_OUT_OF_RANGE', 'k must be an integer in [1, 1000], got 0', { field: 'k' });
 */
export class EvaluationError extends BookmlError {
  declare readonly code: EvalErrorCode;
  constructor(code: EvalErrorCode, message: string, options: CatalogueErrorOptions = {}) {
    super(EVAL_ERRORS[code], message, options);
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
