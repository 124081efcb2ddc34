import type { Kysely } from 'kysely';
import { columnKit, type MigrationContext, type StoreMigration } from './migration.js';

/**
 * The prediction log in the database, for a cluster where the serving pods and the drift monitor are
 * different pods with no shared folder: one row per logged answer, its JSON line kept as the file log
 * writes it (`record`), an id that only grows (the monitor's cursor) and the insert time (retention).
 */
export const m0007Predictions: StoreMigration = {
  async up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
    const k = columnKit(ctx.dialect);
    await k
      .id(db.schema.createTable('predictions'), 'id')
      .addColumn('record', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('predictions_created_idx').on('predictions').column('created_at').execute();
  },
};
