import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorEntry } from './error-catalogue.js';
import { BookmlError, isBookmlError } from './errors.js';

/**
 * The codes one HTTP surface (the control-plane API, the inference server) answers for failures
 * Fastify detects before a route runs. It is the only thing two surfaces' error answers differ in.
 */
export interface HttpErrorSurface {
  /** The request does not match the route's schema, or is otherwise malformed (400). */
  readonly badRequest: ErrorEntry;
  /** The body is not JSON, or is empty (400). */
  readonly malformedJson: ErrorEntry;
  /** The body's content type is not one the route parses (415). */
  readonly unsupportedMediaType: ErrorEntry;
  /** The body is larger than the route accepts (413). */
  readonly bodyTooLarge: ErrorEntry;
  /** No route matches the method and path (404). */
  readonly notFound: ErrorEntry;
}

/** The body of every error answer: never a stack, never a framework's own code. */
export interface HttpErrorBody {
  statusCode: number;
  code: string;
  message: string;
  field?: string;
  /** Structured data a client can act on (e.g. a blocked promotion's gate results). */
  details?: Record<string, unknown>;
  /** Present on every 5xx, so a report can be matched with the server log. */
  requestId?: string;
}

/** What {@link toHttpError} decides: status, body, and a Retry-After hint. */
export interface HttpErrorAnswer {
  statusCode: number;
  body: HttpErrorBody;
  /** Suggested wait before a retry, in milliseconds (sent as `retry-after`, in seconds). */
  retryAfterMs?: number;
  /** True when the error was not a bookml or client error: the full error belongs in the log. */
  unexpected: boolean;
}

interface SchemaIssue {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: { missingProperty?: unknown; additionalProperty?: unknown };
}

type FrameworkError = Partial<FastifyError> & { validation?: SchemaIssue[]; details?: unknown };

/**
 * Turn anything a route, a hook or Fastify threw into a client-safe answer:
 * - bookml errors keep their code, field, status (and `details`);
 * - schema failures become the surface's bad-request code naming the field the way the client wrote it;
 * - Fastify's own failures (bad JSON, media type, body size, bad URL) become the surface's codes —
 *   a `FST_*` code never reaches a client;
 * - anything else is `500 INTERNAL`; every 5xx body carries `requestId`.
 *
 * @example
 * const { statusCode, body } = toHttpError(err, request.id, surface);
 */
export function toHttpError(err: unknown, requestId: string, surface: HttpErrorSurface): HttpErrorAnswer {
  const answer = classify(err, surface);
  if (answer.statusCode >= 500) answer.body.requestId = requestId;
  if (answer.unexpected)
    answer.body.message = `internal error; quote request id ${requestId} when reporting it`;
  return answer;
}

