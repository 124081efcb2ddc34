import type { RouteOptions } from 'fastify';

declare module 'fastify' {
  /** The documentation keys a route schema may carry; Fastify compiles none of them. */
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: readonly string[];
    /** The media type of the success responses. @default 'application/json' */
    produces?: readonly string[];
    /** The documented body of a route that checks its body itself or streams it. */
    docBody?: { mediaType: string; schema: unknown };
  }
}

/** A documented route as registered: its method, URL and Fastify schema. */
export interface OpenApiRoute {
  method: string;
  url: string;
  schema: Record<string, unknown>;
  /** Fields the surface adds to the operation (security, roles). */
  extra: Record<string, unknown>;
}

/** What a surface decides about its document: how statuses read and what each operation adds. */
export interface OpenApiSurface {
  info: { title: string; version: string; description: string };
  /** Components beside the operations (security schemes, shared schemas). @default {} */
  components?: Record<string, unknown>;
  /** Operation fields from the route's options (e.g. `security`, `x-bookml-role`). @default none */
  extra?: (route: RouteOptions) => Record<string, unknown>;
  /** The description of a response status. @default 'Response' */
  describeStatus?: (status: string) => string;
}

/**
 * Builds an OpenAPI 3.1 document from the routes as they register (Fastify's `onRoute`), so the
 * document and the validation schemas cannot drift apart. Routes without a `summary` stay out; HEAD
 * twins of GET routes too. Route schemas may carry two documentation-only keys Fastify never compiles:
 * `produces` (the success media type) and `docBody` (`{ mediaType, schema }`, the body of a route that
 * checks its body itself, or takes it as a stream).
 * @example const docs = openApiCollector({ info }); app.addHook('onRoute', docs.onRoute); … docs.document()
 */
export function openApiCollector(surface: OpenApiSurface) {
  const routes: OpenApiRoute[] = [];
  return {
    onRoute(route: RouteOptions): void {
      const schema = route.schema as Record<string, unknown> | undefined;
      if (!schema?.summary) return;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        if (method === 'HEAD') continue;
        routes.push({
          method: method.toLowerCase(),
          url: route.url,
          schema,
          extra: surface.extra?.(route) ?? {},
        });
      }
    },
    /** The routes collected so far. */
    routes(): readonly OpenApiRoute[] {
      return routes;
    },
    document(): Record<string, unknown> {
      const paths: Record<string, Record<string, unknown>> = {};
      for (const r of routes) {
        const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
        paths[path] ??= {};
        paths[path][r.method] = operation(r, surface.describeStatus ?? (() => 'Response'));
      }
      return {
        openapi: '3.1.0',
        info: surface.info,
        servers: [{ url: '/' }],
        components: surface.components ?? {},
        paths,
      };
    },
  };
}

function operation(r: OpenApiRoute, describeStatus: (status: string) => string): Record<string, unknown> {
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
  const doc = s.docBody as { mediaType: string; schema: unknown } | undefined;
  return {
    summary: s.summary,
    ...(s.description ? { description: s.description } : {}),
    tags: s.tags,
    operationId: `${r.method}${r.url.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    ...r.extra,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc
      ? { requestBody: { required: true, content: { [doc.mediaType]: { schema: doc.schema } } } }
      : s.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: s.body } } } }
        : {}),
    responses,
  };
}

function propsOf(schema: unknown): [string, unknown][] {
  const props = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.entries(props) : [];
}
