import { BookmlError } from '../core/index.js';

/**
 * Every error the data layer throws: one class per stable `code`, each naming the offending field
 * and saying what to do. Callers match on `code` (or `instanceof`), never on message text.
 */

/** There is no current dataset in the workspace. */
export class DataNoDatasetError extends BookmlError {
  constructor() {
    super('DATA_NO_DATASET', 'no current dataset: run `bookml data generate` or `bookml data import`', {
      field: 'dataset',
      status: 404,
    });
  }
}

/** A dataset reference (hash prefix or folder) matches nothing. */
export class DataNotFoundError extends BookmlError {
  constructor(ref: string) {
    super(
      'DATA_NOT_FOUND',
      `no dataset matches "${ref}": give a hash prefix from \`bookml data list\` or a folder holding the four CSV files`,
      { field: 'dataset', status: 404 },
    );
  }
}

/** A hash prefix matches more than one dataset. */
export class DataAmbiguousRefError extends BookmlError {
  constructor(ref: string, matches: number) {
    super('DATA_AMBIGUOUS_REF', `"${ref}" matches ${matches} datasets: give more characters of the hash`, {
      field: 'dataset',
    });
  }
}

/**
 * One input row is unusable. `line` is 1-based and counts the header (for a database source, the
 * row's position in the read order); `field` is the column at fault and `reason` what is wrong.
 */
export class DataBadRowError extends BookmlError {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  constructor(file: string, line: number, field: string, reason: string) {
    super(
      'DATA_BAD_ROW',
      `${file} line ${line}: ${field} ${reason} (fix the row, or pass --on-bad-row skip to skip bad rows)`,
      { field },
    );
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

/** A file is missing, unreadable, unwritable, or has the wrong header. */
export class DataBadFileError extends BookmlError {
  constructor(file: string, reason: string, field = 'file') {
    super('DATA_BAD_FILE', `${file}: ${reason}`, { field });
  }
}

/** A column mapping names a column the file does not have, or lacks a required role. */
export class DataBadMappingError extends BookmlError {
  constructor(field: string, reason: string) {
    super('DATA_BAD_MAPPING', `--map ${field}: ${reason}`, { field: `map.${field}` });
  }
}

/** An option value is out of range or malformed. */
export class DataBadOptionError extends BookmlError {
  constructor(option: string, reason: string) {
    super('DATA_BAD_OPTION', `${option}: ${reason}`, { field: option });
  }
}

/** An external source (PostgreSQL) cannot be reached; retrying later may help. */
export class DataSourceUnavailableError extends BookmlError {
  constructor(what: string, reason: string, cause?: unknown) {
    super(
      'DATA_SOURCE_UNAVAILABLE',
      `cannot read ${what}: ${reason} (check that it is running and reachable)`,
      {
        field: 'source',
        status: 503,
        retryable: true,
        retryAfterMs: 5_000,
        cause,
      },
    );
  }
}

/** An external source is reachable but does not hold what bookml expects (a table or column). */
export class DataBadSourceError extends BookmlError {
  constructor(field: string, reason: string) {
    super('DATA_BAD_SOURCE', reason, { field });
  }
}

/** Every code above, for the error reference and the uniqueness test. */
export const DATA_ERROR_CODES = [
  'DATA_NO_DATASET',
  'DATA_NOT_FOUND',
  'DATA_AMBIGUOUS_REF',
  'DATA_BAD_ROW',
  'DATA_BAD_FILE',
  'DATA_BAD_MAPPING',
  'DATA_BAD_OPTION',
  'DATA_SOURCE_UNAVAILABLE',
  'DATA_BAD_SOURCE',
] as const;
export type DataErrorCode = (typeof DATA_ERROR_CODES)[number];
