import { isBookmlError } from '../core/index.js';
import { StoreError } from './errors.js';

/** Which database a driver error came from. */
export type DbDialectName = 'sqlite' | 'postgres';

interface DriverError {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  table?: unknown;
  column?: unknown;
}

// Network failures under pg; all of them mean "the server is not there right now".
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
// SQLSTATEs: 08 connection exception, 57P01-03 shutdown / cannot connect now, 53300 too many connections.
const PG_UNAVAILABLE = /^(08...|57P0[123]|53300)$/;
// 40001 serialization failure, 40P01 deadlock, 55P03 lock not available, 57014 statement timeout.
const PG_BUSY = new Set(['40001', '40P01', '55P03', '57014']);

/**
 * Turns a driver error (better-sqlite3 `SqliteError`, pg `DatabaseError`, a socket error) into a
 * {@link StoreError} with a stable code, the column at fault and whether retrying can help. Errors that
 * are already bookml errors pass through unchanged.
 */
export function toStoreError(e: unknown, dialect: DbDialectName): Error {
  if (isBookmlError(e)) return e;
  const err = (typeof e === 'object' && e !== null ? e : {}) as DriverError;
  const code = typeof err.code === 'string' ? err.code : '';
  const message = typeof err.message === 'string' ? err.message : String(e);
  const where = dialect === 'sqlite' ? 'the SQLite database' : 'PostgreSQL';

  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || PG_BUSY.has(code)) {
    return new StoreError(
      'STORE_DB_BUSY',
      `${where} is busy (another writer holds a lock); retry the operation`,
      { retryAfterMs: 100, cause: e },
    );
  }
  if (
    NET_CODES.has(code) ||
    PG_UNAVAILABLE.test(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      message,
    )
  ) {
    return new StoreError(
      'STORE_DB_UNAVAILABLE',
      `${where} is unreachable (${code || 'connection lost'}); check that it is running and BOOKML_DATABASE_URL is right, then retry`,
      { retryAfterMs: 1000, cause: e },
    );
  }
  if (
    code === 'SQLITE_CANTOPEN' ||
    code === 'SQLITE_READONLY' ||
    code === '28P01' ||
    code === '28000' ||
    code === '3D000'
  ) {
    return new StoreError(
      'STORE_DB_UNAVAILABLE',
      `cannot open ${where} (${code}): check the path or URL, the credentials and the permissions`,
      { retryable: false, cause: e },
    );
  }
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505') {
    const field = conflictColumns(err, message);
    return new StoreError(
      'STORE_CONFLICT',
      `a row with the same ${field ?? 'key'} already exists${tableOf(err, message)}; use another value or update the existing row`,
      { field, cause: e },
    );
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503') {
    return new StoreError(
      'STORE_REFERENCE_VIOLATION',
      `the change breaks a reference${tableOf(err, message)}: it points at a row that does not exist, or deletes a row still in use; create or keep the referenced row first`,
      { cause: e },
    );
  }
  if (code.startsWith('SQLITE_CONSTRAINT') || code === '23514' || code === '23502' || code === '22P02') {
    return new StoreError(
      'STORE_CONSTRAINT_VIOLATION',
      `a value is not allowed${tableOf(err, message)} (${firstLine(message)}); fix the value`,
      { field: typeof err.column === 'string' ? err.column : undefined, cause: e },
    );
  }
  // A full disk is not transient (a retry loop would only fill the log): say what to do instead.
  if (code === 'SQLITE_FULL' || code === '53100' || code === 'ENOSPC' || code === 'EDQUOT') {
    return new StoreError(
      'STORE_DISK_FULL',
      `${where} cannot write: the disk is full (${code}); the transaction was rolled back — free space and retry`,
      { cause: e },
    );
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new StoreError(
      'STORE_DB_UNAVAILABLE',
      `${where} cannot write (${code}); free disk space or fix the disk, then retry`,
      { retryAfterMs: 1000, cause: e },
    );
  }
  return new StoreError(
    'STORE_QUERY_FAILED',
    `${where} rejected a query (${code || 'no code'}): ${firstLine(message)}`,
    {
      cause: e,
    },
  );
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0] ?? s;
}

// Both dialects name the same columns: SQLite "UNIQUE constraint failed: runs.id, runs.x";
// PostgreSQL detail "Key (id, x)=(…) already exists." The values are never copied into the message.
function conflictColumns(err: DriverError, message: string): string | undefined {
  const sqlite = /constraint failed: (.+)$/.exec(firstLine(message));
  if (sqlite?.[1]) {
    return sqlite[1]
      .split(',')
      .map((c) => c.trim().replace(/^[^.]*\./, ''))
      .join(',');
  }
  const detail = typeof err.detail === 'string' ? /Key \((.+?)\)=/.exec(err.detail) : null;
  return detail?.[1]
    ?.split(',')
    .map((c) => c.trim())
    .join(',');
}

function tableOf(err: DriverError, message: string): string {
  if (typeof err.table === 'string') return ` in ${err.table}`;
  const m = /constraint failed: ([a-z_]+)\./.exec(message);
  return m ? ` in ${m[1]}` : '';
}
