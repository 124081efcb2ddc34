import type { FastifySchema } from 'fastify';
import type { z } from 'zod';
import { ErrorBody, jsonSchema } from './schemas.js';

/** What a v1 route declares; turned into Fastify's schema (validation) and the OpenAPI operation. */
export interface RouteDoc {
  summary: string;
  tag: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Success responses by status. */
  ok: Record<number, z.ZodType>;
}

/** The Fastify schema of a documented route; error responses share one shape. */
export function routeSchema(doc: RouteDoc): FastifySchema {
  const response: Record<string, unknown> = {};
  for (const [status, s] of Object.entries(doc.ok)) response[status] = jsonSchema(s, 'output');
  for (const status of ['400', '401', '403', '404', '422'])
    response[status] = jsonSchema(ErrorBody, 'output');
  return {
    summary: doc.summary,
    tags: [doc.tag],
    ...(doc.params ? { params: jsonSchema(doc.params) } : {}),
    ...(doc.query ? { querystring: jsonSchema(doc.query) } : {}),
    ...(doc.body ? { body: jsonSchema(doc.body) } : {}),
    response,
  } as FastifySchema;
}
