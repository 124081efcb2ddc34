import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type DialectAdapter,
  type Driver,
  PostgresDialect,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteDialect,
  type TransactionSettings,
} from 'kysely';
import type pg from 'pg';
import type { Workspace } from '../core/index.js';
import { type DbDialectName, toStoreError } from './db-errors.js';
import { StoreError } from './errors.js';

/** Where the metadata lives, decided once from the options and the environment. */
export type ConnectionTarget =
  | { readonly dialect: 'sqlite'; readonly file: string }
  | { readonly dialect: 'postgres'; readonly url: string; readonly schema: string | undefined };

/** Inputs of {@link resolveConnection}. */
export interface ConnectionInput {
  readonly workspace: Workspace;
  readonly url?: string | undefined;
  readonly schema?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Picks the database: an explicit `url`, else `BOOKML_DATABASE_URL`, else `<workspace>/bookml.db`.
 * Accepts `postgres://…`, `postgresql://…`, `sqlite:<path>` (relative to the current folder) and
 * `sqlite::memory:`.
 */
export function resolveConnection(input: ConnectionInput): ConnectionTarget {
  const fromOption = input.url !== undefined;
  const raw = input.url ?? input.env.BOOKML_DATABASE_URL;
  const field = fromOption ? 'url' : 'BOOKML_DATABASE_URL';
  let target: ConnectionTarget;
  if (raw === undefined || raw === '') {
    target = { dialect: 'sqlite', file: join(input.workspace.root, 'bookml.db') };
  } else if (/^postgres(ql)?:\/\//.test(raw)) {
    target = { dialect: 'postgres', url: raw, schema: input.schema };
  } else if (raw.startsWith('sqlite:')) {
    let path = raw.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') {
      throw new StoreError('STORE_CONFIG_INVALID', `${field} "sqlite:" names no file; use sqlite:<path>`, {
        field,
      });
    }
    target = { dialect: 'sqlite', file: path === ':memory:' || isAbsolute(path) ? path : resolve(path) };
  } else {
    throw new StoreError(
      'STORE_CONFIG_INVALID',
      `${field} must start with postgres://, postgresql:// or sqlite: (got "${raw.split(':', 1)[0]}:…")`,
      { field },
    );
  }
  if (input.schema !== undefined) {
    if (target.dialect !== 'postgres') {
      throw new StoreError('STORE_CONFIG_INVALID', 'schema applies to PostgreSQL only; drop it for SQLite', {
        field: 'schema',
      });
    }
    if (!SCHEMA_NAME.test(input.schema)) {
      throw new StoreError(
        'STORE_CONFIG_INVALID',
        'schema must be a lowercase SQL identifier: letters, digits and _ (at most 63), not starting with a digit',
        { field: 'schema' },
      );
    }
  }
  return target;
}

/** A connection string safe to print: the password is masked. */
export function describeTarget(target: ConnectionTarget): string {
  if (target.dialect === 'sqlite') return target.file;
  try {
    const u = new URL(target.url);
    if (u.password !== '') u.password = '***';
    return u.toString() + (target.schema ? ` (schema ${target.schema})` : '');
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/** Tuning knobs of {@link createDialect}. */
export interface DialectOptions {
  /** SQLite: how long a writer waits for another process's lock, in ms. */
  readonly busyTimeoutMs: number;
  /** PostgreSQL: maximum pooled connections. */
  readonly poolSize: number;
}

// Both drivers are CommonJS: a plain require on first use, which also works where dynamic import()
// is not available (a module runner that has finished loading).
const requireDriver = createRequire(import.meta.url);

/** Builds the Kysely dialect for a target, wrapped so that every driver error becomes a StoreError. */
export function createDialect(target: ConnectionTarget, options: DialectOptions): Dialect {
  if (target.dialect === 'sqlite') {
    const inner = new SqliteDialect({ database: async () => openSqlite(target.file, options.busyTimeoutMs) });
    return new GuardedDialect(inner, 'sqlite', new TransactionalDdlSqliteAdapter());
  }
  // The drivers load on first connect: commands that only need the workspace's paths (train,
  // recommend, serve --model) never pay for them in start-up time or memory.
  const pool = async (): Promise<pg.Pool> => {
    const pgModule = requireDriver('pg') as typeof pg;
    const made = new pgModule.Pool({
      connectionString: target.url,
      max: options.poolSize,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      application_name: 'bookml',
      types: pgTypes(pgModule),
      // A startup parameter rather than a SET per connection: no extra round trip, and every pooled
      // connection gets it, including ones created behind Kysely's back.
      options: target.schema === undefined ? undefined : `-c search_path=${target.schema}`,
    });
    // An idle client losing its server emits 'error' on the pool; unhandled, that kills the process.
    // The next query gets a fresh connection or a retryable STORE_DB_UNAVAILABLE instead.
    made.on('error', () => {});
    return made;
  };
  return new GuardedDialect(new PostgresDialect({ pool }), 'postgres', undefined);
}

function openSqlite(file: string, busyTimeoutMs: number): Database.Database {
  const Sqlite = requireDriver('better-sqlite3') as typeof Database;
  let db: Database.Database | undefined;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    db = new Sqlite(file, { timeout: busyTimeoutMs });
    const open = db;
    // WAL: readers never block the writer. NORMAL: a process crash (even SIGKILL) loses nothing that
    // committed; only an OS crash or power cut may lose the last commits, never consistency.
    // Switching a new file to WAL takes an exclusive lock that SQLite's busy handler does not wait
    // for, so two processes opening one fresh database can see SQLITE_BUSY here: retry until the
    // busy timeout, as the busy handler would.
    retryWhileBusy(() => open.pragma('journal_mode = WAL'), busyTimeoutMs);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    return db;
  } catch (e) {
    db?.close();
    throw toStoreError(e, 'sqlite');
  }
}

// int8 (ids, epoch ms, counts) as numbers: all of them stay far below 2^53. json/jsonb as text, so
// both dialects hand the repositories the same thing and key order survives a round trip.
const PG_INT8 = 20;
const PG_JSON = 114;
const PG_JSONB = 3802;
function pgTypes(pgModule: typeof pg): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (oid === PG_INT8) return (v: string) => Number(v);
      if (oid === PG_JSON || oid === PG_JSONB) return (v: string) => v;
      return pgModule.types.getTypeParser(oid, format);
    }) as typeof pgModule.types.getTypeParser,
  };
}

