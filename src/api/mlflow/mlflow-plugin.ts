import type { FastifyInstance } from 'fastify';
import type { Registry, TrackingStore } from '../../registry/index.js';
import type { GateEvidenceSource } from '../v1/registry-routes.js';
import { mlflowErrorHandler, sendMlflowError } from './mlflow-errors.js';
import { mlflowRegistryRoutes } from './registry-routes.js';
import { trackingRoutes } from './tracking-routes.js';

/** The prefixes MLflow clients use: the REST API, the UI's ajax path and the old preview path. */
export const MLFLOW_PREFIXES = [
  '/api/2.0/mlflow',
  '/ajax-api/2.0/mlflow',
  '/api/2.0/preview/mlflow',
] as const;

/**
 * One encapsulated plugin per prefix: MLflow's error shape, its Content-Type rule and its 404
 * `ENDPOINT_NOT_FOUND` stay inside; `/api/v1` keeps bookml's own error shape.
 */
export async function mlflowPlugin(
  app: FastifyInstance,
  opts: { registry: Registry; tracking: TrackingStore; gateEvidence?: GateEvidenceSource | undefined },
): Promise<void> {
  app.setErrorHandler(mlflowErrorHandler);
  app.setNotFoundHandler((req, reply) => {
    sendMlflowError(
      reply,
      'ENDPOINT_NOT_FOUND',
      `No API endpoint for ${req.method} ${req.url.split('?')[0]}`,
    );
  });
  app.addHook('onRequest', async (req, reply) => {
    // Recent MLflow servers refuse a POST/PATCH without a JSON Content-Type rather than guess.
    if ((req.method === 'POST' || req.method === 'PATCH') && !req.headers['content-type']) {
      sendMlflowError(reply, 'INVALID_PARAMETER_VALUE', 'Bad Request. Content-Type header is missing.');
      return reply;
    }
  });
  await app.register(trackingRoutes, { tracking: opts.tracking });
  await app.register(mlflowRegistryRoutes, {
    registry: opts.registry,
    tracking: opts.tracking,
    gateEvidence: opts.gateEvidence,
  });
}
