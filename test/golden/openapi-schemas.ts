/**
 * Every JSON schema an OpenAPI document holds (parameters, request bodies, responses), compiled with
 * Ajv, so the document a client generates code from is one the server validates with.
 */
import { Ajv } from 'ajv';

export interface OpenApiDoc {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { schema: object }[];
        requestBody?: { content: Record<string, { schema: object }> };
        responses: Record<string, { content?: Record<string, { schema: object }> }>;
      }
    >
  >;
}

/** Compiles every schema of `doc` (throws on the first that does not compile); returns how many. */
export function compileOpenApiSchemas(doc: OpenApiDoc): number {
  const ajv = new Ajv({ strict: false });
  let schemas = 0;
  for (const ops of Object.values(doc.paths)) {
    for (const op of Object.values(ops)) {
      const all = [
        ...(op.parameters ?? []).map((p) => p.schema),
        ...Object.values(op.requestBody?.content ?? {}).map((c) => c.schema),
        ...Object.values(op.responses).flatMap((r) => Object.values(r.content ?? {}).map((c) => c.schema)),
      ];
      for (const s of all) {
        ajv.compile(s);
        schemas += 1;
      }
    }
  }
  return schemas;
}
