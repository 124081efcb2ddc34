import { BookmlError } from '../core/index.js';

/**
 * Every error the triggers raise (event bus, webhook), by code: HTTP status and whether the same call
 * may succeed later. Webhook answers carry these codes in `{ statusCode, code, message, field? }`.
 */
export const TRIGGERS_ERRORS = {
  /** An option given to a bus, the webhook or the secret loader is malformed or missing. */
  TRIGGERS_CONFIG_INVALID: { code: 'TRIGGERS_CONFIG_INVALID', status: 400, retryable: false },
  /** A topic is not dot-separated lowercase words (`dataset.ready`), or has a wildcard. */
  TRIGGERS_TOPIC_INVALID: { code: 'TRIGGERS_TOPIC_INVALID', status: 400, retryable: false },
  /** A consumer name is empty, too long, or has characters other than letters, digits, `_`, `-`, `:`. */
  TRIGGERS_CONSUMER_INVALID: { code: 'TRIGGERS_CONSUMER_INVALID', status: 400, retryable: false },
  /** The consumer already has an open subscription on this bus; close it first. */
  TRIGGERS_CONSUMER_BUSY: { code: 'TRIGGERS_CONSUMER_BUSY', status: 409, retryable: true },
  /** An event payload is not JSON-serialisable. */
  TRIGGERS_PAYLOAD_INVALID: { code: 'TRIGGERS_PAYLOAD_INVALID', status: 400, retryable: false },
  /** The bus backend (NATS, the metadata database) cannot be reached or timed out. */
  TRIGGERS_BUS_UNAVAILABLE: { code: 'TRIGGERS_BUS_UNAVAILABLE', status: 503, retryable: true },
  /** The bus was closed; open a new one. */
  TRIGGERS_BUS_CLOSED: { code: 'TRIGGERS_BUS_CLOSED', status: 503, retryable: false },
  /** A handler failed on an event `maxDeliveries` times; the consumer moved past it. */
  TRIGGERS_EVENT_GAVE_UP: { code: 'TRIGGERS_EVENT_GAVE_UP', status: 500, retryable: false },
  /** A webhook request has no valid credentials (no signature headers, no or a wrong bearer token). */
  TRIGGERS_WEBHOOK_UNAUTHORIZED: { code: 'TRIGGERS_WEBHOOK_UNAUTHORIZED', status: 401, retryable: false },
  /** The webhook signature does not match the body and timestamp. */
  TRIGGERS_WEBHOOK_BAD_SIGNATURE: { code: 'TRIGGERS_WEBHOOK_BAD_SIGNATURE', status: 401, retryable: false },
  /** The webhook timestamp is further from the server's clock than the tolerance (5 minutes). */
  TRIGGERS_WEBHOOK_STALE: { code: 'TRIGGERS_WEBHOOK_STALE', status: 401, retryable: false },
  /** The same signed webhook request was already accepted; sign again with a fresh timestamp. */
  TRIGGERS_WEBHOOK_REPLAYED: { code: 'TRIGGERS_WEBHOOK_REPLAYED', status: 401, retryable: false },
  /** The webhook body, a header or a path parameter is invalid; `field` names which. */
  TRIGGERS_BAD_REQUEST: { code: 'TRIGGERS_BAD_REQUEST', status: 400, retryable: false },
  /** The webhook body is larger than the limit (64 KiB by default). */
  TRIGGERS_BODY_TOO_LARGE: { code: 'TRIGGERS_BODY_TOO_LARGE', status: 413, retryable: false },
  /** The webhook body is not `application/json`. */
  TRIGGERS_UNSUPPORTED_MEDIA_TYPE: { code: 'TRIGGERS_UNSUPPORTED_MEDIA_TYPE', status: 415, retryable: false },
  /** No webhook route at that method and path. */
  TRIGGERS_ROUTE_NOT_FOUND: { code: 'TRIGGERS_ROUTE_NOT_FOUND', status: 404, retryable: false },
} as const;

/** One of the codes in {@link TRIGGERS_ERRORS}. */
export type TriggersErrorCode = keyof typeof TRIGGERS_ERRORS;

/**
 * A trigger error: a {@link BookmlError} whose status and retryability come from {@link TRIGGERS_ERRORS}.
 * @example throw new TriggersError('TRIGGERS_TOPIC_INVALID', 'topic "a..b" has an empty word', { field: 'topic' });
 */
export class TriggersError extends BookmlError {
  declare readonly code: TriggersErrorCode;
  constructor(
    code: TriggersErrorCode,
    message: string,
    options: { field?: string; cause?: unknown; retryAfterMs?: number } = {},
  ) {
    const entry = TRIGGERS_ERRORS[code];
    super(code, message, { ...options, status: entry.status, retryable: entry.retryable });
    this.name = 'TriggersError';
  }
}
