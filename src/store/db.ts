import { Kysely, sql } from 'kysely';
import { type Clock, isBookmlError, resolveWorkspace, systemClock, type Workspace } from '../core/index.js';
import type { DbDialectName } from './db-errors.js';
import { createDialect, describeTarget, resolveConnection } from './dialect.js';
import { StoreError } from './errors.js';
import { migrateToLatest } from './migrate.js';
import { type ListenHandlers, listenPostgres } from './pg-listen.js';
import type { Database } from './tables.js';

/**
 * What repositories need to run queries: the typed Kysely instance (or a transaction of it), which
 * dialect it speaks, and the clock that stamps rows. Both {@link MetadataDb} and the `tx` handed to
 * {@link MetadataDb.transaction} are handles, so a repository works inside or outside a transaction.
 */
export interface DbHandle {
  readonly db: Kysely<Database>;
  readonly dialect: DbDialectName;
  readonly clock: Clock;
}

/** The open metadata database. One per process and file: SQLite allows one writer at a time. */
export interface MetadataDb extends DbHandle {
  /** The SQLite file, or the PostgreSQL URL with its password masked. */
  readonly location: string;
  /** The schema version the database is at (equal to {@link SCHEMA_VERSION} once open). */
  readonly schemaVersion: number;
  /**
   * Runs `fn` in one transaction: all of it commits, or none of it. Use only `tx` inside `fn`;
   * on SQLite a query through the outer handle would wait for the transaction forever.
   */
  transaction<T>(fn: (tx: DbHandle) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL only (undefined on SQLite): LISTEN on `channel` over a connection of its own,
   * reopened when lost. Returns the function that stops listening; `close()` stops it too.
   */
  readonly listen?: (channel: string, handlers: ListenHandlers) => () => Promise<void>;
  /** Closes the connection(s). Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link openMetadataDb}. */
export interface OpenMetadataDbOptions {
  /** Where the default SQLite file lives. @default resolveWorkspace(undefined, env) */
  workspace?: Workspace;
  /** `postgres://…`, `postgresql://…`, `sqlite:<path>` or `sqlite::memory:`. @default env.BOOKML_DATABASE_URL, else `<workspace>/bookml.db` */
  url?: string;
  /** PostgreSQL only: the schema to use (created if missing); tests give each run its own. @default the server's search_path */
  schema?: string;
  /** Environment to read `BOOKML_DATABASE_URL` and `BOOKML_HOME` from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Stamps `created_at`, heartbeats and every other time column. @default systemClock */
  clock?: Clock;
  /** SQLite only: how long to wait for another process's write lock, in ms. @default 5000 */
  busyTimeoutMs?: number;
  /** PostgreSQL only: maximum pooled connections. @default 10 */
  poolSize?: number;
}

/**
 * Opens the metadata database (SQLite file by default, PostgreSQL when a `postgres://` URL is given or
 * set in `BOOKML_DATABASE_URL`) and migrates it to the latest schema.
 *
 * @throws StoreError `STORE_CONFIG_INVALID` for a bad URL or option, `STORE_DB_UNAVAILABLE` (retryable)
 * when the server cannot be reached, `STORE_SCHEMA_TOO_NEW` when a newer bookml migrated the database.
 * @example
 * const mdb = await openMetadataDb({ workspace: resolveWorkspace() });
 * const runs = new RunStore(mdb);
 * await mdb.close();
 */
export async function openMetadataDb(options: OpenMetadataDbOptions = {}): Promise<MetadataDb> {
  const env = options.env ?? process.env;
  const busyTimeoutMs = positiveInt(options.busyTimeoutMs, 5000, 'busyTimeoutMs');
  const poolSize = positiveInt(options.poolSize, 10, 'poolSize');
  const target = resolveConnection({
    workspace: options.workspace ?? resolveWorkspace(undefined, env),
    url: options.url,
    schema: options.schema,
    env,
  });
  const clock = options.clock ?? systemClock;
  const location = describeTarget(target);
  const db = new Kysely<Database>({ dialect: createDialect(target, { busyTimeoutMs, poolSize }) });
  let schemaVersion: number;
  try {
    if (target.dialect === 'postgres' && target.schema !== undefined) await createSchema(db, target.schema);
    schemaVersion = await migrateToLatest(db, target.dialect, location);
  } catch (e) {
    await db.destroy().catch(() => {});
    throw e;
  }
  let closed = false;
  const listeners = new Set<() => Promise<void>>();
  return {
    db,
    dialect: target.dialect,
    clock,
    location,
    schemaVersion,
    transaction: (fn) => db.transaction().execute((trx) => fn({ db: trx, dialect: target.dialect, clock })),
    ...(target.dialect === 'postgres'
      ? {
          listen: (channel: string, handlers: ListenHandlers) => {
            const stop = listenPostgres(target.url, channel, clock, handlers);
            const off = async () => {
              listeners.delete(off);
              await stop();
            };
            listeners.add(off);
            return off;
          },
        }
      : {}),
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all([...listeners].map((off) => off()));
      await db.destroy();
    },
  };
}

/**
 * Runs `fn` in a transaction on `handle`, or directly when `handle` already is one (Kysely has no
 * nested transactions; the outer one gives the same all-or-nothing).
 * @example await withTransaction(handle, async (tx) => { … });
 */
export function withTransaction<T>(handle: DbHandle, fn: (tx: DbHandle) => Promise<T>): Promise<T> {
  if (handle.db.isTransaction) return fn(handle);
  return handle.db
    .transaction()
    .execute((trx) => fn({ db: trx, dialect: handle.dialect, clock: handle.clock }));
}

async function createSchema(db: Kysely<Database>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (e) {
    // Two processes racing on IF NOT EXISTS can still collide on the catalog's unique index.
    if (!isBookmlError(e, 'STORE_CONFLICT')) throw e;
  }
}

function positiveInt(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new StoreError('STORE_CONFIG_INVALID', `${field} must be a positive whole number (got ${value})`, {
      field,
    });
  }
  return value;
}
