/**
 * Golden files for generated YAML: compared as parsed objects (formatting changes are not failures), and
 * rewritten instead of compared when UPDATE_GOLDEN=1, so a change shows up as a diff in review.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** Folder of the golden files. */
export const GOLDEN_DIR = path.dirname(fileURLToPath(import.meta.url));

/** Whether this run regenerates golden files instead of checking them. */
export const UPDATING = process.env.UPDATE_GOLDEN === '1';

/** Parse every YAML document of `text`, failing on any YAML error. */
export function parseYamlDocuments(text: string): unknown[] {
  const docs = parseAllDocuments(text);
  const errors = docs.flatMap((d) => d.errors);
  if (errors.length > 0) throw new Error(`invalid YAML: ${errors[0].message}`);
  return docs.map((d) => d.toJS());
}

/**
 * The expected and actual parsed documents for golden `name`. With UPDATE_GOLDEN=1 the file is (re)written
 * from `actualYaml` first, so both are equal.
 */
export function golden(name: string, actualYaml: string): { expected: unknown[]; actual: unknown[] } {
  const file = path.join(GOLDEN_DIR, name);
  if (UPDATING) writeFileSync(file, actualYaml);
  if (!existsSync(file)) {
    throw new Error(`golden file ${name} is missing; run: UPDATE_GOLDEN=1 npx vitest run test/pipeline-`);
  }
  return { expected: parseYamlDocuments(readFileSync(file, 'utf8')), actual: parseYamlDocuments(actualYaml) };
}
