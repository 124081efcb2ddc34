import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { type DbHandle, fromJson, toJson, withTransaction } from '../store/index.js';
import { RegistryError } from './errors.js';
import { checkTagKey } from './names.js';
import { mirrorPipelineRuns } from './pipeline-runs-mirror.js';
import { compileOrderBy, compileRunFilter } from './run-filter.js';
import {
  checkTags,
  decodeToken,
  type ExperimentRecord,
  experimentId,
  filterable,
  loadRuns,
  type MetricPoint,
  type NewTrackingRun,
  type RunSearch,
  runNotFound,
  type TrackingRunRecord,
  type TrackingRunUpdate,
  toExperiment,
  upsertTag,
} from './tracking-rows.js';

const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
const MAX_SEARCH = 50_000;

/** MLflow's default experiment: a run created without an experiment goes here (`mlflow.start_run()`). */
export const DEFAULT_EXPERIMENT_ID = 0;

/**
 * Experiments and runs with params (write-once), metrics (append-only history) and tags
 * (overwritable), with MLflow's semantics, so MLflow clients can log to bookml. The `Default`
 * experiment `0` always exists, and bookml's own pipeline runs appear as runs (one experiment per
 * pipeline, `bookml/<pipeline>`, the run's id as the MLflow run id).
 * @example
 * const t = new TrackingStore(mdb);
 * const exp = await t.createExperiment({ name: 'recommender' });
 * const run = await t.createRun({ experimentId: exp.id, userId: 'alice' });
 * await t.logBatch(run.id, { params: [{ key: 'k', value: '50' }], metrics: [{ key: 'ndcg', value: 0.3, timestamp: 1, step: 0 }] });
 */
export class TrackingStore {
  readonly #h: DbHandle;
  #defaultReady = false;

  constructor(handle: DbHandle) {
    this.#h = handle;
  }

