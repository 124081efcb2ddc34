import type { Selectable } from 'kysely';
import { fromJson } from '../store/index.js';
import { parsePolicy } from './policy.js';
import type {
  AliasEventsRow,
  ApprovalsRow,
  ModelsRow,
  ModelVersionsRow,
  RegistryEventsRow,
} from './row-types.js';
import type {
  AliasEvent,
  ApprovalRecord,
  GateEvaluation,
  ModelRecord,
  RegistryAction,
  RegistryEvent,
  VersionLineage,
  VersionRecord,
} from './types.js';

/** A `models` row and its aliases as a {@link ModelRecord}. */
export function toModel(row: Selectable<ModelsRow>, aliases: Record<string, number>): ModelRecord {
  return {
    name: row.name,
    description: row.description,
    tags: fromJson(row.tags) as Record<string, string>,
    policy: parsePolicy(fromJson(row.policy)),
    latestVersion: Number(row.latest_version),
    aliases,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    createdBy: row.created_by,
  };
}

/** A `model_versions` row and the aliases on it as a {@link VersionRecord}. */
export function toVersion(row: Selectable<ModelVersionsRow>, aliases: string[]): VersionRecord {
  return {
    model: row.model_name,
    version: Number(row.version),
    status: row.status,
    statusMessage: row.status_message,
    artifactUri: row.artifact_uri,
    artifactHash: row.artifact_sha256,
    sourceRun: row.source_run_id,
    sourceNode: row.source_node_id,
    trackingRun: row.tracking_run_id,
    metrics: fromJson(row.metrics) as Record<string, number>,
    params: fromJson(row.params) as Record<string, unknown>,
    tags: fromJson(row.tags) as Record<string, string>,
    description: row.description,
    lineage: fromJson(row.lineage) as VersionLineage,
    gates: (fromJson(row.gate_results) ?? {}) as Record<string, GateEvaluation>,
    aliases: [...aliases].sort(),
    stage: row.stage === 'Archived' ? 'Archived' : null,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    createdBy: row.created_by,
  };
}

/** An `alias_events` row as an {@link AliasEvent}. */
export function toAliasEvent(row: Selectable<AliasEventsRow>): AliasEvent {
  return {
    id: Number(row.id),
    model: row.model_name,
    alias: row.alias,
    action: row.action,
    fromVersion: row.from_version === null ? null : Number(row.from_version),
    toVersion: row.to_version === null ? null : Number(row.to_version),
    actor: row.actor,
    reason: row.reason,
    gates: fromJson(row.gate_results) as GateEvaluation | null,
    approvalId: row.approval_id === null ? null : Number(row.approval_id),
    runId: row.run_id,
    at: Number(row.created_at),
  };
}

/** An `approvals` row as an {@link ApprovalRecord}. */
export function toApproval(row: Selectable<ApprovalsRow>): ApprovalRecord {
  return {
    id: Number(row.id),
    model: row.model_name,
    version: Number(row.version),
    alias: row.alias,
    status: row.status,
    method: row.method,
    requestedBy: row.requested_by,
    requestedAt: Number(row.requested_at),
    runId: row.run_id,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at === null ? null : Number(row.decided_at),
    reason: row.reason,
  };
}

/** A `registry_events` row as a {@link RegistryEvent}. */
export function toRegistryEvent(row: Selectable<RegistryEventsRow>): RegistryEvent {
  return {
    id: Number(row.id),
    model: row.model_name,
    version: row.version === null ? null : Number(row.version),
    action: row.action as RegistryAction,
    actor: row.actor,
    reason: row.reason,
    detail: (fromJson(row.detail) as Record<string, unknown> | null) ?? null,
    at: Number(row.created_at),
  };
}
