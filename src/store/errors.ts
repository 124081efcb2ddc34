import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../core/index.js';

/**
 * Every error the store raises, by code. Match on `code`, never on message text.
 */
export const STORE_ERRORS = defineErrors('STORE', {
  STORE_CONFIG_INVALID: { status: 400, description: 'An option or URL given to the store is malformed.' },
  STORE_DB_UNAVAILABLE: {
    status: 503,
    retryable: true,
    description: 'The database could not be reached, or the connection dropped.',
  },
  STORE_DB_BUSY: {
    status: 503,
    retryable: true,
    description:
      'Another writer holds a lock (SQLITE_BUSY, PG lock timeout, deadlock, serialization failure).',
  },
  STORE_ONLINE_UNAVAILABLE: {
    status: 503,
    retryable: true,
    description: 'The online store (Redis) could not be reached, or a command failed.',
  },
  STORE_CONFLICT: { status: 409, description: 'A row with the same key already exists.' },
  STORE_REFERENCE_VIOLATION: {
    status: 409,
    description: 'A row refers to one that does not exist, or a row still referenced was deleted.',
  },
  STORE_CONSTRAINT_VIOLATION: { status: 400, description: 'A value broke a check or not-null constraint.' },
  STORE_QUERY_FAILED: { status: 500, description: 'Any other database failure.' },
  STORE_SCHEMA_TOO_NEW: {
    status: 500,
    description: 'The database was migrated by a newer bookml than this one.',
  },
  STORE_MIGRATION_FAILED: { status: 500, description: 'A migration failed; nothing of it was applied.' },
  STORE_NOT_FOUND: {
    status: 404,
    description: 'The run, node, attempt or executor asked for does not exist.',
  },
  STORE_PHASE_INVALID: {
    status: 400,
    description: 'A phase change that the phase machine never allows (a bug in the caller).',
  },
  STORE_PHASE_CONFLICT: {
    status: 409,
    description: 'A phase change that is allowed, but the row is not in a phase it can start from.',
  },
  STORE_FENCED: {
    status: 409,
    description:
      'An executor wrote to a run another executor has taken over (its lease ran out or it was declared stopped); the write was refused.',
  },
  STORE_ARTIFACT_INVALID_HASH: {
    status: 400,
    description: 'A string that should be a lowercase hex sha256 is not.',
  },
  STORE_ARTIFACT_NOT_FOUND: { status: 404, description: 'No blob with that sha256 in the artifact store.' },
  STORE_ARTIFACT_CORRUPT: { status: 500, description: "A blob's bytes no longer hash to its name." },
  STORE_ARTIFACT_INVALID_DIR: {
    status: 400,
    description:
      'A directory holds something the store cannot keep (symlink, device), or a blob is not a directory.',
  },
  STORE_DISK_FULL: {
    status: 507,
    exitCode: 2,
    description:
      'The disk is full (ENOSPC, EDQUOT, SQLITE_FULL, PostgreSQL 53100): the write was undone, nothing is half-written. Free space, then run the command again.',
  },
  STORE_ARTIFACT_IO: {
    status: 503,
    retryable: true,
    description: 'A transient I/O failure while reading or writing a blob.',
  },
});

/** errno codes that mean "no space left", for a file write or the database's own files. */
const DISK_FULL_ERRNO = new Set(['ENOSPC', 'EDQUOT']);

/**
 * The `STORE_DISK_FULL` error for a failed write when `e` is a full disk (ENOSPC/EDQUOT), else
 * `undefined`. `what` says what was being written, e.g. `writing the model bundle to /tmp/out`.
 * @example
 * try { writeBundle(dir, input); } catch (e) { throw diskFullError(e, `writing ${dir}`) ?? e; }
 */
export function diskFullError(e: unknown, what: string): StoreError | undefined {
  // A wrapper (a stream error, a library's own error) keeps the errno in its cause.
  for (let x: unknown = e, depth = 0; x !== undefined && x !== null && depth < 5; depth++) {
    if (x instanceof StoreError) return x.code === 'STORE_DISK_FULL' ? x : undefined;
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string' && DISK_FULL_ERRNO.has(code)) {
      return new StoreError(
        'STORE_DISK_FULL',
        `${what} failed: the disk is full (${code}); free space and run it again`,
        {
          cause: e,
        },
      );
    }
    x = (x as { cause?: unknown }).cause;
  }
  return undefined;
}

/** One of the codes in {@link STORE_ERRORS}. */
export type StoreErrorCode = keyof typeof STORE_ERRORS;

/** Options of a {@link StoreError}; status, exit code and retryable default from the catalogue. */
export type StoreErrorOptions = CatalogueErrorOptions;

/**
 * The store's error: a {@link BookmlError} whose status, exit code and retryability come from
 * {@link STORE_ERRORS}.
 *
 * @example
 * throw new StoreError('STORE_NOT_FOUND', 'run r1 does not exist; list runs with `bookml run list`', { field: 'runId' });
 */
export class StoreError extends BookmlError {
  declare readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options: StoreErrorOptions = {}) {
    super(STORE_ERRORS[code], message, options);
    this.name = 'StoreError';
  }
}
