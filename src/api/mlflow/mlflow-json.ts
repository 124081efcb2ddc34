import type {
  ExperimentRecord,
  ModelRecord,
  TrackingRunRecord,
  VersionRecord,
} from '../../registry/index.js';

// proto2 JSON: unset fields are omitted (never null), ids and versions are strings, times epoch ms.

type Json = Record<string, unknown>;

function kv(record: Record<string, string>): { key: string; value: string }[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

function compact(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
}

/** Experiment entity. */
export function experimentJson(e: ExperimentRecord): Json {
  return compact({
    experiment_id: String(e.id),
    name: e.name,
    artifact_location: e.artifactLocation ?? `mlflow-artifacts:/${e.id}`,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.updatedAt,
    creation_time: e.createdAt,
    tags: kv(e.tags),
  });
}

/** RunInfo entity. */
export function runInfoJson(r: TrackingRunRecord): Json {
  return compact({
    run_id: r.id,
    run_uuid: r.id,
    run_name: r.name,
    experiment_id: String(r.experimentId),
    user_id: r.userId,
    status: r.status,
    start_time: r.startTime,
    end_time: r.endTime,
    artifact_uri: r.artifactUri,
    lifecycle_stage: r.lifecycleStage,
  });
}

/** Run entity: info, data (latest metric per key, params, tags) and inputs. */
export function runJson(r: TrackingRunRecord): Json {
  return {
    info: runInfoJson(r),
    data: {
      metrics: r.metrics.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step })),
      params: kv(r.params),
      tags: kv(r.tags),
    },
    inputs: {},
  };
}

/**
 * The legacy stage MLflow clients read, derived from bookml's aliases (written down in
 * src/api/ARCHITECTURE.md): alias `production` ↔ `Production`, `staging` ↔ `Staging`; a version
 * transitioned to `Archived` (and holding neither alias) is `Archived`; else `None`.
 */
export function stageOf(v: VersionRecord): 'Production' | 'Staging' | 'Archived' | 'None' {
  if (v.aliases.includes('production')) return 'Production';
  if (v.aliases.includes('staging')) return 'Staging';
  if (v.stage === 'Archived') return 'Archived';
  return 'None';
}

/** ModelVersion entity. */
export function modelVersionJson(v: VersionRecord): Json {
  return compact({
    name: v.model,
    version: String(v.version),
    creation_timestamp: v.createdAt,
    last_updated_timestamp: v.updatedAt,
    user_id: v.createdBy,
    current_stage: stageOf(v),
    description: v.description ?? '',
    source: v.artifactUri,
    run_id: v.trackingRun ?? v.sourceRun,
    run_link: typeof v.tags['mlflow.run_link'] === 'string' ? v.tags['mlflow.run_link'] : undefined,
    status: v.status,
    status_message: v.statusMessage,
    tags: kv(Object.fromEntries(Object.entries(v.tags).filter(([k]) => k !== 'mlflow.run_link'))),
    aliases: v.aliases,
  });
}

/** RegisteredModel entity; `latest` is the latest version per stage (legacy field). */
export function registeredModelJson(m: ModelRecord, latest: VersionRecord[]): Json {
  return compact({
    name: m.name,
    creation_timestamp: m.createdAt,
    last_updated_timestamp: m.updatedAt,
    description: m.description ?? undefined,
    latest_versions: latest.map(modelVersionJson),
    tags: kv(m.tags),
    aliases: Object.entries(m.aliases).map(([alias, version]) => ({ alias, version: String(version) })),
  });
}

/** The latest version per stage among `versions` (newest first), for the stages asked (all by default). */
export function latestPerStage(versions: VersionRecord[], stages: string[]): VersionRecord[] {
  const wanted = new Set(
    (stages.length > 0 ? stages : ['None', 'Staging', 'Production', 'Archived']).map((s) => s.toLowerCase()),
  );
  const seen = new Set<string>();
  const out: VersionRecord[] = [];
  for (const v of versions) {
    const stage = stageOf(v);
    if (v.status !== 'READY' || seen.has(stage) || !wanted.has(stage.toLowerCase())) continue;
    seen.add(stage);
    out.push(v);
  }
  return out.sort((a, b) => a.version - b.version);
}
