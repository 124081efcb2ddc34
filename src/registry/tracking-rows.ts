import type { DbHandle } from '../store/index.js';
import { fromJson } from '../store/index.js';
import { RegistryError } from './errors.js';
import { checkTagKey } from './names.js';
import type { FilterableRun } from './run-filter.js';

// Records and row mapping of the MLflow-compatible tracking store.

/** An MLflow-style tracking experiment. */
export interface ExperimentRecord {
  id: number;
  name: string;
  artifactLocation: string | null;
  lifecycleStage: 'active' | 'deleted';
  tags: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

/** One point of a metric's history. */
export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** A tracking run with its latest metrics, params and tags. */
export interface TrackingRunRecord {
  id: string;
  experimentId: number;
  name: string | null;
  userId: string | null;
  status: 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
  startTime: number;
  endTime: number | null;
  artifactUri: string | null;
  lifecycleStage: 'active' | 'deleted';
  pipelineRunId: string | null;
  /** Latest value per key (latest timestamp; ties → largest step, then value). */
  metrics: MetricPoint[];
  params: Record<string, string>;
  tags: Record<string, string>;
}

/** Inputs of {@link TrackingStore.createRun}. */
export interface NewTrackingRun {
  experimentId: number | string;
  userId?: string | undefined;
  runName?: string | undefined;
  startTime?: number | undefined;
  tags?: Record<string, string> | undefined;
}

/** Inputs of {@link TrackingStore.updateRun}. */
export interface TrackingRunUpdate {
  status?: TrackingRunRecord['status'] | undefined;
  endTime?: number | undefined;
  runName?: string | undefined;
}

/** Inputs of {@link TrackingStore.searchRuns}. */
export interface RunSearch {
  experimentIds: (number | string)[];
  filter?: string | undefined;
  viewType?: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL' | undefined;
  maxResults?: number | undefined;
  orderBy?: string[] | undefined;
  pageToken?: string | undefined;
}

/** Runs by id, in the order asked, with params, tags and the latest point of each metric. */
export async function loadRuns(h: DbHandle, ids: string[]): Promise<TrackingRunRecord[]> {
  if (ids.length === 0) return [];
  const out: TrackingRunRecord[] = [];
  // Chunked so a large search stays under both dialects' bound-parameter limits.
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const [runs, params, tags, metrics] = await Promise.all([
      h.db.selectFrom('tracking_runs').selectAll().where('id', 'in', chunk).execute(),
      h.db.selectFrom('tracking_params').selectAll().where('run_id', 'in', chunk).execute(),
      h.db.selectFrom('tracking_tags').selectAll().where('run_id', 'in', chunk).execute(),
      h.db.selectFrom('tracking_metrics').selectAll().where('run_id', 'in', chunk).orderBy('id').execute(),
    ]);
    for (const r of runs) {
      const latest = new Map<string, MetricPoint>();
      for (const m of metrics) {
        if (m.run_id !== r.id) continue;
        const p = {
          key: m.key,
          value: Number(m.value),
          timestamp: Number(m.timestamp),
          step: Number(m.step),
        };
        const cur = latest.get(m.key);
        if (
          !cur ||
          p.timestamp > cur.timestamp ||
          (p.timestamp === cur.timestamp &&
            (p.step > cur.step || (p.step === cur.step && p.value > cur.value)))
        ) {
          latest.set(m.key, p);
        }
      }
      out.push({
        id: r.id,
        experimentId: Number(r.experiment_id),
        name: r.name,
        userId: r.user_id,
        status: r.status,
        startTime: Number(r.start_time),
        endTime: r.end_time === null ? null : Number(r.end_time),
        artifactUri: r.artifact_uri,
        lifecycleStage: r.lifecycle_stage,
        pipelineRunId: r.pipeline_run_id,
        metrics: [...latest.values()].sort((a, b) => a.key.localeCompare(b.key)),
        params: Object.fromEntries(params.filter((p) => p.run_id === r.id).map((p) => [p.key, p.value])),
        tags: Object.fromEntries(tags.filter((t) => t.run_id === r.id).map((t) => [t.key, t.value])),
      });
    }
  }
  const byId = new Map(out.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export async function upsertTag(tx: DbHandle, runId: string, key: string, value: string): Promise<void> {
  checkTagKey(key);
  await tx.db
    .insertInto('tracking_tags')
    .values({ run_id: runId, key, value })
    .onConflict((oc) => oc.columns(['run_id', 'key']).doUpdateSet({ value }))
    .execute();
}

export function filterable(r: TrackingRunRecord): FilterableRun {
  return {
    metrics: Object.fromEntries(r.metrics.map((m) => [m.key, m.value])),
    params: r.params,
    tags: r.tags,
    attributes: {
      run_id: r.id,
      run_name: r.name,
      status: r.status,
      user_id: r.userId,
      start_time: r.startTime,
      end_time: r.endTime,
      artifact_uri: r.artifactUri,
      lifecycle_stage: r.lifecycleStage,
    },
  };
}

export function toExperiment(row: {
  id: number;
  name: string;
  artifact_location: string | null;
  lifecycle_stage: 'active' | 'deleted';
  tags: string;
  created_at: number;
  updated_at: number;
}): ExperimentRecord {
  return {
    id: Number(row.id),
    name: row.name,
    artifactLocation: row.artifact_location,
    lifecycleStage: row.lifecycle_stage,
    tags: fromJson(row.tags) as Record<string, string>,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function experimentId(id: number | string): number {
  const n = typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : id;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new RegistryError('REGISTRY_EXPERIMENT_NOT_FOUND', `No Experiment with id=${String(id)} exists`, {
      field: 'experiment_id',
    });
  }
  return n;
}

export function runNotFound(id: string): RegistryError {
  return new RegistryError('REGISTRY_RUN_NOT_FOUND', `Run with id=${id} not found`, { field: 'run_id' });
}

export function checkTags(tags: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) out[checkTagKey(k, 'tags.key')] = String(v);
  return out;
}

export function decodeToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  try {
    const n = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset: number }).offset;
    if (Number.isInteger(n) && n >= 0) return n;
  } catch {
    // fall through to the error below
  }
  throw new RegistryError('REGISTRY_INVALID_INPUT', 'page_token is not one this server issued', {
    field: 'page_token',
  });
}
