import { fail } from '../errors.js';

/**
 * Name rules shared by the definition and both targets. Task IDs and step names become Argo template and
 * task names and pod-name parts, so they are DNS-1123 labels; parameter, input and output names are
 * camelCase identifiers so that the compiler's camelCase → kebab-case mapping (`datasetUri` →
 * `dataset-uri`) is one-to-one.
 */

/** DNS-1123 label that starts with a letter, at most 63 characters: task IDs, step and pipeline names. */
export const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** camelCase identifier: parameter, input and output names. */
export const CAMEL_NAME = /^[a-z][a-zA-Z0-9]*$/;
/** Environment variable name a step may declare it reads. */
export const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** Longest DNS-1123 label. */
export const MAX_LABEL = 63;

/** Task IDs the compiler uses for its own templates. */
export const RESERVED_TASK_IDS: readonly string[] = ['pipeline'];

/** Check a task ID, step or pipeline name. @internal */
export function checkLabel(kind: string, name: unknown, where: { task?: string; field?: string }): string {
  if (typeof name !== 'string' || !DNS_LABEL.test(name) || name.length > MAX_LABEL) {
    fail(
      'PIPELINE_INVALID_NAME',
      where,
      `${kind} ${JSON.stringify(name)} must be lowercase letters, digits and '-', start with a letter, end with a letter or digit, and be at most ${MAX_LABEL} characters (it becomes an Argo name)`,
    );
  }
  return name;
}

/** Check a parameter, input or output name. @internal */
export function checkCamel(kind: string, name: string, where: { task?: string; field?: string }): string {
  if (!CAMEL_NAME.test(name) || name.length > MAX_LABEL) {
    fail(
      'PIPELINE_INVALID_NAME',
      where,
      `${kind} "${name}" must be a camelCase identifier (letters and digits, starting lowercase, at most ${MAX_LABEL} characters)`,
    );
  }
  return name;
}
