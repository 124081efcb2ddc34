import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { sendWebhookError, webhookNotFound } from './http-errors.js';
import { type WebhookDeps, webhookRoutes } from './webhook-routes.js';

/** Options of {@link buildWebhookApp}. */
export interface WebhookAppOptions {
  /** Fastify's logger: `false` (default) or pino options. */
  logger?: FastifyServerOptions['logger'];
  /** A ready pino logger instead. */
  loggerInstance?: FastifyServerOptions['loggerInstance'];
}

/**
 * A Fastify app serving only the webhook ({@link webhookRoutes}), with 404s in the same error shape.
 * It does not listen: the CLI does (127.0.0.1:12000 by default, the original EventSource port).
 *
 * @example
 * const app = buildWebhookApp({ bus, db: mdb, secret });
 * const res = await app.inject({ method: 'POST', url: '/recommender-dataset-ready', headers, payload: body });
 */
export function buildWebhookApp(deps: WebhookDeps, options: WebhookAppOptions = {}): FastifyInstance {
  const app = Fastify({
    ...(options.loggerInstance
      ? { loggerInstance: options.loggerInstance }
      : { logger: options.logger ?? false }),
    // An access log line per request would let a flood of unsigned requests fill the disk.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  app.setNotFoundHandler(webhookNotFound);
  app.setErrorHandler(sendWebhookError);
  app.register(webhookRoutes(deps));
  return app;
}
