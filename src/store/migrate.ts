import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { isBookmlError } from '../core/index.js';
import type { DbDialectName } from './db-errors.js';
import { StoreError } from './errors.js';
import { MIGRATIONS } from './migrations/index.js';
import type { Database } from './tables.js';

const MIGRATION_TABLE = 'bookml_migration';
const MIGRATION_LOCK_TABLE = 'bookml_migration_lock';

/** The schema version this code brings a database to: the number of its newest migration. */
export const SCHEMA_VERSION: number = versionOf(Object.keys(MIGRATIONS).at(-1) ?? '0000');

function versionOf(name: string): number {
  return Number.parseInt(name.slice(0, 4), 10);
}

/**
 * Brings the database to {@link SCHEMA_VERSION} and returns it. Safe to call from several processes at
 * once: each migration runs in one transaction under a lock (PostgreSQL: Kysely's session advisory
 * lock; SQLite: `BEGIN IMMEDIATE`, i.e. the file's write lock), and the loser of the race finds
 * nothing left to do. A database already migrated past this code is refused before anything runs.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  dialect: DbDialectName,
  location: string,
): Promise<number> {
  const schema = dialect === 'postgres' ? await currentSchema(db) : undefined;
  const before = await executedMigrations(db, dialect, schema);
  refuseNewer(before, location);
  // Already at this code's version (every open after the first, every step process): Kysely's migrator
  // would take its lock and read the table again only to find nothing to do.
  const applied = new Set(before);
  if (Object.keys(MIGRATIONS).every((name) => applied.has(name))) return SCHEMA_VERSION;
  const migrator = new Migrator({
    db,
    provider: {
      getMigrations: async () =>
        Object.fromEntries(
          Object.entries(MIGRATIONS).map(([name, m]): [string, Migration] => [
            name,
            { up: (trx) => m.up(trx, { dialect }) },
          ]),
        ),
    },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    // On PostgreSQL, pin the bookkeeping tables to our schema: Kysely's existence check otherwise
    // looks through every schema and would skip creating them when another schema has them.
    migrationTableSchema: schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    // Another process may have migrated past us between the check above and the lock.
    refuseNewer(await executedMigrations(db, dialect, schema), location);
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    if (isBookmlError(error) && error.retryable) throw error;
    throw new StoreError(
      'STORE_MIGRATION_FAILED',
      `migrating the metadata database at ${location} failed${failed ? ` in ${failed}` : ''} and was rolled back: ${
        error instanceof Error ? error.message : String(error)
      }; fix the cause and start again`,
      { cause: error },
    );
  }
  const executed = await executedMigrations(db, dialect, schema);
  return Math.max(0, ...executed.map(versionOf));
}

async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ s: string }>`select current_schema() as s`.execute(db);
  const s = rows[0]?.s;
  if (!s) {
    throw new StoreError(
      'STORE_CONFIG_INVALID',
      'PostgreSQL has no current schema (search_path names none that exists); create it or set the schema option',
      { field: 'schema' },
    );
  }
  return s;
}

async function executedMigrations(
  db: Kysely<Database>,
  dialect: DbDialectName,
  schema?: string,
): Promise<string[]> {
  const exists =
    dialect === 'sqlite'
      ? await sql`select 1 from sqlite_master where type = 'table' and name = ${MIGRATION_TABLE}`.execute(db)
      : await sql`select 1 from information_schema.tables where table_schema = ${schema} and table_name = ${MIGRATION_TABLE}`.execute(
          db,
        );
  if (exists.rows.length === 0) return [];
  const table = schema === undefined ? sql.table(MIGRATION_TABLE) : sql.table(`${schema}.${MIGRATION_TABLE}`);
  const { rows } = await sql<{ name: string }>`select name from ${table}`.execute(db);
  return rows.map((r) => r.name);
}

function refuseNewer(executed: readonly string[], location: string): void {
  const unknown = executed.filter((name) => !(name in MIGRATIONS)).sort();
  if (unknown.length === 0) return;
  const newest = unknown.at(-1) ?? '';
  if (versionOf(newest) > SCHEMA_VERSION) {
    throw new StoreError(
      'STORE_SCHEMA_TOO_NEW',
      `the metadata database at ${location} is at schema version ${versionOf(newest)} (${newest}), newer than this bookml understands (${SCHEMA_VERSION}); upgrade bookml, or point BOOKML_DATABASE_URL / BOOKML_HOME elsewhere`,
    );
  }
  throw new StoreError(
    'STORE_MIGRATION_FAILED',
    `the metadata database at ${location} records migration ${newest}, which this bookml does not have; it was migrated by a different build — use that build or restore a backup`,
  );
}
