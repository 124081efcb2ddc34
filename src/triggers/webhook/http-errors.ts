import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  type HttpClientErrorCodes,
  type HttpErrorSurface,
  httpErrorHandler,
  httpNotFoundHandler,
} from '../../core/index.js';
import { TRIGGERS_ERRORS } from '../errors.js';

/** The webhook surface's codes for failures Fastify detects before a route runs. */
export const WEBHOOK_HTTP_SURFACE: HttpErrorSurface = {
  badRequest: TRIGGERS_ERRORS.TRIGGERS_BAD_REQUEST,
  malformedJson: TRIGGERS_ERRORS.TRIGGERS_BAD_REQUEST,
  unsupportedMediaType: TRIGGERS_ERRORS.TRIGGERS_UNSUPPORTED_MEDIA_TYPE,
  bodyTooLarge: TRIGGERS_ERRORS.TRIGGERS_BODY_TOO_LARGE,
  notFound: TRIGGERS_ERRORS.TRIGGERS_ROUTE_NOT_FOUND,
};

/** The webhook server's codes for failures Node detects on the socket (slow request, huge headers). */
export const WEBHOOK_CLIENT_ERRORS: HttpClientErrorCodes = {
  requestTimeout: TRIGGERS_ERRORS.TRIGGERS_REQUEST_TIMEOUT,
  headersTooLarge: TRIGGERS_ERRORS.TRIGGERS_HEADERS_TOO_LARGE,
  badRequest: TRIGGERS_ERRORS.TRIGGERS_BAD_REQUEST,
};

const answer = httpErrorHandler(WEBHOOK_HTTP_SURFACE);

/**
 * The webhook's Fastify error handler: core's one mapper (`{statusCode, code, message, field?}`, never a
 * stack), plus the `www-authenticate` challenge a 401 owes the sender. Messages name fields, never
 * their values, so no secret, signature or body comes back.
 */
export function sendWebhookError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  if ((err as { status?: unknown })?.status === 401)
    reply.header('www-authenticate', 'Bearer realm="bookml-webhook"');
  answer(err, request, reply);
}

/** 404 for a path the webhook server does not serve. */
export const webhookNotFound = httpNotFoundHandler(WEBHOOK_HTTP_SURFACE);
