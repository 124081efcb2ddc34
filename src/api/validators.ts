import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

// Fastify's own defaults (@fastify/ajv-compiler), except that unknown keys are refused, not dropped;
// `allErrors` stays off: collecting every error of a hostile body is a denial-of-service vector.
const BASE: Options = { useDefaults: true, removeAdditional: false, allErrors: false, addUsedSchema: false };

/**
 * The control plane's schema compiler. Query strings and path parameters are text by nature, so they
 * are coerced to the schema's types (`?limit=5` is the number 5); a JSON body has types of its own and
 * is validated as sent — `"description": 5` is a 400 naming the field, never stored as `"5"`, so what
 * the API accepts reads back exactly as it was written.
 *
 * @example app.setValidatorCompiler(controlPlaneValidatorCompiler());
 */
export function controlPlaneValidatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const coercing = withFormats(new Ajv({ ...BASE, coerceTypes: 'array' }));
  const exact = withFormats(new Ajv({ ...BASE, coerceTypes: false }));
  return ({ schema, httpPart }) => (httpPart === 'body' ? exact : coercing).compile(schema as object);
}

function withFormats(ajv: Ajv): Ajv {
  addFormats.default(ajv);
  return ajv;
}
