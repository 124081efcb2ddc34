import type { RouteOptions } from 'fastify';
import { openApiCollector } from '../core/index.js';

/**
 * The control plane's OpenAPI document, built from the routes as they register (core's collector):
 * every operation says its bearer-token security and the role it needs (`x-bookml-role`), or that it is
 * public.
 * @example const docs = controlPlaneDocs(info); app.addHook('onRoute', docs.onRoute); … docs.document()
 */
export function controlPlaneDocs(info: { title: string; version: string; description: string }) {
  return openApiCollector({
    info,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'API token; its roles (viewer < operator < approver) decide what it may do',
        },
      },
    },
    extra: (route: RouteOptions) => {
      const config = (route.config ?? {}) as { role?: string; public?: boolean };
      // Declared on every non-public route (requireDeclaredRole refuses the app otherwise).
      return config.public === true
        ? { security: [] }
        : { security: [{ bearerAuth: [] }], 'x-bookml-role': config.role ?? '' };
    },
    describeStatus,
  });
}

function describeStatus(status: string): string {
  const text: Record<string, string> = {
    '200': 'OK',
    '201': 'Created',
    '202': 'Accepted: waiting for an approval',
    '400': 'Invalid request (field and reason in the body)',
    '401': 'Missing or invalid token',
    '403': 'The token lacks the role, or the alias needs an approval',
    '404': 'Not found',
    '413': 'The body is larger than the route accepts',
    '422': 'A gate failed; nothing moved (gate results in details)',
    '501': 'Not served by this control plane (the service is not wired into this process)',
  };
  return text[status] ?? 'Response';
}
