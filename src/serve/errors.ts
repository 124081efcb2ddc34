import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../core/index.js';

/**
 * Every error `serve/` raises, by code; the thrown message says what to do. Model errors
 * (`MODEL_K_OUT_OF_RANGE`, 422) come from the recommender itself.
 */
export const SERVE_ERRORS = defineErrors('SERVE', {
  SERVE_INVALID_REQUEST: {
    status: 400,
    description: 'A query string or body broke its route schema: missing field, wrong type, unknown key.',
  },
  SERVE_INVALID_BOOK_ID: {
    status: 400,
    description:
      "A book id is not of the model's id type: not an integer for a numeric model, not a string otherwise.",
  },
  SERVE_MALFORMED_JSON: {
    status: 400,
    description:
      'The body is not JSON (or is empty, nests deeper than 64 levels, or tries prototype poisoning).',
  },
  SERVE_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description:
      "`POST /recommend`'s body is not `application/json` (the KServe routes read JSON whatever the type says).",
  },
  SERVE_REQUEST_TIMEOUT: {
    status: 408,
    description:
      'The request (headers, or its whole body) did not arrive within the server’s timeout; the connection is closed.',
  },
  SERVE_HEADERS_TOO_LARGE: {
    status: 431,
    description: 'The request headers are larger than the server accepts; the connection is closed.',
  },
  SERVE_BODY_TOO_LARGE: { status: 413, description: "The body is larger than the route's limit." },
  SERVE_INVALID_TENSOR: {
    status: 400,
    description: 'An Open Inference Protocol tensor has the wrong name, shape, datatype or element.',
  },
  SERVE_NOT_READY: { status: 503, retryable: true, description: 'No model is loaded yet; retry shortly.' },
  SERVE_MODEL_NOT_FOUND: {
    status: 404,
    description: 'A KServe path names a model this server does not serve.',
  },
  SERVE_VERSION_NOT_LOADED: {
    status: 404,
    description: 'A KServe path names a version that is not loaded here.',
  },
  SERVE_NOT_IMPLEMENTED: {
    status: 501,
    description: 'A protocol feature bookml does not implement, e.g. V1 `:explain`.',
  },
  SERVE_ROUTE_NOT_FOUND: { status: 404, description: 'No route matches the method and path.' },
  SERVE_INVALID_CONFIG: {
    status: 400,
    description: 'The serving configuration is invalid; the message lists every bad key (at start).',
  },
  SERVE_INVALID_SOURCE: {
    status: 400,
    description:
      'A model source names something that cannot be served (e.g. an alias before the registry exists).',
  },
  SERVE_MODEL_LOAD_FAILED: {
    status: 500,
    // At start, `bookml serve --model X` reports a model that does not load as a mistake in --model.
    exitCode: 2,
    retryable: true,
    description:
      'A model version failed to load; the previous model keeps serving (retryable once the source moves).',
  },
  SERVE_CANNOT_LISTEN: {
    status: 400,
    description: 'The address cannot be bound: the port is taken or not allowed (at start).',
  },
});

/** One of the codes in {@link SERVE_ERRORS}. */
export type ServeErrorCode = keyof typeof SERVE_ERRORS;

/**
 * A serving error; status, exit code and retryability come from {@link SERVE_ERRORS}.
 *
 * @example
 * throw new ServeError('SERVE_INVALID_BOOK_ID', 'book_id must be an integer, got "abc"', { field: 'book_id' });
 */
export class ServeError extends BookmlError {
  declare readonly code: ServeErrorCode;
  constructor(code: ServeErrorCode, message: string, options: CatalogueErrorOptions = {}) {
    super(SERVE_ERRORS[code], message, options);
    this.name = 'ServeError';
  }
}

/** A book id that is not of the model's id type. */
export function invalidBookId(field: string, raw: unknown, numeric: boolean): ServeError {
  // Described, never stringified: a list or an object may be large or deeply nested.
  const shown =
    typeof raw === 'string'
      ? `"${raw.length > 40 ? `${raw.slice(0, 40)}…` : raw}"`
      : Array.isArray(raw)
        ? 'a list'
        : raw !== null && typeof raw === 'object'
          ? 'an object'
          : String(raw);
  return new ServeError(
    'SERVE_INVALID_BOOK_ID',
    numeric
      ? `${field} must be an integer book id (this model's ids are numbers), got ${shown}`
      : `${field} must be a string book id (this model's ids are names), got ${shown}`,
    { field },
  );
}

/** No model is loaded yet. */
export function notReady(detail?: string): ServeError {
  return new ServeError(
    'SERVE_NOT_READY',
    `no model is loaded yet${detail ? ` (${detail})` : ''}; retry shortly, or see GET /ready`,
    { retryAfterMs: 1000 },
  );
}

/** A KServe path names a model this server does not serve. */
export function modelNotFound(name: string): ServeError {
  return new ServeError('SERVE_MODEL_NOT_FOUND', `Model with name ${name} does not exist.`, {
    field: 'name',
  });
}

/** A tensor of an Open Inference Protocol request is unusable; `field` is e.g. `inputs[0].shape`. */
export function invalidTensor(field: string, reason: string): ServeError {
  return new ServeError('SERVE_INVALID_TENSOR', `${field}: ${reason}`, { field });
}

/** The configuration is invalid; `problems` lists each bad key with its reason. */
export function invalidConfig(problems: readonly { field: string; reason: string }[]): ServeError {
  const list = problems.map((p) => `${p.field}: ${p.reason}`).join('; ');
  return new ServeError('SERVE_INVALID_CONFIG', `invalid serve configuration: ${list}`, {
    field: problems[0]?.field,
  });
}
