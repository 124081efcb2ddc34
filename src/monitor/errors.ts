import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../core/index.js';

/**
 * Every error `monitor/` raises, by code; the thrown message says what to do. Test inputs are the
 * caller's (4xx: the same input fails the same way); reading the prediction log and persisting the
 * monitor's status touch the disk (5xx, retryable).
 */
export const MONITOR_ERRORS = defineErrors('MONITOR', {
  MONITOR_EMPTY_SAMPLE: {
    status: 400,
    description: 'A sample handed to a drift test holds no value: a KS test needs at least one on each side.',
  },
  MONITOR_NON_FINITE_VALUE: {
    status: 400,
    description: 'A sample holds NaN or ±Infinity: an ECDF of such values says nothing about the feature.',
  },
  MONITOR_BAD_OPTION: {
    status: 400,
    description:
      'An option is out of its domain: an unknown alternative, method or correction, alpha outside (0, 1), a floor outside [0, 1), a window or interval that is not a positive integer, a feature without a usable statistic or p-value.',
  },
  MONITOR_BAD_SAMPLE_FILE: {
    status: 400,
    description: 'A sample file cannot be read, is not JSON, or is not an array of finite numbers.',
  },
  MONITOR_BAD_STATUS_FILE: {
    status: 500,
    description:
      "The drift monitor's status file (`<workspace>/monitor/status.json`) exists but is not a status bookml wrote.",
  },
  MONITOR_IO: {
    status: 503,
    retryable: true,
    description:
      'Reading the prediction log or writing the monitor status failed on the disk (retried on the next pass).',
  },
});

/** One of the codes in {@link MONITOR_ERRORS}. */
export type MonitorErrorCode = keyof typeof MONITOR_ERRORS;

/**
 * A drift-monitoring error; status, exit code and retryability come from {@link MONITOR_ERRORS}.
 *
 * @example
 * throw new MonitorError('MONITOR_EMPTY_SAMPLE', 'the current sample is empty', { field: 'current' });
 */
export class MonitorError extends BookmlError {
  declare readonly code: MonitorErrorCode;
  constructor(code: MonitorErrorCode, message: string, options: CatalogueErrorOptions = {}) {
    super(MONITOR_ERRORS[code], message, options);
    this.name = 'MonitorError';
  }
}
