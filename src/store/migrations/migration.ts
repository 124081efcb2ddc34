import {
  type ColumnDefinitionBuilder,
  type CreateTableBuilder,
  type Kysely,
  type RawBuilder,
  sql,
} from 'kysely';
import type { DbDialectName } from '../db-errors.js';

/** What a migration knows about where it runs. */
export interface MigrationContext {
  readonly dialect: DbDialectName;
}

/**
 * One step of the schema history. Migrations are forward-only (no `down`): undoing one on a live
 * metadata DB would drop lineage and audit rows; restore a backup instead. A migration never imports
 * live constants (phase lists, …): it must mean the same thing forever.
 */
export interface StoreMigration {
  up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void>;
}

/** Column types that differ between the dialects; everything else is portable SQL. */
export interface ColumnKit {
  /** JSON document: SQLite `text`; PostgreSQL `json` (validated, operators work, text kept byte-for-byte). */
  readonly json: 'text' | 'json';
  /** Adds a surrogate key that only ever grows (SQLite AUTOINCREMENT, PG identity). */
  id<T extends string>(t: CreateTableBuilder<T, never>, name: string): CreateTableBuilder<T, never>;
  /** `column IN ('a', 'b')` as a check expression. */
  oneOf(column: string, values: readonly string[]): RawBuilder<unknown>;
}

/** The column kit for a dialect. */
export function columnKit(dialect: DbDialectName): ColumnKit {
  return {
    json: dialect === 'postgres' ? 'json' : 'text',
    id: (t, name) =>
      dialect === 'postgres'
        ? t.addColumn(name, 'bigint', (c: ColumnDefinitionBuilder) =>
            c.primaryKey().generatedByDefaultAsIdentity(),
          )
        : // AUTOINCREMENT: a deleted highest id is never handed out again, so event offsets stay monotonic.
          t.addColumn(name, 'integer', (c: ColumnDefinitionBuilder) => c.primaryKey().autoIncrement()),
    oneOf: (column, values) => sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`,
  };
}