function classify(err: unknown, surface: HttpErrorSurface): HttpErrorAnswer {
  if (isBookmlError(err)) {
    const json = err.toJSON() as Omit<HttpErrorBody, 'statusCode'>;
    return {
      statusCode: err.status,
      body: { statusCode: err.status, ...json },
      ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }),
      unexpected: false,
    };
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as FrameworkError;
  if (Array.isArray(e.validation)) {
    const { field, reason } = schemaIssue(e.validation[0], e.validationContext);
    return entryAnswer(surface.badRequest, `${field || 'request'}: ${reason}`, field || undefined);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return entryAnswer(
        surface.unsupportedMediaType,
        'send the body as JSON with content-type: application/json',
        'content-type',
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return entryAnswer(
        surface.bodyTooLarge,
        'the request body is larger than this route accepts; send less per request',
        'body',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return entryAnswer(surface.malformedJson, 'the body is not valid JSON', 'body');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return entryAnswer(surface.badRequest, 'the body is shorter or longer than its content-length', 'body');
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return entryAnswer(surface.badRequest, 'the path is not a valid URL (bad escape or too long)', 'path');
    case 'FST_ERR_NOT_FOUND':
      return entryAnswer(surface.notFound, 'no such route', 'path');
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    // A client error from a plugin or the body stream (aborted upload …): its message is about the
    // request, but its code (if any) is not ours.
    const entry =
      status === 404
        ? surface.notFound
        : status === 413
          ? surface.bodyTooLarge
          : status === 415
            ? surface.unsupportedMediaType
            : surface.badRequest;
    const message = typeof e.message === 'string' && e.message !== '' ? e.message : 'bad request';
    return entryAnswer(entry, message, undefined);
  }
  return {
    statusCode: 500,
    body: { statusCode: 500, code: 'INTERNAL', message: 'internal error' },
    unexpected: true,
  };
}

function entryAnswer(entry: ErrorEntry, message: string, field: string | undefined): HttpErrorAnswer {
  const body: HttpErrorBody = { statusCode: entry.status, code: entry.code, message };
  if (field !== undefined) body.field = field;
  return { statusCode: entry.status, body, unexpected: false };
}

/** `/instances/1/k` → `instances[1].k`: the field as the client wrote it. */
function fieldOfPath(path: string): string {
  return path
    .split('/')
    .filter(Boolean)
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

/** The first schema issue as (field, reason). */
function schemaIssue(
  issue: SchemaIssue | undefined,
  context: string | undefined,
): { field: string; reason: string } {
  if (!issue) return { field: context ?? '', reason: 'invalid' };
  const base = fieldOfPath(issue.instancePath ?? '');
  const join = (k: string) => (base ? `${base}.${k}` : k);
  const missing = issue.params?.missingProperty;
  const extra = issue.params?.additionalProperty;
  if (issue.keyword === 'required' && typeof missing === 'string')
    return { field: join(missing), reason: 'required' };
  if (issue.keyword === 'additionalProperties' && typeof extra === 'string')
    return { field: join(extra), reason: 'unknown field' };
  return { field: base || (context ?? ''), reason: issue.message ?? 'invalid' };
}

/** Options of {@link httpErrorHandler}. */
export interface HttpErrorHandlerOptions {
  /**
   * Wraps the body for a protocol that expects its own shape (KServe reads `error`).
   * @default the body as is
   */
  envelope?: (body: HttpErrorBody) => object;
}

/**
 * A Fastify error handler (also usable as `frameworkErrors`) for one surface: answers
 * {@link toHttpError}'s verdict as JSON, sets `retry-after` when the error suggests a wait, and logs
 * what a client cannot act on — unexpected errors in full, bookml 5xx that are not retryable.
 *
 * @example
 * app.setErrorHandler(httpErrorHandler(surface));
 */
export function httpErrorHandler(surface: HttpErrorSurface, options: HttpErrorHandlerOptions = {}) {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    const answer = toHttpError(err, String(request.id), surface);
    if (answer.unexpected) request.log.error({ err }, 'request failed');
    else if (answer.statusCode >= 500 && !(isBookmlError(err) && err.retryable))
      request.log.error({ err }, 'request failed');
    if (answer.retryAfterMs !== undefined) reply.header('retry-after', Math.ceil(answer.retryAfterMs / 1000));
    const payload = options.envelope ? options.envelope(answer.body) : answer.body;
    // Sent as a string: a route's response schema must never filter an error's fields.
    void reply.code(answer.statusCode).type('application/json; charset=utf-8').send(JSON.stringify(payload));
  };
}

/**
 * A Fastify not-found handler for one surface: the surface's not-found code naming the path.
 * @example app.setNotFoundHandler(httpNotFoundHandler(surface));
 */
export function httpNotFoundHandler(surface: HttpErrorSurface, options: HttpErrorHandlerOptions = {}) {
  const handle = httpErrorHandler(surface, options);
  return (request: FastifyRequest, reply: FastifyReply): void => {
    // Capped: the path is echoed back, and a client should not be able to make the answer huge.
    const path = request.url.split('?')[0].slice(0, 200);
    handle(
      new BookmlError(surface.notFound, `no route ${request.method} ${path}`, { field: 'path' }),
      request,
      reply,
    );
  };
}
