import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MlflowArgs } from './args.js';

/** A handler of an MLflow operation: arguments in, the response object out (`{}` for empty). */
export type MlflowHandler = (args: MlflowArgs, req: FastifyRequest) => Promise<unknown>;

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * Registers one MLflow operation. Reads need the viewer role, every other method the operator role
 * (the registry adds its own checks on alias moves).
 */
export function mlflowRoute(
  app: FastifyInstance,
  methods: Method | Method[],
  path: string,
  handler: MlflowHandler,
): void {
  for (const method of Array.isArray(methods) ? methods : [methods]) {
    app.route({
      method,
      url: path,
      config: { role: method === 'GET' ? 'viewer' : 'operator' },
      handler: async (req) => (await handler(new MlflowArgs(req), req)) ?? {},
    });
  }
}