  /** Creates MLflow's `Default` experiment `0` the first time anything reads experiments. */
  async #ensureDefault(): Promise<void> {
    if (this.#defaultReady) return;
    const now = this.#h.clock.now();
    const taken = await this.#h.db
      .selectFrom('experiments')
      .select('id')
      .where('name', '=', 'Default')
      .where('id', '!=', DEFAULT_EXPERIMENT_ID)
      .executeTakeFirst();
    await this.#h.db
      .insertInto('experiments')
      .values({
        id: DEFAULT_EXPERIMENT_ID,
        // A user's own experiment may already be called Default (names are not unique in the schema).
        name: taken ? 'Default (0)' : 'Default',
        artifact_location: null,
        lifecycle_stage: 'active',
        tags: toJson({}),
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    this.#defaultReady = true;
  }

  /** Brings bookml's pipeline runs into view as MLflow runs (see pipeline-runs-mirror.ts). */
  async #mirror(ids?: readonly string[]): Promise<void> {
    await this.#ensureDefault();
    await mirrorPipelineRuns(this.#h, ids);
  }

  /** @throws RegistryError `REGISTRY_EXPERIMENT_EXISTS` */
  async createExperiment(input: {
    name: string;
    artifactLocation?: string | undefined;
    tags?: Record<string, string> | undefined;
  }): Promise<ExperimentRecord> {
    if (typeof input.name !== 'string' || input.name.trim() === '') {
      throw new RegistryError('REGISTRY_INVALID_INPUT', "Missing value for required parameter 'name'.", {
        field: 'name',
      });
    }
    await this.#ensureDefault();
    const id = await withTransaction(this.#h, async (tx) => {
      // Names are unique but the schema has no unique index (deleted experiments keep theirs): on
      // PostgreSQL a transaction-scoped advisory lock per name serialises concurrent creates; SQLite
      // already serialises writers.
      if (tx.dialect === 'postgres') {
        await sql`select pg_advisory_xact_lock(hashtext(${`bookml.experiment:${input.name}`}))`.execute(
          tx.db,
        );
      }
      const clash = await tx.db
        .selectFrom('experiments')
        .select('id')
        .where('name', '=', input.name)
        .executeTakeFirst();
      if (clash)
        throw new RegistryError('REGISTRY_EXPERIMENT_EXISTS', `Experiment '${input.name}' already exists.`, {
          field: 'name',
        });
      const now = tx.clock.now();
      const row = await tx.db
        .insertInto('experiments')
        .values({
          name: input.name,
          artifact_location: input.artifactLocation ?? null,
          lifecycle_stage: 'active',
          tags: toJson(checkTags(input.tags ?? {})),
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(row.id);
    });
    return this.getExperiment(id);
  }

  /** @throws RegistryError `REGISTRY_EXPERIMENT_NOT_FOUND` */
  async getExperiment(id: number | string): Promise<ExperimentRecord> {
    const n = experimentId(id);
    await this.#mirror();
    const row = await this.#h.db.selectFrom('experiments').selectAll().where('id', '=', n).executeTakeFirst();
    if (!row)
      throw new RegistryError('REGISTRY_EXPERIMENT_NOT_FOUND', `No Experiment with id=${id} exists`, {
        field: 'experiment_id',
      });
    return toExperiment(row);
  }

  /** The experiment named `name`, preferring an active one. */
  async getExperimentByName(name: string): Promise<ExperimentRecord> {
    await this.#mirror();
    const rows = await this.#h.db.selectFrom('experiments').selectAll().where('name', '=', name).execute();
    const row = rows.find((r) => r.lifecycle_stage === 'active') ?? rows[0];
    if (!row)
      throw new RegistryError(
        'REGISTRY_EXPERIMENT_NOT_FOUND',
        `Could not find experiment with name '${name}'`,
        { field: 'experiment_name' },
      );
    return toExperiment(row);
  }

  /** Experiments by id, filtered by lifecycle. */
  async listExperiments(viewType: RunSearch['viewType'] = 'ACTIVE_ONLY'): Promise<ExperimentRecord[]> {
    await this.#mirror();
    let q = this.#h.db.selectFrom('experiments').selectAll().orderBy('id');
    if (viewType === 'ACTIVE_ONLY') q = q.where('lifecycle_stage', '=', 'active');
    if (viewType === 'DELETED_ONLY') q = q.where('lifecycle_stage', '=', 'deleted');
    return (await q.execute()).map(toExperiment);
  }

  /** Renames an experiment. */
  async renameExperiment(id: number | string, newName: string): Promise<void> {
    const exp = await this.getExperiment(id);
    if (typeof newName !== 'string' || newName === '') {
      throw new RegistryError('REGISTRY_INVALID_INPUT', "Missing value for required parameter 'new_name'.", {
        field: 'new_name',
      });
    }
    const clash = await this.#h.db
      .selectFrom('experiments')
      .select('id')
      .where('name', '=', newName)
      .where('id', '!=', exp.id)
      .executeTakeFirst();
    if (clash)
      throw new RegistryError('REGISTRY_EXPERIMENT_EXISTS', `Experiment '${newName}' already exists.`, {
        field: 'new_name',
      });
    await this.#h.db
      .updateTable('experiments')
      .set({ name: newName, updated_at: this.#h.clock.now() })
      .where('id', '=', exp.id)
      .execute();
  }

  /** Soft-deletes (`deleted`) or restores (`active`) an experiment. */
  async setExperimentLifecycle(id: number | string, stage: 'active' | 'deleted'): Promise<void> {
    const exp = await this.getExperiment(id);
    await this.#h.db
      .updateTable('experiments')
      .set({ lifecycle_stage: stage, updated_at: this.#h.clock.now() })
      .where('id', '=', exp.id)
      .execute();
  }

  /** Sets an experiment tag. */
  async setExperimentTag(id: number | string, key: string, value: string): Promise<void> {
    checkTagKey(key);
    await withTransaction(this.#h, async (tx) => {
      const row = await tx.db
        .selectFrom('experiments')
        .select(['id', 'tags'])
        .where('id', '=', experimentId(id))
        .executeTakeFirst();
      if (!row)
        throw new RegistryError('REGISTRY_EXPERIMENT_NOT_FOUND', `No Experiment with id=${id} exists`, {
          field: 'experiment_id',
        });
      const tags = { ...(fromJson(row.tags) as Record<string, string>), [key]: String(value ?? '') };
      await tx.db
        .updateTable('experiments')
        .set({ tags: toJson(tags), updated_at: tx.clock.now() })
        .where('id', '=', row.id)
        .execute();
    });
  }

  /** Starts a run (status RUNNING) in an active experiment. */
  async createRun(input: NewTrackingRun): Promise<TrackingRunRecord> {
    const exp = await this.getExperiment(input.experimentId);
    if (exp.lifecycleStage !== 'active') {
      throw new RegistryError('REGISTRY_RUN_DELETED', `experiment ${exp.id} is deleted; restore it first`, {
        field: 'experiment_id',
      });
    }
    const tags = checkTags(input.tags ?? {});
    const id = randomUUID().replace(/-/g, '');
    const userId = input.userId ?? tags['mlflow.user'] ?? null;
    const name = input.runName ?? tags['mlflow.runName'] ?? null;
    if (name !== null) tags['mlflow.runName'] = name;
    const base = (exp.artifactLocation ?? `mlflow-artifacts:/${exp.id}`).replace(/\/+$/, '');
    await withTransaction(this.#h, async (tx) => {
      await tx.db
        .insertInto('tracking_runs')
        .values({
          id,
          experiment_id: exp.id,
          name,
          user_id: userId,
          status: 'RUNNING',
          start_time: input.startTime ?? tx.clock.now(),
          end_time: null,
          artifact_uri: `${base}/${id}/artifacts`,
          lifecycle_stage: 'active',
          pipeline_run_id: null,
        })
        .execute();
      for (const [key, value] of Object.entries(tags)) {
        await tx.db.insertInto('tracking_tags').values({ run_id: id, key, value }).execute();
      }
    });
    return this.getRun(id);
  }

  /** A run with its latest metrics, params and tags. @throws RegistryError `REGISTRY_RUN_NOT_FOUND` */
  async getRun(id: string): Promise<TrackingRunRecord> {
    await this.#mirror([id]);
    const [run] = await loadRuns(this.#h, [id]);
    if (!run) throw runNotFound(id);
    return run;
  }

  /** Updates status / end time / name (MLflow "set terminated"). */
  async updateRun(id: string, patch: TrackingRunUpdate): Promise<TrackingRunRecord> {
    await this.#activeRun(id);
    if (patch.status !== undefined && !RUN_STATUSES.includes(patch.status)) {
      throw new RegistryError('REGISTRY_INVALID_INPUT', `status must be one of ${RUN_STATUSES.join(', ')}`, {
        field: 'status',
      });
    }
    const set: { status?: TrackingRunRecord['status']; end_time?: number; name?: string } = {};
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.endTime !== undefined) set.end_time = patch.endTime;
    if (patch.runName !== undefined) set.name = patch.runName;
    await withTransaction(this.#h, async (tx) => {
      if (Object.keys(set).length > 0)
        await tx.db.updateTable('tracking_runs').set(set).where('id', '=', id).execute();
      if (patch.runName !== undefined) await upsertTag(tx, id, 'mlflow.runName', patch.runName);
    });
    return this.getRun(id);
  }

  /** Soft-deletes or restores a run. */
  async setRunLifecycle(id: string, stage: 'active' | 'deleted'): Promise<void> {
    const res = await this.#h.db
      .updateTable('tracking_runs')
      .set({ lifecycle_stage: stage })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw runNotFound(id);
  }

  /** Logs params, metrics and tags at once, all or nothing. Params are write-once. */
  async logBatch(
    id: string,
    batch: {
      params?: { key: string; value: string }[];
      metrics?: MetricPoint[];
      tags?: { key: string; value: string }[];
    },
  ): Promise<void> {
    const params = batch.params ?? [];
    const metrics = batch.metrics ?? [];
    const tags = batch.tags ?? [];
    if (
      metrics.length > 1000 ||
      params.length > 100 ||
      tags.length > 100 ||
      metrics.length + params.length + tags.length > 1000
    ) {
      throw new RegistryError(
        'REGISTRY_INVALID_INPUT',
        'a batch holds at most 1000 metrics, 100 params, 100 tags and 1000 items in total',
        { field: 'metrics' },
      );
    }
    for (const p of params) checkTagKey(p.key, 'params.key');
    for (const t of tags) checkTagKey(t.key, 'tags.key');
    for (const m of metrics) {
      checkTagKey(m.key, 'metrics.key');
      if (typeof m.value !== 'number' || Number.isNaN(m.value)) {
        throw new RegistryError('REGISTRY_INVALID_INPUT', `metric "${m.key}" needs a numeric value`, {
          field: 'value',
        });
      }
      if (!Number.isFinite(m.timestamp)) {
        throw new RegistryError(
          'REGISTRY_INVALID_INPUT',
          "Missing value for required parameter 'timestamp'.",
          { field: 'timestamp' },
        );
      }
    }
    await withTransaction(this.#h, async (tx) => {
      await this.#activeRun(id, tx);
      for (const p of params) {
        const value = String(p.value);
        const prior = await tx.db
          .selectFrom('tracking_params')
          .select('value')
          .where('run_id', '=', id)
          .where('key', '=', p.key)
          .executeTakeFirst();
        if (prior && prior.value !== value) {
          throw new RegistryError(
            'REGISTRY_PARAM_CONFLICT',
            `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${prior.value}' for run ID='${id}'. Attempted logging new value '${value}'.`,
            { field: 'params' },
          );
        }
        if (!prior)
          await tx.db.insertInto('tracking_params').values({ run_id: id, key: p.key, value }).execute();
      }
      for (const m of metrics) {
        await tx.db
          .insertInto('tracking_metrics')
          .values({ run_id: id, key: m.key, value: m.value, timestamp: m.timestamp, step: m.step ?? 0 })
          .execute();
      }
      for (const t of tags) await upsertTag(tx, id, t.key, String(t.value));
    });
  }

  /** Removes a tag. */
  async deleteTag(id: string, key: string): Promise<void> {
    await this.#activeRun(id);
    await this.#h.db.deleteFrom('tracking_tags').where('run_id', '=', id).where('key', '=', key).execute();
  }

  /** Every point of one metric, oldest first. */
  async metricHistory(id: string, key: string): Promise<MetricPoint[]> {
    await this.getRun(id);
    const rows = await this.#h.db
      .selectFrom('tracking_metrics')
      .select(['key', 'value', 'timestamp', 'step'])
      .where('run_id', '=', id)
      .where('key', '=', key)
      .orderBy('timestamp')
      .orderBy('step')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      key: r.key,
      value: Number(r.value),
      timestamp: Number(r.timestamp),
      step: Number(r.step),
    }));
  }

