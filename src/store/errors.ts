import { BookmlError } from '../core/index.js';

/**
 * Every error the store raises, by code: its HTTP status and whether retrying the same call can help.
 * Match on `code`, never on message text.
 */
export const STORE_ERRORS = {
  /** An option or URL given to the store is malformed. */
  STORE_CONFIG_INVALID: { code: 'STORE_CONFIG_INVALID', status: 400, retryable: false },
  /** The database could not be reached, or the connection dropped. */
  STORE_DB_UNAVAILABLE: { code: 'STORE_DB_UNAVAILABLE', status: 503, retryable: true },
  /** Another writer holds a lock (SQLITE_BUSY, PG lock timeout, deadlock, serialization failure). */
  STORE_DB_BUSY: { code: 'STORE_DB_BUSY', status: 503, retryable: true },
  /** A row with the same key already exists. */
  STORE_CONFLICT: { code: 'STORE_CONFLICT', status: 409, retryable: false },
  /** A row refers to one that does not exist, or a row still referenced was deleted. */
  STORE_REFERENCE_VIOLATION: { code: 'STORE_REFERENCE_VIOLATION', status: 409, retryable: false },
  /** A value broke a check or not-null constraint. */
  STORE_CONSTRAINT_VIOLATION: { code: 'STORE_CONSTRAINT_VIOLATION', status: 400, retryable: false },
  /** Any other database failure. */
  STORE_QUERY_FAILED: { code: 'STORE_QUERY_FAILED', status: 500, retryable: false },
  /** The database was migrated by a newer bookml than this one. */
  STORE_SCHEMA_TOO_NEW: { code: 'STORE_SCHEMA_TOO_NEW', status: 500, retryable: false },
  /** A migration failed; nothing of it was applied. */
  STORE_MIGRATION_FAILED: { code: 'STORE_MIGRATION_FAILED', status: 500, retryable: false },
  /** The run, node, attempt or executor asked for does not exist. */
  STORE_NOT_FOUND: { code: 'STORE_NOT_FOUND', status: 404, retryable: false },
  /** A phase change that the phase machine never allows (a bug in the caller). */
  STORE_PHASE_INVALID: { code: 'STORE_PHASE_INVALID', status: 400, retryable: false },
  /** A phase change that is allowed, but the row is not in a phase it can start from. */
  STORE_PHASE_CONFLICT: { code: 'STORE_PHASE_CONFLICT', status: 409, retryable: false },
  /** A string that should be a lowercase hex sha256 is not. */
  STORE_ARTIFACT_INVALID_HASH: { code: 'STORE_ARTIFACT_INVALID_HASH', status: 400, retryable: false },
  /** No blob with that sha256 in the artifact store. */
  STORE_ARTIFACT_NOT_FOUND: { code: 'STORE_ARTIFACT_NOT_FOUND', status: 404, retryable: false },
  /** A blob's bytes no longer hash to its name. */
  STORE_ARTIFACT_CORRUPT: { code: 'STORE_ARTIFACT_CORRUPT', status: 500, retryable: false },
  /** A directory holds something the store cannot keep (symlink, device), or a blob is not a directory. */
  STORE_ARTIFACT_INVALID_DIR: { code: 'STORE_ARTIFACT_INVALID_DIR', status: 400, retryable: false },
  /** A transient I/O failure while reading or writing a blob. */
  STORE_ARTIFACT_IO: { code: 'STORE_ARTIFACT_IO', status: 503, retryable: true },
} as const;

/** One of the codes in {@link STORE_ERRORS}. */
export type StoreErrorCode = keyof typeof STORE_ERRORS;

/** Options of a {@link StoreError}; status and retryable default from the catalogue. */
export interface StoreErrorOptions {
  /** The option, column or argument at fault. */
  field?: string;
  /** Overrides the catalogue's retryable flag (an I/O error may or may not be transient). */
  retryable?: boolean;
  /** Suggested wait before a retry, in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * The store's error: a {@link BookmlError} whose status and retryability come from {@link STORE_ERRORS}.
 *
 * @example
 * throw new StoreError('STORE_NOT_FOUND', 'run r1 does not exist; list runs with `bookml run list`', { field: 'runId' });
 */
export class StoreError extends BookmlError {
  declare readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options: StoreErrorOptions = {}) {
    const entry = STORE_ERRORS[code];
    super(code, message, {
      field: options.field,
      status: entry.status,
      retryable: options.retryable ?? entry.retryable,
      retryAfterMs: options.retryAfterMs,
      cause: options.cause,
    });
    this.name = 'StoreError';
  }
}
