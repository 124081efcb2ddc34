import type { FastifyInstance } from 'fastify';
import { errorHandler } from './http-errors.js';
import { aliveResponse, readyResponse } from './response-schemas.js';
import { type ServeContext, sendJson } from './serve-context.js';

/**
 * `GET /healthz` and `GET /` (the process is up; `/` as the KServe server answers it), `GET /ready` (a model answers; every role's version, source
 * and last load failure) and `GET /metrics` (Prometheus text).
 */
export async function healthRoutes(app: FastifyInstance, ctx: ServeContext): Promise<void> {
  const { deployment, metrics } = ctx;
  app.setErrorHandler(errorHandler('bookml'));

  const tags = ['health'];
  app.get(
    '/healthz',
    { schema: { summary: 'The process is up (liveness)', tags, response: { 200: aliveResponse } } },
    (_req, reply) => sendJson(reply, 200, { status: 'ok' }),
  );
  // The KServe model server's liveness route, for probes written against it.
  app.get(
    '/',
    {
      schema: {
        summary: "The process is up (the KServe model server's liveness route)",
        tags,
        response: { 200: aliveResponse },
      },
    },
    (_req, reply) => sendJson(reply, 200, { status: 'alive' }),
  );

  const readySchema = {
    summary: "A model answers (readiness): every role's version, source and last load failure",
    tags,
    response: { 200: readyResponse, 503: readyResponse },
  };
  app.get('/ready', { schema: readySchema }, (_req, reply) => {
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

  const metricsSchema = {
    summary:
      'Prometheus metrics: requests, latency, fallbacks and loads per route and version (every worker under --workers)',
    tags: ['metrics'],
    produces: ['text/plain; version=0.0.4'],
    response: { 200: { type: 'string' } },
  };
  app.get('/metrics', { schema: metricsSchema }, async (_req, reply) => {
    const text = await metrics.scrape();
    reply.header('content-type', metrics.contentType).send(text);
  });
}
