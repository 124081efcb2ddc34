import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../core/index.js';

/**
 * Errors the control-plane API raises itself (the registry's and store's errors pass through with
 * their own codes). Match on `code`, never on message text.
 */
export const API_ERRORS = defineErrors('API', {
  API_UNAUTHENTICATED: { status: 401, description: 'No token, or a token that matches none configured.' },
  API_FORBIDDEN: { status: 403, description: "The token's roles do not allow the route." },
  API_BAD_REQUEST: {
    status: 400,
    description:
      "The request does not match the route's schema; the message and `field` name the part at fault.",
  },
  API_MALFORMED_JSON: { status: 400, description: 'The body is not valid JSON, or is empty.' },
  API_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description: "The body's content type is not `application/json`.",
  },
  API_BODY_TOO_LARGE: {
    status: 413,
    description:
      "The body is larger than the route accepts (the API's body limit, or the blob limit of an artifact upload).",
  },
  API_NOT_FOUND: { status: 404, description: 'No such route.' },
  API_NOT_AVAILABLE: {
    status: 501,
    description:
      'The route exists but what it serves is not wired into this process (e.g. run logs without an executor).',
  },
  API_CONFIG_INVALID: {
    status: 400,
    description: 'The API configuration is invalid (bad key, port, role, token).',
  },
  API_UNSAFE_BIND: {
    status: 400,
    description:
      'Asked to listen beyond loopback with no token configured: anyone on the network could move production.',
  },
  API_UNREACHABLE: {
    status: 503,
    retryable: true,
    description:
      'The API client could not reach the control plane (refused, reset, DNS, timeout); retrying may help.',
  },
  API_BAD_RESPONSE: {
    status: 502,
    description:
      'The control plane answered what the API client cannot use: not JSON, or bytes that do not hash to their name.',
  },
});

/** One of the codes in {@link API_ERRORS}. */
export type ApiErrorCode = keyof typeof API_ERRORS;

/**
 * The API's error; status, exit code and retryability come from {@link API_ERRORS}.
 * @example throw new ApiError('API_FORBIDDEN', 'alice (viewer) needs the operator role for POST /api/v1/models')
 */
export class ApiError extends BookmlError {
  declare readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string, options: CatalogueErrorOptions = {}) {
    super(API_ERRORS[code], message, options);
    this.name = 'ApiError';
  }
}
