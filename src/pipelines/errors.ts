import { BookmlError, type BookmlErrorOptions } from '../core/index.js';

/**
 * Every error `pipelines/` raises, by code. Step failures carry retry intent: a failed data gate or a bad
 * dataset URI fails fast (`retryable: false`, so neither target retries it).
 */
export const PipelinesErrorCodes = {
  /** `getPipeline(name)` with a name that is not in the catalogue; the message lists the valid ones. */
  PIPELINES_NOT_FOUND: 'PIPELINES_NOT_FOUND',
  /** A dataset URI the ingest step cannot read; the message lists the accepted forms. */
  PIPELINES_BAD_DATASET_URI: 'PIPELINES_BAD_DATASET_URI',
  /** The dataset failed the data-quality gate; the message lists each failed check with its value. */
  PIPELINES_DATA_GATE_FAILED: 'PIPELINES_DATA_GATE_FAILED',
  /** A step's inputs do not fit together (e.g. the sweep's gathered lists differ in length). */
  PIPELINES_BAD_INPUT: 'PIPELINES_BAD_INPUT',
} as const;

export type PipelinesErrorCode = keyof typeof PipelinesErrorCodes;

/**
 * An error of `pipelines/`: a `BookmlError` with one of {@link PipelinesErrorCodes}.
 * @example throw new PipelinesError('PIPELINES_NOT_FOUND', 'no pipeline "x" (pipelines: recommender)', { field: 'pipeline', status: 404 });
 */
export class PipelinesError extends BookmlError {
  declare readonly code: PipelinesErrorCode;
  constructor(code: PipelinesErrorCode, message: string, options: BookmlErrorOptions = {}) {
    super(code, message, options);
    this.name = 'PipelinesError';
  }
}
