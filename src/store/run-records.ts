import type { Selectable } from 'kysely';
import type { AttemptPhase, NodePhase, RunPhase } from '../core/index.js';
import { fromJson } from './json-column.js';
import type { AttemptsTable, ExecutorsTable, NodesTable, RunsTable } from './tables.js';

/** A run as stored. Absent values are `null`; times are epoch ms. */
export interface RunRecord {
  id: string;
  pipeline: string;
  phase: RunPhase;
  parameters: Record<string, unknown>;
  labels: Record<string, string>;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  parentRunId: string | null;
  retryOf: string | null;
  resubmitOf: string | null;
  mutex: string | null;
  message: string | null;
  codeVersion: Record<string, unknown> | null;
  submittedBy: string | null;
  idempotencyKey: string | null;
}

/** Names a node: the run it belongs to and its id in that run. */
export interface NodeKey {
  runId: string;
  nodeId: string;
}

/** Names one attempt of a node (numbered from 1). */
export interface AttemptKey extends NodeKey {
  attempt: number;
}

/** A node as stored. */
export interface NodeRecord extends NodeKey {
  task: string;
  parentNodeId: string | null;
  phase: NodePhase;
  inputs: Record<string, unknown> | null;
  outputs: Record<string, unknown> | null;
  cacheKey: string | null;
  cacheKeyParts: Record<string, unknown> | null;
  /** For a Cached node: the Succeeded node whose outputs it reuses. */
  cachedFrom: NodeKey | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  message: string | null;
}

/** An attempt as stored. */
export interface AttemptRecord extends AttemptKey {
  phase: AttemptPhase;
  pid: number | null;
  executorGeneration: number | null;
  startedAt: number;
  heartbeatAt: number;
  finishedAt: number | null;
  exitCode: number | null;
  signal: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/** A node with its attempts, oldest first. */
export interface NodeDetail extends NodeRecord {
  attempts: AttemptRecord[];
}

/** A run with its nodes (in creation order) and their attempts. */
export interface RunDetail extends RunRecord {
  nodes: NodeDetail[];
}

/** One start of a pipeline executor. */
export interface ExecutorRecord {
  generation: number;
  pid: number;
  hostname: string;
  startedAt: number;
  heartbeatAt: number;
  stoppedAt: number | null;
}

export function toRunRecord(r: Selectable<RunsTable>): RunRecord {
  return {
    id: r.id,
    pipeline: r.pipeline,
    phase: r.phase,
    parameters: fromJson(r.parameters),
    labels: fromJson(r.labels),
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    parentRunId: r.parent_run_id,
    retryOf: r.retry_of,
    resubmitOf: r.resubmit_of,
    mutex: r.mutex,
    message: r.message,
    codeVersion: fromJson(r.code_version),
    submittedBy: r.submitted_by,
    idempotencyKey: r.idempotency_key,
  };
}

export function toNodeRecord(r: Selectable<NodesTable>): NodeRecord {
  return {
    runId: r.run_id,
    nodeId: r.node_id,
    task: r.task,
    parentNodeId: r.parent_node_id,
    phase: r.phase,
    inputs: fromJson(r.inputs),
    outputs: fromJson(r.outputs),
    cacheKey: r.cache_key,
    cacheKeyParts: fromJson(r.cache_key_parts),
    cachedFrom:
      r.cached_from_run_id !== null && r.cached_from_node_id !== null
        ? { runId: r.cached_from_run_id, nodeId: r.cached_from_node_id }
        : null,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    message: r.message,
  };
}

export function toAttemptRecord(r: Selectable<AttemptsTable>): AttemptRecord {
  return {
    runId: r.run_id,
    nodeId: r.node_id,
    attempt: r.attempt,
    phase: r.phase,
    pid: r.pid,
    executorGeneration: r.executor_generation,
    startedAt: r.started_at,
    heartbeatAt: r.heartbeat_at,
    finishedAt: r.finished_at,
    exitCode: r.exit_code,
    signal: r.signal,
    errorCode: r.error_code,
    errorMessage: r.error_message,
  };
}

export function toExecutorRecord(r: Selectable<ExecutorsTable>): ExecutorRecord {
  return {
    generation: r.generation,
    pid: r.pid,
    hostname: r.hostname,
    startedAt: r.started_at,
    heartbeatAt: r.heartbeat_at,
    stoppedAt: r.stopped_at,
  };
}
