import type { Generated } from 'kysely';
import type { AttemptPhase, NodePhase, RunPhase } from '../core/index.js';
import type { Json } from './json-column.js';

/**
 * The metadata schema as Kysely sees it, one interface per table. Column names are the SQL names
 * (snake_case). Timestamps are epoch milliseconds (`number`) on both dialects; JSON columns are
 * {@link Json} text. Migration `0001-initial` creates these tables; later migrations add the ones
 * their comments name.
 */
export interface Database {
  datasets: DatasetsTable;
  runs: RunsTable;
  nodes: NodesTable;
  executors: ExecutorsTable;
  attempts: AttemptsTable;
  artifacts: ArtifactsTable;
  lineage_edges: LineageEdgesTable;
  mutexes: MutexesTable;
  events: EventsTable;
  event_consumers: EventConsumersTable;
  models: ModelsTable;
  model_versions: ModelVersionsTable;
  model_aliases: ModelAliasesTable;
  alias_events: AliasEventsTable;
  approvals: ApprovalsTable;
  registry_events: RegistryEventsTable;
  experiments: ExperimentsTable;
  tracking_runs: TrackingRunsTable;
  tracking_params: TrackingParamsTable;
  tracking_metrics: TrackingMetricsTable;
  tracking_tags: TrackingTagsTable;
  /** Migration `0002-webhook`. */
  webhook_signatures: WebhookSignaturesTable;
  schedules: SchedulesTable;
  trigger_decisions: TriggerDecisionsTable;
  /** Migration `0007-predictions`. */
  predictions: PredictionsTable;
  /** Migration `0008-online-histories`. */
  online_histories: OnlineHistoriesTable;
  online_feature_versions: OnlineFeatureVersionsTable;
}

/** The prediction log when it lives in the database (`BOOKML_PREDICTIONS=database`). */
export interface PredictionsTable {
  /** Grows in commit order: the readers' cursor. */
  id: Generated<number>;
  /** One record as the file log's JSON line (without the newline). */
  record: string;
  /** When the row was inserted (the serving process's clock): retention prunes by it. */
  created_at: EpochMs;
}

/** Epoch milliseconds. */
export type EpochMs = number;

/** An immutable dataset snapshot, named by the hash of its content. */
export interface DatasetsTable {
  hash: string;
  uri: string;
  manifest: Json<unknown>;
  created_at: EpochMs;
}

/** One execution of a pipeline. */
export interface RunsTable {
  id: string;
  pipeline: string;
  phase: RunPhase;
  parameters: Json<Record<string, unknown>>;
  /** Free-form string labels (trigger, sensor, schedule), as Argo workflow labels. */
  labels: Json<Record<string, string>>;
  created_at: EpochMs;
  started_at: EpochMs | null;
  finished_at: EpochMs | null;
  parent_run_id: string | null;
  retry_of: string | null;
  resubmit_of: string | null;
  /** The named mutex this run must hold while it runs. */
  mutex: string | null;
  message: string | null;
  code_version: Json<Record<string, unknown>> | null;
  submitted_by: string | null;
  /** Set by triggers so a redelivered webhook or tick cannot submit the same run twice. */
  idempotency_key: string | null;
  /** Migration `0006-run-leases`: the executor generation that owns this active run (its fencing token). */
  owner_generation: number | null;
  /** Until when the owner's lease holds; after that another executor may claim the run. */
  lease_until: EpochMs | null;
}

/** One task instance of a run; fan-out children point at their parent node. */
export interface NodesTable {
  run_id: string;
  node_id: string;
  task: string;
  parent_node_id: string | null;
  phase: NodePhase;
  inputs: Json<Record<string, unknown>> | null;
  outputs: Json<Record<string, unknown>> | null;
  cache_key: string | null;
  cache_key_parts: Json<Record<string, unknown>> | null;
  cached_from_run_id: string | null;
  cached_from_node_id: string | null;
  created_at: EpochMs;
  started_at: EpochMs | null;
  finished_at: EpochMs | null;
  message: string | null;
}

/** One start of a pipeline executor; attempts remember which generation launched them. */
export interface ExecutorsTable {
  generation: Generated<number>;
  pid: number;
  hostname: string;
  started_at: EpochMs;
  heartbeat_at: EpochMs;
  stopped_at: EpochMs | null;
}

/** One try at running a node's step in a child process. */
export interface AttemptsTable {
  run_id: string;
  node_id: string;
  attempt: number;
  phase: AttemptPhase;
  pid: number | null;
  executor_generation: number | null;
  started_at: EpochMs;
  heartbeat_at: EpochMs;
  finished_at: EpochMs | null;
  exit_code: number | null;
  signal: string | null;
  error_code: string | null;
  error_message: string | null;
}

