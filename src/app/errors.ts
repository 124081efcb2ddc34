import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../core/index.js';

/** Every error the composition root raises, by code. Match on `code`, never on message text. */
export const APP_ERRORS = defineErrors('APP', {
  APP_CONFIG_INVALID: {
    status: 400,
    description:
      'A configuration value (flag or `BOOKML_*` variable) is invalid; the message lists every bad key.',
  },
  APP_START_FAILED: {
    status: 500,
    retryable: true,
    description:
      'A hosted service could not start (port in use, store unreachable); the others were stopped again.',
  },
  APP_NOTHING_STAGED: {
    status: 409,
    description:
      "`bookml up`'s first pipeline run moved no version to staging, so there is nothing to serve.",
  },
  APP_FIRST_RUN_FAILED: { status: 500, description: "`bookml up`'s first pipeline run did not succeed." },
});

/** One of the codes in {@link APP_ERRORS}. */
export type AppErrorCode = keyof typeof APP_ERRORS;

/**
 * An error of the composition root; status, exit code and retryability come from {@link APP_ERRORS}.
 * @example throw new AppError('APP_CONFIG_INVALID', 'logLevel: must be one of …', { field: 'logLevel' });
 */
export class AppError extends BookmlError {
  declare readonly code: AppErrorCode;
  constructor(code: AppErrorCode, message: string, options: CatalogueErrorOptions = {}) {
    super(APP_ERRORS[code], message, options);
    this.name = 'AppError';
  }
}
