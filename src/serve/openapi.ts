import type { FastifyInstance } from 'fastify';
import { openApiCollector } from '../core/index.js';

const STATUS: Record<string, string> = {
  '200': 'OK',
  '400': 'Invalid request (code, message and the field at fault in the body)',
  '404': 'Unknown model name or route',
  '413': 'The body is larger than the route accepts',
  '415': 'The body is not JSON',
  '501': 'Not implemented for this model (e.g. :explain)',
  '503': 'No model loaded yet, or the server is closing',
};

/**
 * The serving app's OpenAPI document, built from its routes' schemas as they register (core's
 * collector), so the document cannot drift from what the routes validate and answer. Adds
 * `GET /openapi.json`, which serves it. Register the hook before the surfaces.
 * @example serveOpenApi(app, ctx.serverVersion); // then app.register(surface) …
 */
export function serveOpenApi(app: FastifyInstance, version: string): void {
  const docs = openApiCollector({
    info: {
      title: 'bookml serving',
      version,
      description:
        'Recommendations over HTTP: /recommend (one book or a basket, with explain=true the evidence), ' +
        'KServe V1 (/v1/models/{name}:predict) and Open Inference Protocol V2 (/v2/…), health, readiness and ' +
        'Prometheus metrics. Answers name the model version in the x-bookml-model-version header. No ' +
        'authentication: put it behind the ingress that needs one.',
    },
    describeStatus: (s) => STATUS[s] ?? 'Response',
  });
  app.addHook('onRoute', docs.onRoute);
  let built: string | null = null;
  app.get(
    '/openapi.json',
    {
      schema: {
        summary: 'This OpenAPI document',
        tags: ['docs'],
        response: { 200: { type: 'object', additionalProperties: true } },
      },
    },
    (_req, reply) => {
      // Routes are all registered by the first request; the document never changes afterwards.
      built ??= JSON.stringify(docs.document());
      reply.code(200).header('content-type', 'application/json; charset=utf-8').send(built);
    },
  );
}