/** A record that a run/node produced (or someone registered) the blob `sha256` under `name`. */
export interface ArtifactsTable {
  id: Generated<number>;
  sha256: string;
  size: number;
  uri: string;
  kind: 'file' | 'dir';
  media_type: string | null;
  run_id: string | null;
  node_id: string | null;
  name: string | null;
  created_at: EpochMs;
}

/** A run or node used (`input`) or made (`output`) a dataset, an artifact or another run's result. */
export interface LineageEdgesTable {
  id: Generated<number>;
  run_id: string;
  node_id: string | null;
  relation: 'input' | 'output';
  kind: 'dataset' | 'artifact' | 'run';
  /** Dataset hash, artifact sha256 or run id. */
  ref: string;
  name: string | null;
  /** The URI the ref was read from or written to, as used at that moment. */
  uri: string | null;
  created_at: EpochMs;
}

/** A named mutex and the run holding it. */
export interface MutexesTable {
  name: string;
  holder_run_id: string;
  acquired_at: EpochMs;
}

/** The durable local event bus: `id` is the offset consumers ack. */
export interface EventsTable {
  id: Generated<number>;
  topic: string;
  payload: Json<unknown>;
  dedupe_key: string | null;
  created_at: EpochMs;
}

/** The last event id each consumer acked. */
export interface EventConsumersTable {
  consumer: string;
  acked_id: number;
  updated_at: EpochMs;
}

/** A registered model (MLflow RegisteredModel). */
export interface ModelsTable {
  name: string;
  description: string | null;
  tags: Json<Record<string, string>>;
  /** Gates and alias rules (approval, approver-not-author, auto-approve), as the registry defines them. */
  policy: Json<Record<string, unknown>>;
  /** The highest version number handed out; versions are numbered by bumping it in the same transaction. */
  latest_version: Generated<number>;
  created_at: EpochMs;
  updated_at: EpochMs;
  created_by: string | null;
}

/** A numbered version of a model, with everything needed to answer "what made it". */
export interface ModelVersionsTable {
  model_name: string;
  version: number;
  status: 'PENDING_REGISTRATION' | 'READY' | 'FAILED_REGISTRATION';
  status_message: string | null;
  artifact_sha256: string | null;
  artifact_uri: string;
  source_run_id: string | null;
  source_node_id: string | null;
  tracking_run_id: string | null;
  metrics: Json<Record<string, number>>;
  params: Json<Record<string, unknown>>;
  tags: Json<Record<string, string>>;
  description: string | null;
  lineage: Json<Record<string, unknown>>;
  gate_results: Json<unknown> | null;
  idempotency_key: string | null;
  created_at: EpochMs;
  updated_at: EpochMs;
  created_by: string | null;
  /** The legacy MLflow stage a version was moved to without an alias (`Archived`); null otherwise. */
  stage: string | null;
}

/** A movable name on a version. */
export interface ModelAliasesTable {
  model_name: string;
  alias: string;
  version: number;
  updated_at: EpochMs;
  updated_by: string | null;
}

/** Audit trail of every alias move; kept even when the model is deleted. */
export interface AliasEventsTable {
  id: Generated<number>;
  model_name: string;
  alias: string;
  action: 'set' | 'delete' | 'rollback';
  from_version: number | null;
  to_version: number | null;
  actor: string;
  reason: string | null;
  gate_results: Json<unknown> | null;
  approval_id: number | null;
  run_id: string | null;
  idempotency_key: string | null;
  created_at: EpochMs;
}

/** A request to move an alias to a version, and its decision. */
export interface ApprovalsTable {
  id: Generated<number>;
  model_name: string;
  version: number;
  alias: string;
  status: 'pending' | 'approved' | 'rejected';
  /** `auto` when the workspace's auto-approve setting decided, so it shows as such everywhere. */
  method: 'manual' | 'auto' | null;
  requested_by: string | null;
  requested_at: EpochMs;
  run_id: string | null;
  decided_by: string | null;
  decided_at: EpochMs | null;
  reason: string | null;
}

/** Audit trail of every registry change that is not an alias move (rename, delete, tags, policy, …). */
export interface RegistryEventsTable {
  id: Generated<number>;
  model_name: string;
  version: number | null;
  action: string;
  actor: string;
  reason: string | null;
  detail: Json<Record<string, unknown>> | null;
  created_at: EpochMs;
}

