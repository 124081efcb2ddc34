import { BookmlError } from '../core/index.js';

/**
 * Errors the control-plane API raises itself (the registry's and store's errors pass through with
 * their own codes). Match on `code`, never on message text.
 */
export const API_ERRORS = {
  /** No token, or a token that matches none configured. */
  API_UNAUTHENTICATED: { code: 'API_UNAUTHENTICATED', status: 401 },
  /** The token's roles do not allow the route. */
  API_FORBIDDEN: { code: 'API_FORBIDDEN', status: 403 },
  /** The request does not match the route's schema. */
  API_BAD_REQUEST: { code: 'API_BAD_REQUEST', status: 400 },
  /** No such route. */
  API_NOT_FOUND: { code: 'API_NOT_FOUND', status: 404 },
  /** The route exists but what it serves is not wired into this process (e.g. run logs without an executor). */
  API_NOT_AVAILABLE: { code: 'API_NOT_AVAILABLE', status: 501 },
  /** The API configuration is invalid (bad key, port, role, token). */
  API_CONFIG_INVALID: { code: 'API_CONFIG_INVALID', status: 400 },
  /** Asked to listen beyond loopback with no token configured: anyone on the network could move production. */
  API_UNSAFE_BIND: { code: 'API_UNSAFE_BIND', status: 400 },
  /** A request body is larger than the route accepts (an artifact upload beyond the blob limit). */
  API_BODY_TOO_LARGE: { code: 'API_BODY_TOO_LARGE', status: 413 },
  /** The API client could not reach the control plane (refused, reset, DNS, timeout); retrying may help. */
  API_UNREACHABLE: { code: 'API_UNREACHABLE', status: 503 },
  /** The control plane answered what the API client cannot use: not JSON, or bytes that do not hash to their name. */
  API_BAD_RESPONSE: { code: 'API_BAD_RESPONSE', status: 502 },
} as const;

/** One of the codes in {@link API_ERRORS}. */
export type ApiErrorCode = keyof typeof API_ERRORS;

/**
 * The API's error.
 * @example throw new ApiError('API_FORBIDDEN', 'alice (viewer) needs the operator role for POST /api/v1/models')
 */
export class ApiError extends BookmlError {
  declare readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(code, message, { field: options.field, status: API_ERRORS[code].status, cause: options.cause });
    this.name = 'ApiError';
  }
}
