import { BookmlError, type BookmlErrorOptions } from '../core/index.js';

/**
 * Every error `serve/` raises, by code. Each entry says when it happens; the thrown message says
 * what to do. Model errors (`MODEL_K_OUT_OF_RANGE`, 422) come from the recommender itself.
 */
export const ServeErrorCodes = {
  /** A query string or body broke its route schema: missing field, wrong type, unknown key (400). */
  SERVE_INVALID_REQUEST: 'SERVE_INVALID_REQUEST',
  /** A book id is not of the model's id type: not an integer for a numeric model, not a string otherwise (400). */
  SERVE_INVALID_BOOK_ID: 'SERVE_INVALID_BOOK_ID',
  /** The body is not JSON (or is empty, or tries prototype poisoning) (400). */
  SERVE_MALFORMED_JSON: 'SERVE_MALFORMED_JSON',
  /** The body's content type is not `application/json` (415). */
  SERVE_UNSUPPORTED_MEDIA_TYPE: 'SERVE_UNSUPPORTED_MEDIA_TYPE',
  /** The body is larger than the route's limit (413). */
  SERVE_BODY_TOO_LARGE: 'SERVE_BODY_TOO_LARGE',
  /** An Open Inference Protocol tensor has the wrong name, shape, datatype or element (400). */
  SERVE_INVALID_TENSOR: 'SERVE_INVALID_TENSOR',
  /** No model is loaded yet (503, retryable). */
  SERVE_NOT_READY: 'SERVE_NOT_READY',
  /** A KServe path names a model this server does not serve (404). */
  SERVE_MODEL_NOT_FOUND: 'SERVE_MODEL_NOT_FOUND',
  /** A KServe path names a version that is not loaded here (404). */
  SERVE_VERSION_NOT_LOADED: 'SERVE_VERSION_NOT_LOADED',
  /** A protocol feature bookml does not implement, e.g. V1 `:explain` (501). */
  SERVE_NOT_IMPLEMENTED: 'SERVE_NOT_IMPLEMENTED',
  /** No route matches the method and path (404). */
  SERVE_ROUTE_NOT_FOUND: 'SERVE_ROUTE_NOT_FOUND',
  /** The serving configuration is invalid; the message lists every bad key (startup). */
  SERVE_INVALID_CONFIG: 'SERVE_INVALID_CONFIG',
  /** A model source names something that cannot be served (e.g. an alias before the registry exists). */
  SERVE_INVALID_SOURCE: 'SERVE_INVALID_SOURCE',
  /** A model version failed to load; the previous model keeps serving (retryable once the source moves). */
  SERVE_MODEL_LOAD_FAILED: 'SERVE_MODEL_LOAD_FAILED',
  /** The address cannot be bound: the port is taken or not allowed (startup). */
  SERVE_CANNOT_LISTEN: 'SERVE_CANNOT_LISTEN',
} as const;

/** One of the codes in {@link ServeErrorCodes}. */
export type ServeErrorCode = keyof typeof ServeErrorCodes;

/**
 * A serving error: a `BookmlError` whose `code` is one of {@link ServeErrorCodes}.
 *
 * @example
 * throw new ServeError('SERVE_INVALID_BOOK_ID', 'book_id must be an integer, got "abc"', { field: 'book_id' });
 */
export class ServeError extends BookmlError {
  declare readonly code: ServeErrorCode;
  constructor(code: ServeErrorCode, message: string, options: BookmlErrorOptions = {}) {
    super(code, message, options);
    this.name = 'ServeError';
  }
}

/** A book id that is not of the model's id type. */
export function invalidBookId(field: string, raw: unknown, numeric: boolean): ServeError {
  const shown = typeof raw === 'string' ? `"${raw.length > 40 ? `${raw.slice(0, 40)}…` : raw}"` : String(raw);
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
    { status: 503, retryable: true, retryAfterMs: 1000 },
  );
}

/** A KServe path names a model this server does not serve. */
export function modelNotFound(name: string): ServeError {
  return new ServeError('SERVE_MODEL_NOT_FOUND', `Model with name ${name} does not exist.`, {
    field: 'name',
    status: 404,
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