/** MLflow tracking experiment. */
export interface ExperimentsTable {
  id: Generated<number>;
  name: string;
  artifact_location: string | null;
  lifecycle_stage: 'active' | 'deleted';
  tags: Json<Record<string, string>>;
  created_at: EpochMs;
  updated_at: EpochMs;
}

/** MLflow tracking run (kept apart from pipeline runs; `pipeline_run_id` links the two). */
export interface TrackingRunsTable {
  id: string;
  experiment_id: number;
  name: string | null;
  user_id: string | null;
  status: 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
  start_time: EpochMs;
  end_time: EpochMs | null;
  artifact_uri: string | null;
  lifecycle_stage: 'active' | 'deleted';
  pipeline_run_id: string | null;
}

/** MLflow run parameter (write-once). */
export interface TrackingParamsTable {
  run_id: string;
  key: string;
  value: string;
}

/** MLflow metric point (append-only history). */
export interface TrackingMetricsTable {
  id: Generated<number>;
  run_id: string;
  key: string;
  value: number;
  timestamp: EpochMs;
  step: number;
}

/** MLflow run tag (overwritable). */
export interface TrackingTagsTable {
  run_id: string;
  key: string;
  value: string;
}

/** A webhook signature already accepted, kept until a replay of it would be stale anyway. */
export interface WebhookSignaturesTable {
  /** sha256 (hex) of the signature, so the table never holds a usable credential. */
  digest: string;
  /** When the request's timestamp leaves the acceptance window; the row may then be pruned. */
  expires_at: EpochMs;
  created_at: EpochMs;
}

/** A cron schedule that submits pipeline runs (migration `0003-schedules`; Argo CronWorkflow). */
export interface SchedulesTable {
  name: string;
  pipeline: string;
  /** Five-field cron expression (or `@daily` and the like). */
  cron: string;
  /** IANA time zone the cron expression is read in. */
  timezone: string;
  parameters: Json<Record<string, unknown>>;
  concurrency_policy: 'Allow' | 'Forbid' | 'Replace';
  starting_deadline_seconds: number;
  catch_up: 'none' | 'latest' | 'all';
  catch_up_cap: number;
  successful_history_limit: number;
  failed_history_limit: number;
  /** 1 when suspended (no new ticks), else 0. */
  suspended: number;
  description: string | null;
  /** Every tick at or before this time has been decided (or deliberately passed over on resume). */
  cursor_at: EpochMs;
  /** The cron time of the newest tick that submitted a run (Argo `lastScheduledTime`). */
  last_scheduled_at: EpochMs | null;
  created_at: EpochMs;
  updated_at: EpochMs;
}

/**
 * What a trigger decided and why: one row per schedule tick, `run now`, or event a sensor evaluated
 * (migration `0003-schedules`). A row with a run outcome and no `completed_at` is a plan that was
 * recorded but not yet carried out; it is replayed (with its idempotency key) after a crash.
 */
export interface TriggerDecisionsTable {
  id: Generated<number>;
  trigger_kind: 'schedule' | 'sensor';
  trigger_name: string;
  /** Unique per trigger: the event id, `tick:<epoch ms>`, `manual:<request id>`. */
  decision_key: string;
  event_id: string | null;
  topic: string | null;
  /** The cron time a schedule decision is about. */
  scheduled_at: EpochMs | null;
  outcome:
    | 'fired'
    | 'replaced'
    | 'caught-up'
    | 'manual'
    | 'skipped-forbid'
    | 'skipped-catch-up'
    | 'missed-deadline'
    | 'filtered'
    | 'rate-limited'
    | 'deduplicated'
    | 'suppressed'
    | 'forbidden'
    | 'failed';
  reason: string;
  pipeline: string;
  /** The run request (parameters, labels, trigger, idempotency key) of a decision that starts a run. */
  request: Json<Record<string, unknown>> | null;
  run_id: string | null;
  /** Runs stopped before submitting (concurrency policy Replace). */
  stopped_run_ids: Json<string[]> | null;
  dedupe_key: string | null;
  rate_key: string | null;
  created_at: EpochMs;
  completed_at: EpochMs | null;
}

/** The online store's histories: one row per feature version, customer and distinct book. */
export interface OnlineHistoriesTable {
  view: string;
  version: string;
  customer: string;
  book: string;
  /** Newest purchase of the book by the customer. */
  time: EpochMs;
}

/** A materialised feature version of the online store (written last, so listed only when whole). */
export interface OnlineFeatureVersionsTable {
  view: string;
  version: string;
  /** The dataset hash the histories were built from. */
  source: string;
  customers: number;
  entries: number;
  created_at: EpochMs;
}
