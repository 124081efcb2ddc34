import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Clock } from '../core/index.js';
import { resolveWorkspace } from '../core/index.js';
import { type MetadataDb, openMetadataDb } from './db.js';

/**
 * The PostgreSQL that store tests use: `BOOKML_TEST_DATABASE_URL`, else the local server.
 * @internal
 */
export const TEST_POSTGRES_URL: string =
  process.env.BOOKML_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Checks that PostgreSQL answers `select 1`. Returns `undefined` when it does, else a one-line reason
 * for a `describe.skipIf` title.
 * @internal
 * @example const reason = await probePostgres(); describe.skipIf(reason !== undefined)(`postgres ${reason ?? ''}`, …)
 */
export async function probePostgres(
  url: string = TEST_POSTGRES_URL,
  timeoutMs = 3000,
): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (e) {
    const code = (e as { code?: string }).code;
    return `PostgreSQL unreachable at ${maskPassword(url)} (${code ?? (e as Error).message}); set BOOKML_TEST_DATABASE_URL`;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A throwaway metadata database: a temp folder (SQLite) or a fresh schema (PostgreSQL), so parallel
 * test files and repeated runs never see each other's rows. `open()` may be called several times
 * (each call is a new connection to the same database); `dispose()` closes them all and drops it.
 * @internal
 */
export interface TestDatabase {
  readonly dialect: 'sqlite' | 'postgres';
  /** The URL `openMetadataDb` gets (`sqlite:<file>` or `postgres://…`). */
  readonly url: string;
  /** PostgreSQL schema, when dialect is postgres. */
  readonly schema: string | undefined;
  open(options?: { clock?: Clock }): Promise<MetadataDb>;
  dispose(): Promise<void>;
}

let counter = 0;

/**
 * Creates a {@link TestDatabase}; nothing is opened until `open()`.
 * @internal
 * @example
 * const t = await createTestDatabase('postgres');
 * const mdb = await t.open();
 * await t.dispose();
 */
export async function createTestDatabase(dialect: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const opened: MetadataDb[] = [];
  const closeAll = async () => {
    await Promise.all(opened.map((m) => m.close().catch(() => {})));
  };
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'bookml-store-'));
    const url = `sqlite:${join(dir, 'bookml.db')}`;
    return {
      dialect,
      url,
      schema: undefined,
      open: async (options = {}) => {
        const mdb = await openMetadataDb({ workspace: resolveWorkspace(dir), url, env: {}, ...options });
        opened.push(mdb);
        return mdb;
      },
      dispose: async () => {
        await closeAll();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  counter += 1;
  const schema = `bookml_t${process.pid}_${counter}_${Math.floor(Math.random() * 1e9).toString(36)}`;
  return {
    dialect,
    url: TEST_POSTGRES_URL,
    schema,
    open: async (options = {}) => {
      const mdb = await openMetadataDb({ url: TEST_POSTGRES_URL, schema, env: {}, poolSize: 4, ...options });
      opened.push(mdb);
      return mdb;
    },
    dispose: async () => {
      await closeAll();
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}

function maskPassword(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/**
 * The Redis that online-store tests use: `BOOKML_TEST_REDIS_URL`, else the local server.
 * @internal
 */
export const TEST_REDIS_URL: string = process.env.BOOKML_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Checks that Redis answers PING. Returns `undefined` when it does, else a one-line reason for a skip.
 * ioredis is imported here, on call, so PostgreSQL-only tests never load it.
 * @internal
 */
export async function probeRedis(url: string = TEST_REDIS_URL): Promise<string | undefined> {
  const { Redis } = await import('ioredis');
  const r = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
    return undefined;
  } catch (e) {
    return `Redis unreachable at ${url} (${(e as Error).message}); set BOOKML_TEST_REDIS_URL`;
  } finally {
    r.disconnect();
  }
}
