import { type Kysely, sql } from 'kysely';
import type { MigrationContext, StoreMigration } from './migration.js';

/**
 * The online store's tables when no Redis is configured: `online_histories` (one row per feature
 * version, customer and distinct book, with the newest purchase time) and `online_feature_versions`
 * (a version is listed once its materialisation finished).
 */
export const m0008OnlineHistories: StoreMigration = {
  async up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
    const histories = db.schema
      .createTable('online_histories')
      .addColumn('view', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('customer', 'text', (c) => c.notNull())
      .addColumn('book', 'text', (c) => c.notNull())
      .addColumn('time', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('online_histories_pk', ['view', 'version', 'customer', 'book']);
    // SQLite: rows live in the primary key's b-tree (no rowid table beside it), so a materialisation
    // writes one tree instead of two, and a customer's read is one range scan of it.
    await (ctx.dialect === 'sqlite' ? histories.modifyEnd(sql`without rowid`) : histories).execute();
    await db.schema
      .createTable('online_feature_versions')
      .addColumn('view', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('customers', 'integer', (c) => c.notNull())
      .addColumn('entries', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('online_feature_versions_pk', ['view', 'version'])
      .execute();
  },
};
