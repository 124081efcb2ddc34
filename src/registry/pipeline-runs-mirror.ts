import { sql } from 'kysely';
import { type DbHandle, fromJson, toJson, withTransaction } from '../store/index.js';
import type { TrackingRunRecord } from './tracking-rows.js';

// Pipeline runs as MLflow runs, so an MLflow client (the UI, `mlflow.search_runs`, `runs/get` on a
// registered version's run_id) sees what bookml ran. The mirror is a tracking run with the pipeline
// run's id and `pipeline_run_id` set, in one experiment per pipeline (`bookml/<pipeline>`); it is
// refreshed from the run store on read until the run has finished, then left alone.

/** The MLflow experiment a pipeline's runs appear in. */
export function pipelineExperimentName(pipeline: string): string {
  return `bookml/${pipeline}`;
}

const STATUS: Record<string, TrackingRunRecord['status']> = {
  Pending: 'SCHEDULED',
  Running: 'RUNNING',
  Succeeded: 'FINISHED',
  Failed: 'FAILED',
  Error: 'FAILED',
};

/**
 * Mirrors the pipeline runs not yet mirrored, or mirrored while still running (all of them, or
 * only `ids`): status and times, the run's parameters as params, every numeric output parameter of
 * a finished node as metric `<node>.<name>`, the metrics of the versions it registered, and tags
 * that link back (`bookml.run_id`, `bookml.pipeline`, `bookml.phase`, `mlflow.user`, …).
 */
export async function mirrorPipelineRuns(h: DbHandle, ids?: readonly string[]): Promise<void> {
  let q = h.db
    .selectFrom('runs')
    .leftJoin('tracking_runs', 'tracking_runs.id', 'runs.id')
    .select([
      'runs.id as id',
      'runs.pipeline as pipeline',
      'runs.phase as phase',
      'runs.parameters as parameters',
      'runs.created_at as created_at',
      'runs.started_at as started_at',
      'runs.finished_at as finished_at',
      'runs.submitted_by as submitted_by',
      'runs.code_version as code_version',
    ])
    .where((eb) =>
      eb.or([eb('tracking_runs.id', 'is', null), eb('tracking_runs.status', 'in', ['SCHEDULED', 'RUNNING'])]),
    );
  if (ids !== undefined) {
    if (ids.length === 0) return;
    q = q.where('runs.id', 'in', [...ids]);
  }
  const runs = await q.orderBy('runs.created_at').execute();
  for (const run of runs) {
    await withTransaction(h, async (tx) => {
      // Two readers mirroring at once must not double the metrics (SQLite already serialises writers).
      if (tx.dialect === 'postgres')
        await sql`select pg_advisory_xact_lock(hashtext(${`bookml.mirror:${run.id}`}))`.execute(tx.db);
      const experimentId = await pipelineExperiment(tx, run.pipeline);
      const status = STATUS[run.phase] ?? 'RUNNING';
      const start = Number(run.started_at ?? run.created_at);
      const end = run.finished_at === null ? null : Number(run.finished_at);
      await tx.db
        .insertInto('tracking_runs')
        .values({
          id: run.id,
          experiment_id: experimentId,
          name: run.id,
          user_id: run.submitted_by,
          status,
          start_time: start,
          end_time: end,
          artifact_uri: null,
          lifecycle_stage: 'active',
          pipeline_run_id: run.id,
        })
        .onConflict((oc) =>
          oc
            .column('id')
            .doUpdateSet({ status, start_time: start, end_time: end, user_id: run.submitted_by }),
        )
        .execute();
      const params = (fromJson(run.parameters) ?? {}) as Record<string, unknown>;
      for (const [key, value] of Object.entries(params)) {
        await tx.db
          .insertInto('tracking_params')
          .values({ run_id: run.id, key, value: typeof value === 'string' ? value : JSON.stringify(value) })
          .onConflict((oc) => oc.columns(['run_id', 'key']).doNothing())
          .execute();
      }
      const code = (fromJson(run.code_version) ?? {}) as { gitSha?: string | null; version?: string };
      const tags: Record<string, string> = {
        'bookml.run_id': run.id,
        'bookml.pipeline': run.pipeline,
        'bookml.phase': run.phase,
        'mlflow.runName': run.id,
        'mlflow.source.type': 'JOB',
        'mlflow.source.name': `bookml pipeline ${run.pipeline}`,
        ...(run.submitted_by ? { 'mlflow.user': run.submitted_by } : {}),
        ...(code.gitSha ? { 'mlflow.source.git.commit': code.gitSha } : {}),
        ...(code.version ? { 'bookml.code_version': code.version } : {}),
      };
      for (const [key, value] of Object.entries(tags)) {
        await tx.db
          .insertInto('tracking_tags')
          .values({ run_id: run.id, key, value })
          .onConflict((oc) => oc.columns(['run_id', 'key']).doUpdateSet({ value }))
          .execute();
      }
      // The mirror owns these metrics: rewritten whole while the run can still change.
      await tx.db.deleteFrom('tracking_metrics').where('run_id', '=', run.id).execute();
      const at = end ?? tx.clock.now();
      for (const m of await runMetrics(tx, run.id, at)) {
        await tx.db
          .insertInto('tracking_metrics')
          .values({ run_id: run.id, ...m, step: 0 })
          .execute();
      }
    });
  }
}

async function pipelineExperiment(tx: DbHandle, pipeline: string): Promise<number> {
  const name = pipelineExperimentName(pipeline);
  if (tx.dialect === 'postgres')
    await sql`select pg_advisory_xact_lock(hashtext(${`bookml.experiment:${name}`}))`.execute(tx.db);
  const found = await tx.db
    .selectFrom('experiments')
    .select('id')
    .where('name', '=', name)
    .orderBy('id')
    .executeTakeFirst();
  if (found) return Number(found.id);
  const now = tx.clock.now();
  const row = await tx.db
    .insertInto('experiments')
    .values({
      name,
      artifact_location: null,
      lifecycle_stage: 'active',
      tags: toJson({ 'bookml.pipeline': pipeline }),
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Numeric outputs of the run's finished nodes, and the metrics of the versions it registered. */
async function runMetrics(
  tx: DbHandle,
  runId: string,
  at: number,
): Promise<{ key: string; value: number; timestamp: number }[]> {
  const out: { key: string; value: number; timestamp: number }[] = [];
  const nodes = await tx.db
    .selectFrom('nodes')
    .select(['node_id', 'outputs', 'finished_at'])
    .where('run_id', '=', runId)
    .where('phase', 'in', ['Succeeded', 'Cached'])
    .orderBy('node_id')
    .execute();
  for (const n of nodes) {
    const outputs = (fromJson(n.outputs) ?? {}) as { params?: Record<string, unknown> };
    for (const [name, value] of Object.entries(outputs.params ?? {})) {
      if (typeof value === 'number' && Number.isFinite(value))
        out.push({ key: `${n.node_id}.${name}`, value, timestamp: Number(n.finished_at ?? at) });
    }
  }
  const versions = await tx.db
    .selectFrom('model_versions')
    .select(['metrics', 'created_at'])
    .where('source_run_id', '=', runId)
    .orderBy('version')
    .execute();
  for (const v of versions) {
    for (const [key, value] of Object.entries((fromJson(v.metrics) ?? {}) as Record<string, number>)) {
      if (Number.isFinite(value)) out.push({ key, value, timestamp: Number(v.created_at) });
    }
  }
  return out;
}
