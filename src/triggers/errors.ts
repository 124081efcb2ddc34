import { BookmlError } from '../core/index.js';

/**
 * Every error the triggers raise (scheduler, sensors), by code: its HTTP status and whether retrying
 * can help. Match on `code`, never on message text.
 */
export const TRIGGERS_ERRORS = {
  /** A schedule definition is invalid (cron, timezone, policy, limits); the message lists every bad key. */
  TRIGGERS_SCHEDULE_INVALID: { code: 'TRIGGERS_SCHEDULE_INVALID', status: 400, retryable: false },
  /** No schedule with that name; `bookml schedule list` shows them. */
  TRIGGERS_SCHEDULE_NOT_FOUND: { code: 'TRIGGERS_SCHEDULE_NOT_FOUND', status: 404, retryable: false },
  /** A schedule with that name already exists; update or remove it instead. */
  TRIGGERS_SCHEDULE_EXISTS: { code: 'TRIGGERS_SCHEDULE_EXISTS', status: 409, retryable: false },
  /** A sensor rule is invalid (topics, filter, parameter mapping, rate limit); the message lists every bad key. */
  TRIGGERS_SENSOR_INVALID: { code: 'TRIGGERS_SENSOR_INVALID', status: 400, retryable: false },
  /** A query of recorded trigger decisions has a bad filter (outcome, kind, limit). */
  TRIGGERS_QUERY_INVALID: { code: 'TRIGGERS_QUERY_INVALID', status: 400, retryable: false },
} as const;

/** One of the codes in {@link TRIGGERS_ERRORS}. */
export type TriggersErrorCode = keyof typeof TRIGGERS_ERRORS;

/**
 * An error of the triggers: status and retryability come from {@link TRIGGERS_ERRORS}.
 * @example throw new TriggersError('TRIGGERS_SCHEDULE_NOT_FOUND', 'no schedule "nightly"; see `bookml schedule list`', { field: 'name' });
 */
export class TriggersError extends BookmlError {
  declare readonly code: TriggersErrorCode;
  constructor(code: TriggersErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    const entry = TRIGGERS_ERRORS[code];
    super(code, message, { ...options, status: entry.status, retryable: entry.retryable });
    this.name = 'TriggersError';
  }
}
