import { BookmlError } from '../core/index.js';

/** Every error the composition root raises, by code. Match on `code`, never on message text. */
export const APP_ERRORS = {
  /** A configuration value (flag or `BOOKML_*` variable) is invalid; the message lists every bad key. */
  APP_CONFIG_INVALID: { code: 'APP_CONFIG_INVALID', status: 400, retryable: false },
  /** A hosted service could not start (port in use, store unreachable); the others were stopped again. */
  APP_START_FAILED: { code: 'APP_START_FAILED', status: 500, retryable: true },
  /** `bookml up`'s first pipeline run moved no version to staging, so there is nothing to serve. */
  APP_NOTHING_STAGED: { code: 'APP_NOTHING_STAGED', status: 409, retryable: false },
  /** `bookml up`'s first pipeline run did not succeed. */
  APP_FIRST_RUN_FAILED: { code: 'APP_FIRST_RUN_FAILED', status: 500, retryable: false },
} as const;

/** One of the codes in {@link APP_ERRORS}. */
export type AppErrorCode = keyof typeof APP_ERRORS;

/**
 * An error of the composition root.
 * @example throw new AppError('APP_CONFIG_INVALID', 'logLevel: must be one of …', { field: 'logLevel' });
 */
export class AppError extends BookmlError {
  declare readonly code: AppErrorCode;
  constructor(code: AppErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    const entry = APP_ERRORS[code];
    super(code, message, { ...options, status: entry.status, retryable: entry.retryable });
    this.name = 'AppError';
  }
}
