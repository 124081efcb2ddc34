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
  /**
   * A body taken as a raw stream (never validated, never buffered): its media type and schema, for the
   * OpenAPI document only.
   */
  rawBody?: { mediaType: string; schema: z.ZodType };
  /** Success responses by status. */
  ok: Record<number, z.ZodType>;
  /** The media type of the success responses. @default 'application/json' */
  okMediaType?: string;
  /** Error statuses beyond the common ones (400, 401, 403, 404, 422), e.g. 409, 413, 501. */
  errors?: readonly number[];
}

/** The Fastify schema of a documented route; error responses share one shape. */
export function routeSchema(doc: RouteDoc): FastifySchema {
  const response: Record<string, unknown> = {};
  for (const [status, s] of Object.entries(doc.ok)) response[status] = jsonSchema(s, 'output');
  for (const status of ['400', '401', '403', '404', '422', ...(doc.errors ?? []).map(String)])
    response[status] = jsonSchema(ErrorBody, 'output');
  // `docBody` and `produces` are not keys Fastify compiles: they reach the OpenAPI collector only.
  return {
    summary: doc.summary,
    tags: [doc.tag],
    ...(doc.params ? { params: jsonSchema(doc.params) } : {}),
    ...(doc.query ? { querystring: jsonSchema(doc.query) } : {}),
    ...(doc.body ? { body: jsonSchema(doc.body) } : {}),
    ...(doc.rawBody
      ? { docBody: { mediaType: doc.rawBody.mediaType, schema: jsonSchema(doc.rawBody.schema) } }
      : {}),
    ...(doc.okMediaType ? { produces: [doc.okMediaType] } : {}),
    response,
  } as FastifySchema;
}
