import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  type HttpClientErrorCodes,
  type HttpErrorBody,
  type HttpErrorSurface,
  httpErrorHandler,
  httpNotFoundHandler,
} from '../core/index.js';
import { SERVE_ERRORS } from './errors.js';

/** The body every error answer carries: never a stack. */
export type ErrorBody = HttpErrorBody;

/** How a surface shapes its errors: bookml's own, or KServe's `{"error": …}` plus bookml's fields. */
export type ErrorStyle = 'bookml' | 'kserve';

/** The serving surface's codes for failures Fastify detects before a route runs. */
export const SERVE_HTTP_SURFACE: HttpErrorSurface = {
  badRequest: SERVE_ERRORS.SERVE_INVALID_REQUEST,
  malformedJson: SERVE_ERRORS.SERVE_MALFORMED_JSON,
  unsupportedMediaType: SERVE_ERRORS.SERVE_UNSUPPORTED_MEDIA_TYPE,
  bodyTooLarge: SERVE_ERRORS.SERVE_BODY_TOO_LARGE,
  notFound: SERVE_ERRORS.SERVE_ROUTE_NOT_FOUND,
};

/** The serving surface's codes for failures Node detects on the socket (slow request, huge headers). */
export const SERVE_CLIENT_ERRORS: HttpClientErrorCodes = {
  requestTimeout: SERVE_ERRORS.SERVE_REQUEST_TIMEOUT,
  headersTooLarge: SERVE_ERRORS.SERVE_HEADERS_TOO_LARGE,
  badRequest: SERVE_ERRORS.SERVE_INVALID_REQUEST,
};

// KServe clients read `error`; bookml clients read `code` and `field`; the KServe style carries both.
const kserveEnvelope = (body: HttpErrorBody) => ({ error: body.message, ...body });

const handlers = {
  bookml: httpErrorHandler(SERVE_HTTP_SURFACE),
  kserve: httpErrorHandler(SERVE_HTTP_SURFACE, { envelope: kserveEnvelope }),
};
const notFound = {
  bookml: httpNotFoundHandler(SERVE_HTTP_SURFACE),
  kserve: httpNotFoundHandler(SERVE_HTTP_SURFACE, { envelope: kserveEnvelope }),
};

/** The Fastify error handler of one serving surface. */
export function errorHandler(style: ErrorStyle) {
  return handlers[style];
}

/** 404 for a path no route serves, in the style of the prefix it fell under. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  notFound[/^\/v[12](\/|$)/.test(request.url) ? 'kserve' : 'bookml'](request, reply);
}

/**
 * Errors Fastify raises before routing (a malformed URL escape, an over-long path parameter), in
 * the style of the prefix the URL falls under.
 */
export function frameworkErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  handlers[/^\/v[12](\/|$)/.test(request.url) ? 'kserve' : 'bookml'](err, request, reply);
}
