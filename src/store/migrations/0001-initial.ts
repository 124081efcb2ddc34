import { type Kysely, sql } from 'kysely';
import { columnKit, type MigrationContext, type StoreMigration } from './migration.js';

// Frozen copies: this migration must create the same schema forever, whatever phases.ts says later.
const RUN_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Error'];
const NODE_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Error', 'Skipped', 'Omitted', 'Cached'];
const ATTEMPT_PHASES = ['Running', 'Succeeded', 'Failed', 'Error'];

/**
 * The whole first schema: datasets, runs, nodes, executors, attempts, artifacts, lineage, mutexes,
 * events, the model registry (models, versions, aliases, alias audit, approvals) and MLflow tracking
 * (experiments, runs, params, metrics, tags). Timestamps are `bigint` epoch milliseconds.
 */
export const m0001Initial: StoreMigration = {
  async up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
    await pipelineTables(db, ctx);
    await busTables(db, ctx);
    await trackingTables(db, ctx);
    await registryTables(db, ctx);
  },
};

async function pipelineTables(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  const k = columnKit(ctx.dialect);

  await db.schema
    .createTable('datasets')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('uri', 'text', (c) => c.notNull())
    .addColumn('manifest', k.json, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('pipeline', 'text', (c) => c.notNull())
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('parameters', k.json, (c) => c.notNull())
    .addColumn('labels', k.json, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('parent_run_id', 'text', (c) => c.references('runs.id').onDelete('set null'))
    .addColumn('retry_of', 'text', (c) => c.references('runs.id').onDelete('set null'))
    .addColumn('resubmit_of', 'text', (c) => c.references('runs.id').onDelete('set null'))
    .addColumn('mutex', 'text')
    .addColumn('message', 'text')
    .addColumn('code_version', k.json)
    .addColumn('submitted_by', 'text')
    .addColumn('idempotency_key', 'text', (c) => c.unique())
    .addCheckConstraint('runs_phase_check', k.oneOf('phase', RUN_PHASES))
    .execute();
  await db.schema
    .createIndex('runs_pipeline_created_idx')
    .on('runs')
    .columns(['pipeline', 'created_at'])
    .execute();
  await db.schema.createIndex('runs_created_idx').on('runs').column('created_at').execute();
  await db.schema.createIndex('runs_phase_idx').on('runs').columns(['phase', 'mutex']).execute();

  await db.schema
    .createTable('nodes')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('task', 'text', (c) => c.notNull())
    .addColumn('parent_node_id', 'text')
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('inputs', k.json)
    .addColumn('outputs', k.json)
    .addColumn('cache_key', 'text')
    .addColumn('cache_key_parts', k.json)
    .addColumn('cached_from_run_id', 'text')
    .addColumn('cached_from_node_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('message', 'text')
    .addPrimaryKeyConstraint('nodes_pk', ['run_id', 'node_id'])
    .addForeignKeyConstraint(
      'nodes_parent_fk',
      ['run_id', 'parent_node_id'],
      'nodes',
      ['run_id', 'node_id'],
      (f) => f.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'nodes_cached_from_fk',
      ['cached_from_run_id', 'cached_from_node_id'],
      'nodes',
      ['run_id', 'node_id'],
      (f) => f.onDelete('set null'),
    )
    .addCheckConstraint('nodes_phase_check', k.oneOf('phase', NODE_PHASES))
    .execute();
  await db.schema.createIndex('nodes_cache_key_idx').on('nodes').columns(['cache_key', 'phase']).execute();
  await db.schema.createIndex('nodes_task_idx').on('nodes').columns(['task', 'created_at']).execute();
  await db.schema
    .createIndex('nodes_cached_from_idx')
    .on('nodes')
    .columns(['cached_from_run_id', 'cached_from_node_id'])
    .execute();

  await k
    .id(db.schema.createTable('executors'), 'generation')
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .addColumn('stopped_at', 'bigint')
    .execute();

  await db.schema
    .createTable('attempts')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer')
    .addColumn('executor_generation', 'bigint', (c) => c.references('executors.generation'))
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('exit_code', 'integer')
    .addColumn('signal', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addPrimaryKeyConstraint('attempts_pk', ['run_id', 'node_id', 'attempt'])
    .addForeignKeyConstraint('attempts_node_fk', ['run_id', 'node_id'], 'nodes', ['run_id', 'node_id'], (f) =>
      f.onDelete('cascade'),
    )
    .addCheckConstraint('attempts_phase_check', k.oneOf('phase', ATTEMPT_PHASES))
    .addCheckConstraint('attempts_number_check', sql`attempt >= 1`)
    .execute();
  // At most one live attempt per node, enforced by the database rather than by the executor's care.
  await db.schema
    .createIndex('attempts_one_running_idx')
    .on('attempts')
    .columns(['run_id', 'node_id'])
    .unique()
    .where(sql.ref('phase'), '=', sql.lit('Running'))
    .execute();
  await db.schema
    .createIndex('attempts_orphan_idx')
    .on('attempts')
    .columns(['phase', 'heartbeat_at'])
    .execute();
  await db.schema.createIndex('attempts_executor_idx').on('attempts').column('executor_generation').execute();

  await k
    .id(db.schema.createTable('artifacts'), 'id')
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('uri', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('media_type', 'text')
    .addColumn('run_id', 'text', (c) => c.references('runs.id').onDelete('cascade'))
    .addColumn('node_id', 'text')
    .addColumn('name', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addForeignKeyConstraint(
      'artifacts_node_fk',
      ['run_id', 'node_id'],
      'nodes',
      ['run_id', 'node_id'],
      (f) => f.onDelete('cascade'),
    )
    .addCheckConstraint('artifacts_kind_check', k.oneOf('kind', ['file', 'dir']))
    .execute();
  await db.schema.createIndex('artifacts_sha256_idx').on('artifacts').column('sha256').execute();
  await db.schema
    .createIndex('artifacts_producer_idx')
    .on('artifacts')
    .columns(['run_id', 'node_id', 'name'])
    .execute();

  await k
    .id(db.schema.createTable('lineage_edges'), 'id')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('node_id', 'text')
    .addColumn('relation', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('uri', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addForeignKeyConstraint(
      'lineage_edges_node_fk',
      ['run_id', 'node_id'],
      'nodes',
      ['run_id', 'node_id'],
      (f) => f.onDelete('cascade'),
    )
    .addCheckConstraint('lineage_edges_relation_check', k.oneOf('relation', ['input', 'output']))
    .addCheckConstraint('lineage_edges_kind_check', k.oneOf('kind', ['dataset', 'artifact', 'run']))
    .execute();
  await db.schema
    .createIndex('lineage_edges_run_idx')
    .on('lineage_edges')
    .columns(['run_id', 'node_id'])
    .execute();
  await db.schema.createIndex('lineage_edges_ref_idx').on('lineage_edges').columns(['kind', 'ref']).execute();

  await db.schema
    .createTable('mutexes')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder_run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('acquired_at', 'bigint', (c) => c.notNull())
    .execute();
}

async function busTables(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  const k = columnKit(ctx.dialect);
  await k
    .id(db.schema.createTable('events'), 'id')
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('payload', k.json, (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_topic_idx').on('events').columns(['topic', 'id']).execute();
  await db.schema.createIndex('events_created_idx').on('events').column('created_at').execute();

  await db.schema
    .createTable('event_consumers')
    .addColumn('consumer', 'text', (c) => c.primaryKey())
    .addColumn('acked_id', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

async function trackingTables(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  const k = columnKit(ctx.dialect);
  const lifecycle = ['active', 'deleted'];
  await k
    .id(db.schema.createTable('experiments'), 'id')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('artifact_location', 'text')
    .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
    .addColumn('tags', k.json, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('experiments_lifecycle_check', k.oneOf('lifecycle_stage', lifecycle))
    .execute();
  await db.schema.createIndex('experiments_name_idx').on('experiments').column('name').execute();

  await db.schema
    .createTable('tracking_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('experiment_id', 'bigint', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
    .addColumn('name', 'text')
    .addColumn('user_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('start_time', 'bigint', (c) => c.notNull())
    .addColumn('end_time', 'bigint')
    .addColumn('artifact_uri', 'text')
    .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
    .addColumn('pipeline_run_id', 'text', (c) => c.references('runs.id').onDelete('set null'))
    .addCheckConstraint(
      'tracking_runs_status_check',
      k.oneOf('status', ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']),
    )
    .addCheckConstraint('tracking_runs_lifecycle_check', k.oneOf('lifecycle_stage', lifecycle))
    .execute();
  await db.schema
    .createIndex('tracking_runs_experiment_idx')
    .on('tracking_runs')
    .columns(['experiment_id', 'start_time'])
    .execute();

  for (const table of ['tracking_params', 'tracking_tags']) {
    await db.schema
      .createTable(table)
      .addColumn('run_id', 'text', (c) => c.notNull().references('tracking_runs.id').onDelete('cascade'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['run_id', 'key'])
      .execute();
  }

  await k
    .id(db.schema.createTable('tracking_metrics'), 'id')
    .addColumn('run_id', 'text', (c) => c.notNull().references('tracking_runs.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('step', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('tracking_metrics_run_key_idx')
    .on('tracking_metrics')
    .columns(['run_id', 'key', 'timestamp'])
    .execute();
}

async function registryTables(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  const k = columnKit(ctx.dialect);
  await db.schema
    .createTable('models')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('description', 'text')
    .addColumn('tags', k.json, (c) => c.notNull())
    .addColumn('policy', k.json, (c) => c.notNull())
    .addColumn('latest_version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .execute();

  await db.schema
    .createTable('model_versions')
    .addColumn('model_name', 'text', (c) =>
      c.notNull().references('models.name').onDelete('cascade').onUpdate('cascade'),
    )
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_message', 'text')
    .addColumn('artifact_sha256', 'text')
    .addColumn('artifact_uri', 'text', (c) => c.notNull())
    // No ON DELETE: a run that produced a registered version cannot be deleted (lineage must hold).
    .addColumn('source_run_id', 'text', (c) => c.references('runs.id'))
    .addColumn('source_node_id', 'text')
    .addColumn('tracking_run_id', 'text', (c) => c.references('tracking_runs.id'))
    .addColumn('metrics', k.json, (c) => c.notNull())
    .addColumn('params', k.json, (c) => c.notNull())
    .addColumn('tags', k.json, (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('lineage', k.json, (c) => c.notNull())
    .addColumn('gate_results', k.json)
    .addColumn('idempotency_key', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addPrimaryKeyConstraint('model_versions_pk', ['model_name', 'version'])
    .addUniqueConstraint('model_versions_idempotency_unique', ['model_name', 'idempotency_key'])
    .addCheckConstraint(
      'model_versions_status_check',
      k.oneOf('status', ['PENDING_REGISTRATION', 'READY', 'FAILED_REGISTRATION']),
    )
    .addCheckConstraint('model_versions_version_check', sql`version >= 1`)
    .execute();
  await db.schema
    .createIndex('model_versions_run_idx')
    .on('model_versions')
    .column('source_run_id')
    .execute();
  await db.schema
    .createIndex('model_versions_sha_idx')
    .on('model_versions')
    .column('artifact_sha256')
    .execute();

  await db.schema
    .createTable('model_aliases')
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addPrimaryKeyConstraint('model_aliases_pk', ['model_name', 'alias'])
    // An alias always points at a version that exists; deleting the version removes its aliases (MLflow).
    .addForeignKeyConstraint(
      'model_aliases_version_fk',
      ['model_name', 'version'],
      'model_versions',
      ['model_name', 'version'],
      (f) => f.onDelete('cascade').onUpdate('cascade'),
    )
    .execute();

  await k
    .id(db.schema.createTable('approvals'), 'id')
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('method', 'text')
    .addColumn('requested_by', 'text')
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.references('runs.id').onDelete('set null'))
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'bigint')
    .addColumn('reason', 'text')
    .addForeignKeyConstraint(
      'approvals_version_fk',
      ['model_name', 'version'],
      'model_versions',
      ['model_name', 'version'],
      (f) => f.onDelete('cascade').onUpdate('cascade'),
    )
    .addCheckConstraint('approvals_status_check', k.oneOf('status', ['pending', 'approved', 'rejected']))
    .addCheckConstraint(
      'approvals_method_check',
      sql`method is null or ${k.oneOf('method', ['manual', 'auto'])}`,
    )
    .execute();
  await db.schema
    .createIndex('approvals_model_idx')
    .on('approvals')
    .columns(['model_name', 'alias', 'status'])
    .execute();

  // Audit rows carry no foreign keys on purpose: the trail outlives the models and runs it mentions.
  await k
    .id(db.schema.createTable('alias_events'), 'id')
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('from_version', 'integer')
    .addColumn('to_version', 'integer')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('gate_results', k.json)
    .addColumn('approval_id', 'bigint')
    .addColumn('run_id', 'text')
    .addColumn('idempotency_key', 'text', (c) => c.unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('alias_events_action_check', k.oneOf('action', ['set', 'delete', 'rollback']))
    .execute();
  await db.schema
    .createIndex('alias_events_model_idx')
    .on('alias_events')
    .columns(['model_name', 'alias', 'created_at'])
    .execute();
}
