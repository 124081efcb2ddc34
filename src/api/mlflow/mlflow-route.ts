import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MlflowArgs } from './args.js';

/** A handler of an MLflow operation: arguments in, the response object out (`{}` for empty). */
export type MlflowHandler = (args: MlflowArgs, req: FastifyRequest) => Promise<unknown>;

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * Registers one MLflow operation. GETs need the viewer role, every other method the operator role
 * (the registry adds its own checks on every change), except `read` operations MLflow sends as a
 * POST (the search and get-latest-versions operations), which a viewer may call.
 */
export function mlflowRoute(
  app: FastifyInstance,
  methods: Method | Method[],
  path: string,
  handler: MlflowHandler,
  options: { read?: boolean } = {},
): void {
  for (const method of Array.isArray(methods) ? methods : [methods]) {
    app.route({
      method,
      url: path,
      config: { role: method === 'GET' || options.read ? 'viewer' : 'operator' },
      handler: async (req) => (await handler(new MlflowArgs(req), req)) ?? {},
    });
  }
}