  /** Runs of the experiments that match the filter, in `orderBy` order, one page at a time. */
  async searchRuns(search: RunSearch): Promise<{ runs: TrackingRunRecord[]; nextPageToken?: string }> {
    const max = search.maxResults ?? 1000;
    if (!Number.isInteger(max) || max < 1 || max > MAX_SEARCH) {
      throw new RegistryError('REGISTRY_INVALID_INPUT', `max_results must be between 1 and ${MAX_SEARCH}`, {
        field: 'max_results',
      });
    }
    const predicate = compileRunFilter(search.filter);
    await this.#mirror();
    const order = compileOrderBy(search.orderBy);
    const ids = search.experimentIds.map(experimentId);
    if (ids.length === 0) return { runs: [] };
    let q = this.#h.db.selectFrom('tracking_runs').select('id').where('experiment_id', 'in', ids);
    const view = search.viewType ?? 'ACTIVE_ONLY';
    if (view === 'ACTIVE_ONLY') q = q.where('lifecycle_stage', '=', 'active');
    if (view === 'DELETED_ONLY') q = q.where('lifecycle_stage', '=', 'deleted');
    const runs = await loadRuns(
      this.#h,
      (await q.execute()).map((r) => r.id),
    );
    const matched = runs
      .map((r) => ({ r, f: filterable(r) }))
      .filter((x) => predicate(x.f))
      .sort((a, b) => order(a.f, b.f))
      .map((x) => x.r);
    const offset = decodeToken(search.pageToken);
    const page = matched.slice(offset, offset + max);
    const next =
      offset + max < matched.length
        ? Buffer.from(JSON.stringify({ offset: offset + max })).toString('base64')
        : undefined;
    return next === undefined ? { runs: page } : { runs: page, nextPageToken: next };
  }

  async #activeRun(id: string, handle: DbHandle = this.#h): Promise<void> {
    const row = await handle.db
      .selectFrom('tracking_runs')
      .select('lifecycle_stage')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw runNotFound(id);
    if (row.lifecycle_stage === 'deleted') {
      throw new RegistryError(
        'REGISTRY_RUN_DELETED',
        `The run ${id} must be in the 'active' state. Current state is deleted.`,
        { field: 'run_id' },
      );
    }
  }
}
