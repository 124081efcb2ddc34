import type { Kysely } from 'kysely';
import type { MigrationContext, StoreMigration } from './migration.js';

/**
 * The webhook's replay guard: one row per accepted signature (kept as its sha256, never the
 * signature itself) until the request's timestamp leaves the acceptance window.
 */
export const m0002Webhook: StoreMigration = {
  async up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
    await db.schema
      .createTable('webhook_signatures')
      .addColumn('digest', 'text', (c) => c.primaryKey())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('webhook_signatures_expires_idx')
      .on('webhook_signatures')
      .column('expires_at')
      .execute();
  },
};
