import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../core/index.js';

/**
 * Every error the triggers raise — scheduler, sensors, event bus, webhook — by code. Webhook answers
 * carry these codes in `{ statusCode, code, message, field? }`. Match on `code`, never on message text.
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
  TRIGGERS_CONFIG_INVALID: {
    status: 400,
    description: 'An option given to an event bus, the webhook or the secret loader is malformed or missing.',
  },
  TRIGGERS_TOPIC_INVALID: {
    status: 400,
    description: 'A topic is not dot-separated lowercase words (`dataset.ready`), or has a wildcard.',
  },
  TRIGGERS_CONSUMER_INVALID: {
    status: 400,
    description:
      'A bus consumer name is empty, too long, or has characters other than letters, digits, `_`, `-` and `:`.',
  },
  TRIGGERS_CONSUMER_BUSY: {
    status: 409,
    retryable: true,
    description: 'The consumer already has an open subscription on this bus; close it first.',
  },
  TRIGGERS_PAYLOAD_INVALID: { status: 400, description: 'An event payload is not JSON-serialisable.' },
  TRIGGERS_BUS_UNAVAILABLE: {
    status: 503,
    retryable: true,
    description: 'The event bus backend (NATS, the metadata database) cannot be reached or timed out.',
  },
  TRIGGERS_BUS_CLOSED: { status: 503, description: 'The event bus was closed; open a new one.' },
  TRIGGERS_EVENT_GAVE_UP: {
    status: 500,
    description: 'A handler failed on an event `maxDeliveries` times; the consumer moved past it.',
  },
  TRIGGERS_WEBHOOK_UNAUTHORIZED: {
    status: 401,
    description:
      'A webhook request has no valid credentials (no signature headers, no or a wrong bearer token).',
  },
  TRIGGERS_WEBHOOK_BAD_SIGNATURE: {
    status: 401,
    description: 'The webhook signature does not match the body and timestamp.',
  },
  TRIGGERS_WEBHOOK_STALE: {
    status: 401,
    description: "The webhook timestamp is more than the tolerance (5 minutes) from the server's clock.",
  },
  TRIGGERS_WEBHOOK_REPLAYED: {
    status: 401,
    description:
      'The same signed webhook request was already accepted; sign it again with a fresh timestamp.',
  },
  TRIGGERS_BAD_REQUEST: {
    status: 400,
    description: 'The webhook body, a header or a path parameter is invalid; `field` names which.',
  },
  TRIGGERS_BODY_TOO_LARGE: {
    status: 413,
    description: 'The webhook body is larger than the limit (64 KiB by default).',
  },
  TRIGGERS_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description: 'The webhook body is not `application/json`.',
  },
  TRIGGERS_ROUTE_NOT_FOUND: { status: 404, description: 'No webhook route at that method and path.' },
  TRIGGERS_REQUEST_TIMEOUT: {
    status: 408,
    description:
      'A webhook request (headers, or its whole body) did not arrive within the server’s timeout; the connection is closed.',
  },
  TRIGGERS_HEADERS_TOO_LARGE: {
    status: 431,
    description: 'The webhook request headers are larger than the server accepts; the connection is closed.',
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
