import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../core/index.js';

/**
 * Every error `pipelines/` raises, by code. Step failures carry retry intent: a failed data gate or a bad
 * dataset URI fails fast (`retryable: false`, so neither target retries it).
 */
export const PIPELINES_ERRORS = defineErrors('PIPELINES', {
  PIPELINES_NOT_FOUND: {
    status: 404,
    description:
      '`getPipeline(name)` with a name that is not in the catalogue; the message lists the valid ones.',
  },
  PIPELINES_BAD_DATASET_URI: {
    status: 400,
    description: 'A dataset URI the ingest step cannot read; the message lists the accepted forms.',
  },
  PIPELINES_DATA_GATE_FAILED: {
    status: 422,
    description:
      'The dataset failed the data-quality gate; the message lists each failed check with its value.',
  },
  PIPELINES_BAD_INPUT: {
    status: 400,
    description: "A step's inputs do not fit together (e.g. the sweep's gathered lists differ in length).",
  },
});

/** One of the codes in {@link PIPELINES_ERRORS}. */
export type PipelinesErrorCode = keyof typeof PIPELINES_ERRORS;

/**
 * An error of `pipelines/`; status, exit code and retryability come from {@link PIPELINES_ERRORS}.
 * @example throw new PipelinesError('PIPELINES_NOT_FOUND', 'no pipeline "x" (pipelines: recommender)', { field: 'pipeline' });
 */
export class PipelinesError extends BookmlError {
  declare readonly code: PipelinesErrorCode;
  constructor(code: PipelinesErrorCode, message: string, options: CatalogueErrorOptions = {}) {
    super(PIPELINES_ERRORS[code], message, options);
    this.name = 'PipelinesError';
  }
}
