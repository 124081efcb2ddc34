import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import {
  type HttpServerLimits,
  httpClientErrorHandler,
  httpTimeoutOptions,
  limitConnectionsPerAddress,
} from '../../core/index.js';
import { sendWebhookError, WEBHOOK_CLIENT_ERRORS, webhookNotFound } from './http-errors.js';
import { type WebhookDeps, webhookRoutes } from './webhook-routes.js';

/** Options of {@link buildWebhookApp}. */
export interface WebhookAppOptions {
  /** Fastify's logger: `false` (default) or pino options. */
  logger?: FastifyServerOptions['logger'];
  /** A ready pino logger instead. */
  loggerInstance?: FastifyServerOptions['loggerInstance'];
  /**
   * Header, whole-request and keep-alive timeouts (ms) and the connections one address may hold.
   * @default headers 10 s, request 30 s (a body is at most 64 KiB), keep-alive 72 s, 256 connections
   */
  limits?: Partial<HttpServerLimits>;
}

const DEFAULT_LIMITS: HttpServerLimits = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 72_000,
  maxConnectionsPerAddress: 256,
};

/**
 * A Fastify app serving only the webhook ({@link webhookRoutes}), with 404s in the same error shape.
 * It does not listen: the CLI does (127.0.0.1:12000 by default, the original EventSource port).
 *
 * @example
 * const app = buildWebhookApp({ bus, db: mdb, secret });
 * const res = await app.inject({ method: 'POST', url: '/recommender-dataset-ready', headers, payload: body });
 */
export function buildWebhookApp(deps: WebhookDeps, options: WebhookAppOptions = {}): FastifyInstance {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const app = Fastify({
    ...(options.loggerInstance
      ? { loggerInstance: options.loggerInstance }
      : { logger: options.logger ?? false }),
    // An access log line per request would let a flood of unsigned requests fill the disk.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // A sender that never finishes its request is closed with a 408, not kept.
    ...httpTimeoutOptions(limits),
    clientErrorHandler: httpClientErrorHandler(WEBHOOK_CLIENT_ERRORS),
  });
  limitConnectionsPerAddress(app.server, limits.maxConnectionsPerAddress);
  app.setNotFoundHandler(webhookNotFound);
  app.setErrorHandler(sendWebhookError);
  app.register(webhookRoutes(deps));
  return app;
}
