import { BookmlError, type BookmlErrorOptions } from '../core/index.js';

/**
 * Every error `monitor/` raises, by code. Each entry says when it happens; the thrown message says
 * what to do. All are caller errors (HTTP 400, not retryable): the same input fails the same way.
 */
export const MonitorErrorCodes = {
  /** A sample handed to a drift test holds no value: a KS test needs at least one on each side. */
  MONITOR_EMPTY_SAMPLE: 'MONITOR_EMPTY_SAMPLE',
  /** A sample holds NaN or ±Infinity: an ECDF of such values says nothing about the feature. */
  MONITOR_NON_FINITE_VALUE: 'MONITOR_NON_FINITE_VALUE',
  /** An option is out of its domain: an unknown alternative, method or correction, alpha outside (0, 1), a floor outside [0, 1), a feature without a usable statistic or p-value. */
  MONITOR_BAD_OPTION: 'MONITOR_BAD_OPTION',
  /** A sample file cannot be read, is not JSON, or is not an array of finite numbers. */
  MONITOR_BAD_SAMPLE_FILE: 'MONITOR_BAD_SAMPLE_FILE',
} as const;

/** One of the codes in {@link MonitorErrorCodes}. */
export type MonitorErrorCode = keyof typeof MonitorErrorCodes;

/**
 * A drift-monitoring error: a `BookmlError` whose `code` is one of {@link MonitorErrorCodes}.
 *
 * @example
 * throw new MonitorError('MONITOR_EMPTY_SAMPLE', 'the current sample is empty', { field: 'current' });
 */
export class MonitorError extends BookmlError {
  declare readonly code: MonitorErrorCode;
  constructor(code: MonitorErrorCode, message: string, options: BookmlErrorOptions = {}) {
    super(code, message, options);
    this.name = 'MonitorError';
  }
}
