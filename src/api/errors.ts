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
  API_MALFORMED_JSON: {
    status: 400,
    description: 'The body is not valid JSON, is empty, or nests deeper than 64 levels.',
  },
  API_HOST_NOT_ALLOWED: {
    status: 403,
    description:
      'Without tokens the API answers only requests addressed to its loopback address and port (`Host`); anything else may be a web page using DNS rebinding.',
  },
  API_CROSS_SITE_REQUEST: {
    status: 403,
    description:
      'A mutating request a browser marks as coming from another site (`Origin`, `Sec-Fetch-Site`): refused, so a web page cannot drive the API.',
  },
  API_REQUEST_TIMEOUT: {
    status: 408,
    description:
      'The request (headers, or its whole body) did not arrive within the server’s timeout; the connection is closed.',
  },
  API_HEADERS_TOO_LARGE: {
    status: 431,
    description: 'The request headers are larger than the server accepts; the connection is closed.',
  },
  API_ROUTE_ROLE_MISSING: {
    status: 500,
    description:
      'A route was registered without `config.role` (viewer | operator | approver) or `config.public: true`: the API refuses to start rather than guess.',
  },
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
