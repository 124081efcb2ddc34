/**
 * The official Argo Workflows JSON schema (../shared/schemas, see its README) as an ajv validator, in
 * "closed" mode (unknown keys are errors, so a typo such as `dependsOn:` fails) and without widening
 * IntOrString (bookml emits those fields as strings, which is what the schema says).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The schema file, relative to the repository (the shared folder sits beside it). */
export const ARGO_SCHEMA_FILE = path.join(REPO, '..', 'shared', 'schemas', 'argo-workflows.schema.json');
const ID = 'https://raw.githubusercontent.com/argoproj/argo-workflows/HEAD/api/jsonschema/schema.json';

/** Why schema tests are skipped on this machine, or `undefined` when the schema is there. */
export const SCHEMA_MISSING = existsSync(ARGO_SCHEMA_FILE)
  ? undefined
  : `the Argo schema is not at ${path.relative(REPO, ARGO_SCHEMA_FILE)}`;

type Validate = (doc: unknown) => string[];
let cached: Validate | undefined;

/** A validator for Argo kinds: `[]` when the object is valid, else "path message" lines. */
export function argoValidator(): Validate {
  if (cached) return cached;
  const schema = JSON.parse(readFileSync(ARGO_SCHEMA_FILE, 'utf8')) as {
    definitions: Record<string, Record<string, unknown>>;
  };
  for (const d of Object.values(schema.definitions)) {
    if (d.properties !== undefined && d.additionalProperties === undefined) d.additionalProperties = false;
  }
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addFormat('uint64', true);
  ajv.addSchema(schema);
  cached = (doc: unknown) => {
    const kind = (doc as { kind?: string })?.kind;
    const v = ajv.getSchema(`${ID}#/definitions/io.argoproj.workflow.v1alpha1.${kind}`);
    if (v === undefined) return [`no schema for kind ${String(kind)}`];
    return v(doc)
      ? []
      : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  };
  return cached;
}
