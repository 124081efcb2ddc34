import type { FastifyInstance } from 'fastify';
import { errorHandler } from './http-errors.js';
import { type ServeContext, sendJson } from './serve-context.js';

/**
 * `GET /healthz` and `GET /` (the process is up; `/` as the KServe server answers it), `GET /ready` (a model answers; every role's version, source
 * and last load failure) and `GET /metrics` (Prometheus text).
 */
export async function healthRoutes(app: FastifyInstance, ctx: ServeContext): Promise<void> {
  const { deployment, metrics } = ctx;
  app.setErrorHandler(errorHandler('bookml'));

  app.get('/healthz', (_req, reply) => sendJson(reply, 200, { status: 'ok' }));
  // The KServe model server's liveness route, for probes written against it.
  app.get('/', (_req, reply) => sendJson(reply, 200, { status: 'alive' }));

  app.get('/ready', (_req, reply) => {
    const models = deployment.status();
    const failing = models.some((m) => m.failure !== null);
    // Ready means "answers": a failed reload keeps the old version serving, so it is reported
    // (status "degraded", with the failure) without taking the server out of rotation.
    const status = !deployment.ready ? 'loading' : failing ? 'degraded' : 'ready';
    sendJson(reply, deployment.ready ? 200 : 503, {
      status,
      canary_percent: deployment.split.percent,
      // Which process answered: with `--workers N` each worker has its own models and reloads.
      pid: process.pid,
      models,
    });
  });

  app.get('/metrics', async (_req, reply) => {
    const text = await metrics.scrape();
    reply.header('content-type', metrics.contentType).send(text);
  });
}