function retryWhileBusy(fn: () => unknown, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      fn();
      return;
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (!code.startsWith('SQLITE_BUSY') || Date.now() + wait > deadline) throw e;
      Atomics.wait(pause, 0, 0, wait);
    }
  }
}

// SQLite supports transactional DDL; Kysely's adapter says no, which would run migrations outside a
// transaction (a crash mid-migration would leave half a schema) and without any cross-process lock.
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class GuardedDialect implements Dialect {
  readonly #inner: Dialect;
  readonly #name: DbDialectName;
  readonly #adapter: DialectAdapter | undefined;

  constructor(inner: Dialect, name: DbDialectName, adapter: DialectAdapter | undefined) {
    this.#inner = inner;
    this.#name = name;
    this.#adapter = adapter;
  }
  createDriver(): Driver {
    return new GuardedDriver(this.#inner.createDriver(), this.#name);
  }
  createQueryCompiler(): QueryCompiler {
    return this.#inner.createQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return this.#adapter ?? this.#inner.createAdapter();
  }
  createIntrospector(db: Parameters<Dialect['createIntrospector']>[0]) {
    return this.#inner.createIntrospector(db);
  }
}

class GuardedConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    readonly dialect: DbDialectName,
  ) {}
  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (e) {
      throw toStoreError(e, this.dialect);
    }
  }
  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (e) {
      throw toStoreError(e, this.dialect);
    }
  }
}

class GuardedDriver implements Driver {
  readonly #inner: Driver;
  readonly #dialect: DbDialectName;

  constructor(inner: Driver, dialect: DbDialectName) {
    this.#inner = inner;
    this.#dialect = dialect;
  }
  async #guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toStoreError(e, this.#dialect);
    }
  }
  init(): Promise<void> {
    return this.#guard(() => this.#inner.init());
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const conn = await this.#guard(() => this.#inner.acquireConnection());
    return new GuardedConnection(conn, this.#dialect);
  }
  beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const inner = unwrap(conn);
    // IMMEDIATE takes the write lock up front (waiting up to busy_timeout). A plain BEGIN would
    // upgrade a read lock later and fail with SQLITE_BUSY at once if another process wrote meanwhile.
    // This is also what serialises two processes migrating the same file.
    if (this.#dialect === 'sqlite') {
      return this.#guard(async () => {
        await inner.executeQuery(CompiledQuery.raw('begin immediate'));
      });
    }
    return this.#guard(() => this.#inner.beginTransaction(inner, settings));
  }
  commitTransaction(conn: DatabaseConnection): Promise<void> {
    return this.#guard(() => this.#inner.commitTransaction(unwrap(conn)));
  }
  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    try {
      await this.#inner.rollbackTransaction(unwrap(conn));
    } catch (e) {
      // SQLite rolls a transaction back by itself on some failures (SQLITE_FULL, SQLITE_IOERR, …);
      // our ROLLBACK then fails with "no transaction is active". Kysely would throw that instead
      // of the error that caused it, hiding the real cause: the transaction is gone either way.
      if (this.#dialect === 'sqlite' && /no transaction is active/i.test(String((e as Error)?.message)))
        return;
      throw toStoreError(e, this.#dialect);
    }
  }
  async savepoint(
    conn: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.#guard(async () => this.#inner.savepoint?.(unwrap(conn), name, compile));
  }
  async rollbackToSavepoint(
    conn: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.#guard(async () => this.#inner.rollbackToSavepoint?.(unwrap(conn), name, compile));
  }
  async releaseSavepoint(
    conn: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.#guard(async () => this.#inner.releaseSavepoint?.(unwrap(conn), name, compile));
  }
  releaseConnection(conn: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(unwrap(conn));
  }
  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}

function unwrap(conn: DatabaseConnection): DatabaseConnection {
  return conn instanceof GuardedConnection ? conn.inner : conn;
}
