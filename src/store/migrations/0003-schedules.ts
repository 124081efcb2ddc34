import { type Kysely, sql } from 'kysely';
import { columnKit, type MigrationContext, type StoreMigration } from './migration.js';

// Frozen copies: this migration must create the same schema forever, whatever the triggers say later.
const POLICIES = ['Allow', 'Forbid', 'Replace'];
const CATCH_UP = ['none', 'latest', 'all'];
const OUTCOMES = [
  'fired',
  'replaced',
  'caught-up',
  'manual',
  'skipped-forbid',
  'skipped-catch-up',
  'missed-deadline',
  'filtered',
  'rate-limited',
  'deduplicated',
  'suppressed',
  'forbidden',
  'failed',
];

/**
 * The triggers' tables: `schedules` (cron schedules, the Argo CronWorkflow's spec and status) and
 * `trigger_decisions` (every tick, `run now` and sensor evaluation, with its outcome and reason).
 */
export const m0003Schedules: StoreMigration = {
  async up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
    const k = columnKit(ctx.dialect);
    await db.schema
      .createTable('schedules')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('pipeline', 'text', (c) => c.notNull())
      .addColumn('cron', 'text', (c) => c.notNull())
      .addColumn('timezone', 'text', (c) => c.notNull())
      .addColumn('parameters', k.json, (c) => c.notNull())
      .addColumn('concurrency_policy', 'text', (c) => c.notNull())
      .addColumn('starting_deadline_seconds', 'integer', (c) => c.notNull())
      .addColumn('catch_up', 'text', (c) => c.notNull())
      .addColumn('catch_up_cap', 'integer', (c) => c.notNull())
      .addColumn('successful_history_limit', 'integer', (c) => c.notNull())
      .addColumn('failed_history_limit', 'integer', (c) => c.notNull())
      .addColumn('suspended', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('description', 'text')
      .addColumn('cursor_at', 'bigint', (c) => c.notNull())
      .addColumn('last_scheduled_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addCheckConstraint('schedules_policy_check', k.oneOf('concurrency_policy', POLICIES))
      .addCheckConstraint('schedules_catch_up_check', k.oneOf('catch_up', CATCH_UP))
      .addCheckConstraint('schedules_suspended_check', sql`suspended in (0, 1)`)
      .addCheckConstraint(
        'schedules_limits_check',
        sql`starting_deadline_seconds >= 0 and catch_up_cap >= 1 and successful_history_limit >= 0 and failed_history_limit >= 0`,
      )
      .execute();

    // Decisions carry no foreign keys on purpose: a run on a cluster is not a row here, and the record
    // of why a run started outlives a pruned run.
    await k
      .id(db.schema.createTable('trigger_decisions'), 'id')
      .addColumn('trigger_kind', 'text', (c) => c.notNull())
      .addColumn('trigger_name', 'text', (c) => c.notNull())
      .addColumn('decision_key', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text')
      .addColumn('topic', 'text')
      .addColumn('scheduled_at', 'bigint')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('pipeline', 'text', (c) => c.notNull())
      .addColumn('request', k.json)
      .addColumn('run_id', 'text')
      .addColumn('stopped_run_ids', k.json)
      .addColumn('dedupe_key', 'text')
      .addColumn('rate_key', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('completed_at', 'bigint')
      // The claim that makes a redelivered event or a replayed tick decide nothing twice.
      .addUniqueConstraint('trigger_decisions_key_unique', ['trigger_kind', 'trigger_name', 'decision_key'])
      .addCheckConstraint('trigger_decisions_kind_check', k.oneOf('trigger_kind', ['schedule', 'sensor']))
      .addCheckConstraint('trigger_decisions_outcome_check', k.oneOf('outcome', OUTCOMES))
      .execute();
    await db.schema
      .createIndex('trigger_decisions_trigger_idx')
      .on('trigger_decisions')
      .columns(['trigger_kind', 'trigger_name', 'id'])
      .execute();
    await db.schema
      .createIndex('trigger_decisions_outcome_idx')
      .on('trigger_decisions')
      .columns(['outcome', 'id'])
      .execute();
    await db.schema
      .createIndex('trigger_decisions_dedupe_idx')
      .on('trigger_decisions')
      .columns(['trigger_kind', 'trigger_name', 'dedupe_key'])
      .execute();
    await db.schema
      .createIndex('trigger_decisions_rate_idx')
      .on('trigger_decisions')
      .columns(['trigger_kind', 'trigger_name', 'rate_key', 'created_at'])
      .execute();
    await db.schema
      .createIndex('trigger_decisions_incomplete_idx')
      .on('trigger_decisions')
      .columns(['trigger_kind', 'trigger_name'])
      .where(sql.ref('completed_at'), 'is', null)
      .execute();
  },
};
