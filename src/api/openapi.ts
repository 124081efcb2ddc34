import type { RouteOptions } from 'fastify';

interface Collected {
  method: string;
  url: string;
  schema: Record<string, unknown>;
  role: string;
  public: boolean;
}

/**
 * Builds the OpenAPI 3.1 document from the routes as they register (Fastify's `onRoute`), so the
 * document and the validation schemas cannot drift apart. Routes without a `summary` stay out.
 * @example const docs = openApiCollector(); app.addHook('onRoute', docs.onRoute); … docs.document()
 */
export function openApiCollector(info: { title: string; version: string; description: string }) {
  const routes: Collected[] = [];
  return {
    onRoute(route: RouteOptions): void {
      const schema = route.schema as Record<string, unknown> | undefined;
      if (!schema?.summary) return;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const config = (route.config ?? {}) as { role?: string; public?: boolean };
      for (const method of methods) {
        if (method === 'HEAD') continue;
        routes.push({
          method: method.toLowerCase(),
          url: route.url,
          schema,
          // Declared on every non-public route (requireDeclaredRole refuses the app otherwise).
          role: config.role ?? '',
          public: config.public === true,
        });
      }
    },
    document(): Record<string, unknown> {
      const paths: Record<string, Record<string, unknown>> = {};
      for (const r of routes) {
        const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
        paths[path] ??= {};
        paths[path][r.method] = operation(r);
      }
      return {
        openapi: '3.1.0',
        info,
        servers: [{ url: '/' }],
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              description: 'API token; its roles (viewer < operator < approver) decide what it may do',
            },
          },
        },
        paths,
      };
    },
  };
}

function operation(r: Collected): Record<string, unknown> {
  const s = r.schema;
  const parameters = [
    ...propsOf(s.params).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
    ...propsOf(s.querystring).map(([name, schema]) => ({
      name,
      in: 'query',
      required: ((s.querystring as { required?: string[] }).required ?? []).includes(name),
      schema,
    })),
  ];
  const responses: Record<string, unknown> = {};
  const okType = (s.produces as string[] | undefined)?.[0] ?? 'application/json';
  for (const [status, schema] of Object.entries((s.response ?? {}) as Record<string, unknown>)) {
    const type = status.startsWith('2') ? okType : 'application/json';
    responses[status] = { description: describeStatus(status), content: { [type]: { schema } } };
  }
  const raw = s.rawBody as { mediaType: string; schema: unknown } | undefined;
  return {
    summary: s.summary,
    tags: s.tags,
    operationId: `${r.method}${r.url.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    ...(r.public ? { security: [] } : { security: [{ bearerAuth: [] }], 'x-bookml-role': r.role }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(s.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: s.body } } } }
      : raw
        ? { requestBody: { required: true, content: { [raw.mediaType]: { schema: raw.schema } } } }
        : {}),
    responses,
  };
}

function propsOf(schema: unknown): [string, unknown][] {
  const props = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.entries(props) : [];
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
