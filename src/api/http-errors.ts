import {
  type HttpClientErrorCodes,
  type HttpErrorSurface,
  httpErrorHandler,
  httpNotFoundHandler,
} from '../core/index.js';
import { API_ERRORS } from './errors.js';

/** The control plane's codes for failures Fastify detects before a route runs. */
export const API_HTTP_SURFACE: HttpErrorSurface = {
  badRequest: API_ERRORS.API_BAD_REQUEST,
  malformedJson: API_ERRORS.API_MALFORMED_JSON,
  unsupportedMediaType: API_ERRORS.API_UNSUPPORTED_MEDIA_TYPE,
  bodyTooLarge: API_ERRORS.API_BODY_TOO_LARGE,
  notFound: API_ERRORS.API_NOT_FOUND,
};

/** The control plane's codes for failures Node detects on the socket (slow request, huge headers). */
export const API_CLIENT_ERRORS: HttpClientErrorCodes = {
  requestTimeout: API_ERRORS.API_REQUEST_TIMEOUT,
  headersTooLarge: API_ERRORS.API_HEADERS_TOO_LARGE,
  badRequest: API_ERRORS.API_BAD_REQUEST,
};

/**
 * The control plane's error handler (also its `frameworkErrors`): `{ statusCode, code, message,
 * field?, details?, requestId? }`, never a stack and never a Fastify code; unknown errors are
 * `500 INTERNAL` with the request id, the full error going to the log only.
 */
export const sendApiError = httpErrorHandler(API_HTTP_SURFACE);

/** 404 `API_NOT_FOUND` naming the path. */
export const apiNotFound = httpNotFoundHandler(API_HTTP_SURFACE);
