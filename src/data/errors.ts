import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../core/index.js';
import { escapeControls } from './text-check.js';

/**
 * Every error the data layer raises, by code. Callers match on `code` (or `instanceof`), never on
 * message text; the thrown message names the offending field and says what to do.
 */
export const DATA_ERRORS = defineErrors('DATA', {
  DATA_NO_DATASET: { status: 404, description: 'There is no current dataset in the workspace.' },
  DATA_NOT_FOUND: {
    status: 404,
    description: 'A dataset reference (hash prefix or folder) matches nothing.',
  },
  DATA_AMBIGUOUS_REF: { status: 400, description: 'A hash prefix matches more than one dataset.' },
  DATA_BAD_ROW: {
    status: 400,
    description: 'One input row is unusable; the message gives the file, line, column and reason.',
  },
  DATA_BAD_FILE: {
    status: 400,
    description: 'A file is missing, unreadable, unwritable, or has the wrong header.',
  },
  DATA_BAD_MAPPING: {
    status: 400,
    description: 'A column mapping (`--map`) names a column the file lacks, or lacks a required role.',
  },
  DATA_BAD_OPTION: {
    status: 400,
    description:
      'An option value is out of range or contradicts another (e.g. `--out` inside the workspace).',
  },
  DATA_SOURCE_UNAVAILABLE: {
    status: 503,
    retryable: true,
    description: 'An external source (PostgreSQL) cannot be reached; retrying later may help.',
  },
  DATA_BAD_SOURCE: {
    status: 400,
    description: 'An external source is reachable but lacks a table or column bookml expects.',
  },
});

/** One of the codes in {@link DATA_ERRORS}. */
export type DataErrorCode = keyof typeof DATA_ERRORS;

/**
 * An error of the data layer; status, exit code and retryability come from {@link DATA_ERRORS}.
 * The classes below are its common cases with their messages written once.
 *
 * @example
 * throw new DataError('DATA_BAD_OPTION', '--out is inside the workspace', { field: '--out' });
 */
export class DataError extends BookmlError {
  declare readonly code: DataErrorCode;
  constructor(code: DataErrorCode, message: string, options: CatalogueErrorOptions = {}) {
    super(DATA_ERRORS[code], message, options);
    this.name = 'DataError';
  }
}

/** There is no current dataset in the workspace. */
export class DataNoDatasetError extends DataError {
  constructor() {
    super('DATA_NO_DATASET', 'no current dataset: run `bookml data generate` or `bookml data import`', {
      field: 'dataset',
    });
  }
}

/** A dataset reference (hash prefix or folder) matches nothing. */
export class DataNotFoundError extends DataError {
  constructor(ref: string) {
    super(
      'DATA_NOT_FOUND',
      `no dataset matches "${ref}": give a hash prefix from \`bookml data list\` or a folder holding the four CSV files`,
      { field: 'dataset' },
    );
  }
}

/** A hash prefix matches more than one dataset. */
export class DataAmbiguousRefError extends DataError {
  constructor(ref: string, matches: number) {
    super('DATA_AMBIGUOUS_REF', `"${ref}" matches ${matches} datasets: give more characters of the hash`, {
      field: 'dataset',
    });
  }
}

/**
 * One input row is unusable. `line` is 1-based and counts the header (for a database source, the
 * row's position in the read order); `field` is the column at fault and `reason` what is wrong;
 * `column`, when known, is the 1-based character position in the line (a bad byte's place).
 * Control characters in any part are escaped, so the message is one printable line.
 */
export class DataBadRowError extends DataError {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  readonly column: number | undefined;
  constructor(file: string, line: number, field: string, reason: string, column?: number) {
    super(
      'DATA_BAD_ROW',
      escapeControls(
        `${file} line ${line}${column === undefined ? '' : `, column ${column}`}: ${field} ${reason} (fix the row, or pass --on-bad-row skip to skip bad rows)`,
      ),
      { field: escapeControls(field) },
    );
    this.file = file;
    this.line = line;
    this.reason = escapeControls(reason);
    this.column = column;
  }
}

/** A file is missing, unreadable, unwritable, or has the wrong header. */
export class DataBadFileError extends DataError {
  constructor(file: string, reason: string, field = 'file') {
    super('DATA_BAD_FILE', escapeControls(`${file}: ${reason}`), { field });
  }
}

/** A column mapping names a column the file does not have, or lacks a required role. */
export class DataBadMappingError extends DataError {
  constructor(field: string, reason: string) {
    super('DATA_BAD_MAPPING', escapeControls(`--map ${field}: ${reason}`), { field: `map.${field}` });
  }
}

/** An option value is out of range or malformed. */
export class DataBadOptionError extends DataError {
  constructor(option: string, reason: string) {
    super('DATA_BAD_OPTION', `${option}: ${reason}`, { field: option });
  }
}

/** An external source (PostgreSQL) cannot be reached; retrying later may help. */
export class DataSourceUnavailableError extends DataError {
  constructor(what: string, reason: string, cause?: unknown) {
    super(
      'DATA_SOURCE_UNAVAILABLE',
      `cannot read ${what}: ${reason} (check that it is running and reachable)`,
      {
        field: 'source',
        retryAfterMs: 5_000,
        cause,
      },
    );
  }
}

/** An external source is reachable but does not hold what bookml expects (a table or column). */
export class DataBadSourceError extends DataError {
  constructor(field: string, reason: string) {
    super('DATA_BAD_SOURCE', reason, { field });
  }
}
