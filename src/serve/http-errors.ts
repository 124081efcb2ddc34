import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isBookmlError } from '../core/index.js';
import { ServeError } from './errors.js';

/** The body every bookml error answer carries: never a stack. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  field?: string;
}

/** How a surface shapes its errors: bookml's own, or KServe's `{"error": …}` plus bookml's fields. */
export type ErrorStyle = 'bookml' | 'kserve';

interface AjvIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: { missingProperty?: string; additionalProperty?: string };
}

/** `/instances/1/k` → `instances[1].k`. */
function fieldOfPath(path: string): string {
  return path
    .split('/')
    .filter(Boolean)
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

/** The first schema issue as (field, reason), with the field named the way clients wrote it. */
function schemaIssue(err: FastifyError & { validation?: AjvIssue[] }): { field: string; reason: string } {
  const issue = err.validation?.[0];
  if (!issue) return { field: '', reason: err.message };
  const base = fieldOfPath(issue.instancePath);
  const join = (k: string) => (base ? `${base}.${k}` : k);
  if (issue.keyword === 'required' && issue.params.missingProperty)
    return { field: join(issue.params.missingProperty), reason: 'required' };
  if (issue.keyword === 'additionalProperties' && issue.params.additionalProperty)
    return { field: join(issue.params.additionalProperty), reason: 'unknown field' };
  return { field: base || (err.validationContext ?? ''), reason: issue.message ?? 'invalid' };
}

/**
 * Turn anything a route or Fastify threw into a client-safe error: bookml errors keep their code,
 * field and status; Fastify's body errors get serve codes; everything else is `500 INTERNAL`
 * with the request id (the full error goes to the log).
 */
export function toServeError(err: unknown, requestId: string): ErrorBody {
  if (isBookmlError(err)) {
    const body: ErrorBody = { statusCode: err.status, code: err.code, message: err.message };
    if (err.field !== undefined) body.field = err.field;
    return body;
  }
  const e = err as FastifyError & { validation?: AjvIssue[] };
  if (e.validation) {
    const { field, reason } = schemaIssue(e);
    const body: ErrorBody = {
      statusCode: 400,
      code: 'SERVE_INVALID_REQUEST',
      message: `${field || 'request'}: ${reason}`,
    };
    if (field) body.field = field;
    return body;
  }
  const mapped = fromFastifyCode(e.code);
  if (mapped) return mapped;
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { statusCode: e.statusCode, code: 'SERVE_INVALID_REQUEST', message: e.message };
  }
  return {
    statusCode: 500,
    code: 'INTERNAL',
    message: `internal error; quote request id ${requestId} when reporting it`,
  };
}

function fromFastifyCode(code: string | undefined): ErrorBody | null {
  switch (code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        statusCode: 415,
        code: 'SERVE_UNSUPPORTED_MEDIA_TYPE',
        message: 'send the body as JSON with content-type: application/json',
        field: 'content-type',
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        statusCode: 413,
        code: 'SERVE_BODY_TOO_LARGE',
        message: 'the request body is larger than this route accepts; send fewer items per request',
        field: 'body',
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        statusCode: 400,
        code: 'SERVE_MALFORMED_JSON',
        message: 'the body is not valid JSON',
        field: 'body',
      };
    default:
      return null;
  }
}

/**
 * A Fastify error handler for one surface. KServe clients read `error`; bookml clients read
 * `code` and `field`; the KServe style carries both.
 */
export function errorHandler(style: ErrorStyle) {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    const body = toServeError(err, String(request.id));
    if (body.statusCode >= 500 && body.code === 'INTERNAL') request.log.error({ err }, 'request failed');
    const retryAfter = isBookmlError(err) ? err.retryAfterMs : undefined;
    if (retryAfter !== undefined) reply.header('retry-after', Math.ceil(retryAfter / 1000));
    reply
      .code(body.statusCode)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(style === 'kserve' ? { error: body.message, ...body } : body));
  };
}

/** 404 for a path no route serves, in the style of the prefix it fell under. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  const style: ErrorStyle = /^\/v[12](\/|$)/.test(request.url) ? 'kserve' : 'bookml';
  const err = new ServeError(
    'SERVE_ROUTE_NOT_FOUND',
    `no route ${request.method} ${request.url.split('?')[0].slice(0, 200)}`,
    { status: 404, field: 'path' },
  );
  errorHandler(style)(err, request, reply);
}
