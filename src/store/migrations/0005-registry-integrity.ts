import { type Kysely, sql } from 'kysely';
import { columnKit, type MigrationContext, type StoreMigration } from './migration.js';

/**
 * Registry integrity: an audit table for every registry change that is not an alias move
 * (`registry_events`), the legacy MLflow stage a version was archived to (`model_versions.stage`),
 * and at most one pending approval per (model, version, alias), enforced by the database.
 */
export const m0005RegistryIntegrity: StoreMigration = {
  async up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
    const k = columnKit(ctx.dialect);
    // Like alias_events: no foreign keys, the trail outlives the models it mentions.
    await k
      .id(db.schema.createTable('registry_events'), 'id')
      .addColumn('model_name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('detail', k.json)
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('registry_events_model_idx')
      .on('registry_events')
      .columns(['model_name', 'created_at'])
      .execute();

    await db.schema.alterTable('model_versions').addColumn('stage', 'text').execute();

    // Racing approvals could leave duplicate pending requests behind; keep the newest of each, so
    // the unique index below can be built on a database that already has them.
    await sql`update approvals set status = 'rejected', reason = 'duplicate pending request (closed by migration 0005)'
      where status = 'pending' and id not in (
        select max(id) from approvals where status = 'pending' group by model_name, version, alias)`.execute(
      db,
    );
    await db.schema
      .createIndex('approvals_one_pending_idx')
      .on('approvals')
      .columns(['model_name', 'version', 'alias'])
      .unique()
      .where(sql.ref('status'), '=', sql.lit('pending'))
      .execute();
  },
};
