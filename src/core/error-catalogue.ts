import { exitCodeFor } from './errors.js';

/** How a catalogue declares one code; {@link defineErrors} fills in the defaults. */
export interface ErrorSpec {
  /** HTTP status the API and the server answer with (4xx: the caller's mistake; 5xx: bookml's). */
  status: number;
  /** When the error happens, in one sentence for the error reference (docs/errors.md). */
  description: string;
  /** Exit status of the CLI. @default 2 for a 4xx status, 1 for a 5xx */
  exitCode?: number;
  /** Whether the same call may succeed later. @default false */
  retryable?: boolean;
}

/** One code of a catalogue, with every default resolved. */
export interface ErrorEntry<C extends string = string> {
  /** The stable code, `AREA_WHAT`; the catalogue key it sits under. */
  readonly code: C;
  /** The catalogue it belongs to, e.g. `DATA` (its export is `DATA_ERRORS`). */
  readonly area: string;
  readonly status: number;
  readonly exitCode: number;
  readonly retryable: boolean;
  readonly description: string;
}

/** A folder's codes, keyed by themselves. */
export type ErrorCatalogue<K extends string = string> = { readonly [C in K]: ErrorEntry<C> };

const CODE = /^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/;
const AREA = /^[A-Z][A-Z0-9]*$/;

/**
 * Declare a folder's error catalogue: every code it raises, with HTTP status, CLI exit code,
 * retryability and a description for the error reference. The result is frozen; its entries are
 * what a folder's error class is built from. Throws a `TypeError` at load time on a malformed
 * code, status or exit code, so a bad catalogue never ships.
 *
 * @example
 * export const DATA_ERRORS = defineErrors('DATA', {
 *   DATA_NO_DATASET: { status: 404, description: 'There is no current dataset in the workspace.' },
 *   DATA_SOURCE_UNAVAILABLE: { status: 503, retryable: true, description: 'PostgreSQL cannot be reached.' },
 * });
 * DATA_ERRORS.DATA_NO_DATASET.exitCode; // 2
 */
export function defineErrors<const S extends Record<string, ErrorSpec>>(
  area: string,
  specs: S,
): ErrorCatalogue<Extract<keyof S, string>> {
  if (!AREA.test(area)) throw new TypeError(`error area "${area}" must be upper case, e.g. DATA`);
  const out: Record<string, ErrorEntry> = {};
  for (const [code, spec] of Object.entries(specs)) {
    const where = `${area}_ERRORS.${code}`;
    if (!CODE.test(code)) throw new TypeError(`${where}: a code is AREA_WHAT in upper case`);
    if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599)
      throw new TypeError(`${where}: status must be an HTTP error status (400-599), got ${spec.status}`);
    const exitCode = spec.exitCode ?? exitCodeFor(spec.status);
    // 0 is success and >125 collides with the shell's own meanings (not found, signals).
    if (!Number.isInteger(exitCode) || exitCode < 1 || exitCode > 125)
      throw new TypeError(`${where}: exitCode must be an integer from 1 to 125, got ${exitCode}`);
    if (spec.description.trim() === '') throw new TypeError(`${where}: a description is required`);
    out[code] = Object.freeze({
      code,
      area,
      status: spec.status,
      exitCode,
      retryable: spec.retryable ?? false,
      description: spec.description,
    });
  }
  return Object.freeze(out) as ErrorCatalogue<Extract<keyof S, string>>;
}
