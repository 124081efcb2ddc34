import type { Kysely } from 'kysely';
import type { MigrationContext, StoreMigration } from './migration.js';

/**
 * Run leases, so several executors can share one store: the generation that owns an active run and
 * until when (`runs.owner_generation`, `runs.lease_until`). An executor advances only the runs it owns;
 * a run whose owner stopped or whose lease ran out is claimed by another. The owner's generation is
 * the fencing token every write of the engine is checked against (see `RunLeaseStore`).
 */
export const m0006RunLeases: StoreMigration = {
  async up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
    await db.schema.alterTable('runs').addColumn('owner_generation', 'integer').execute();
    await db.schema.alterTable('runs').addColumn('lease_until', 'bigint').execute();
    await db.schema.createIndex('runs_claim_idx').on('runs').columns(['phase', 'lease_until']).execute();
  },
};
