import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../core/index.js';

/**
 * Every error the triggers raise (scheduler, sensors, event bus, webhook), by code. Match on `code`,
 * never on message text.
 */
export const TRIGGERS_ERRORS = defineErrors('TRIGGERS', {
  TRIGGERS_SCHEDULE_INVALID: {
    status: 400,
    description:
      'A schedule definition is invalid (cron, timezone, policy, limits); the message lists every bad key.',
  },
  TRIGGERS_SCHEDULE_NOT_FOUND: {
    status: 404,
    description: 'No schedule with that name; `bookml schedule list` shows them.',
  },
  TRIGGERS_SCHEDULE_EXISTS: {
    status: 409,
    description: 'A schedule with that name already exists; update or remove it instead.',
  },
  TRIGGERS_SENSOR_INVALID: {
    status: 400,
    description:
      'A sensor rule is invalid (topics, filter, parameter mapping, rate limit); the message lists every bad key.',
  },
  TRIGGERS_QUERY_INVALID: {
    status: 400,
    description: 'A query of recorded trigger decisions has a bad filter (outcome, kind, limit).',
  },
});

/** One of the codes in {@link TRIGGERS_ERRORS}. */
export type TriggersErrorCode = keyof typeof TRIGGERS_ERRORS;

/**
 * An error of the triggers: status, exit code and retryability come from {@link TRIGGERS_ERRORS}.
 * @example throw new TriggersError('TRIGGERS_SCHEDULE_NOT_FOUND', 'no schedule "nightly"; see `bookml schedule list`', { field: 'name' });
 */
export class TriggersError extends BookmlError {
  declare readonly code: TriggersErrorCode;
  constructor(code: TriggersErrorCode, message: string, options: CatalogueErrorOptions = {}) {
    super(TRIGGERS_ERRORS[code], message, options);
    this.name = 'TriggersError';
  }
}
