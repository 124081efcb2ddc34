import type { GateName, ModelPolicy } from './policy.js';

/**
 * Roles a caller can hold, each including the ones before it: `viewer` reads, `operator` submits runs
 * and moves aliases that need no approval (staging), `approver` approves production moves.
 */
export const ROLES = ['viewer', 'operator', 'approver'] as const;
/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** Who is acting: an identity and its roles (from an API token, or the local user on the CLI). */
export interface Actor {
  readonly id: string;
  readonly roles: readonly Role[];
}

/** True when `actor` holds `role` or a role above it. */
export function hasRole(actor: Actor, role: Role): boolean {
  const need = ROLES.indexOf(role);
  return actor.roles.some((r) => ROLES.indexOf(r) >= need);
}

/** The dataset's validation report, as much of it as the registry keeps (a `DataReport` fits). */
export interface ValidationSummary {
  pass: boolean;
  checks?: { name: string; value: number; op: string; threshold: number; pass: boolean }[];
  [key: string]: unknown;
}

/** What made a version: the dataset and the code. */
export interface VersionLineage {
  dataset?: { uri: string; hash: string; validation?: ValidationSummary | undefined } | undefined;
  codeVersion?: { version?: string; gitSha?: string | null; [key: string]: unknown } | undefined;
  /** How the metrics were computed (split rule, k, …), so a re-evaluation can use the same split. */
  evaluation?: Record<string, unknown> | undefined;
  /** The search that chose the parameters (space, trials on validation, choice), when one ran. */
  tuning?: Record<string, unknown> | undefined;
  /** The online features materialised with the version: feature view and version, store, counts. */
  online?: Record<string, unknown> | undefined;
}

/** A registered model. */
export interface ModelRecord {
  name: string;
  description: string | null;
  tags: Record<string, string>;
  policy: ModelPolicy;
  latestVersion: number;
  /** Alias → version. */
  aliases: Record<string, number>;
  createdAt: number;
  updatedAt: number;
  createdBy: string | null;
}

/** One gate's outcome. `value` and `threshold` are the numbers compared with `op`. */
export interface GateResult {
  gate: GateName;
  passed: boolean;
  value: number | null;
  op: '>=' | '<=';
  threshold: number | null;
  /** One line a human reads: what was compared, and why it passed or failed. */
  detail: string;
  /**
   * Where the value came from: `measured` by bookml for this check (a latency benchmark, production
   * re-evaluated on the candidate's split), `recorded` with the version by its registration (its
   * evaluation metrics, its dataset's validation report), or `caller-supplied` evidence a caller
   * sent that bookml cannot verify (a `latency_p99_ms` metric) — never enough for a protected alias.
   * Absent on results stored before bookml recorded it.
   */
  evidence?: 'measured' | 'recorded' | 'caller-supplied';
  /**
   * The result is shown and stored but does not decide the move (the fairness gate until its policy
   * sets `enforce: true`). Absent means the gate decides.
   */
  advisory?: boolean;
}

/** All gates an alias required, run once against one candidate. */
export interface GateEvaluation {
  alias: string;
  passed: boolean;
  evaluatedAt: number;
  evaluatedBy: string;
  /** The production version the no-regression gate compared against, if any. */
  productionVersion: number | null;
  results: GateResult[];
}

/** A numbered version of a model and everything needed to say what made it. */
export interface VersionRecord {
  model: string;
  version: number;
  status: 'PENDING_REGISTRATION' | 'READY' | 'FAILED_REGISTRATION';
  statusMessage: string | null;
  artifactUri: string;
  artifactHash: string | null;
  /** The pipeline run and node that produced it. */
  sourceRun: string | null;
  sourceNode: string | null;
  /** The MLflow-compatible tracking run, when registered through the MLflow API. */
  trackingRun: string | null;
  metrics: Record<string, number>;
  params: Record<string, unknown>;
  tags: Record<string, string>;
  description: string | null;
  lineage: VersionLineage;
  /** The latest gate evaluation per alias. */
  gates: Record<string, GateEvaluation>;
  /** Aliases pointing at it now. */
  aliases: string[];
  /** The legacy MLflow stage it was moved to without an alias (`Archived`), else null. */
  stage: 'Archived' | null;
  createdAt: number;
  updatedAt: number;
  createdBy: string | null;
}

/** One alias move in the audit trail. */
export interface AliasEvent {
  id: number;
  model: string;
  alias: string;
  action: 'set' | 'delete' | 'rollback';
  fromVersion: number | null;
  toVersion: number | null;
  actor: string;
  reason: string | null;
  gates: GateEvaluation | null;
  approvalId: number | null;
  runId: string | null;
  at: number;
}

/** A request to move an alias that needs an approval, and its decision. */
export interface ApprovalRecord {
  id: number;
  model: string;
  version: number;
  alias: string;
  status: 'pending' | 'approved' | 'rejected';
  /** `auto`: granted by the policy's auto-approve setting (local demo), not by a person. */
  method: 'manual' | 'auto' | null;
  requestedBy: string | null;
  requestedAt: number;
  runId: string | null;
  decidedBy: string | null;
  decidedAt: number | null;
  reason: string | null;
}

/** What a {@link RegistryEvent} records: every registry change that is not an alias move. */
export type RegistryAction =
  | 'create-model'
  | 'update-model'
  | 'rename-model'
  | 'delete-model'
  | 'set-model-tag'
  | 'delete-model-tag'
  | 'set-policy'
  | 'register-version'
  | 'update-version'
  | 'set-version-tag'
  | 'delete-version-tag'
  | 'delete-version'
  | 'set-stage';

/**
 * One registry change in the audit trail (alias moves have their own, {@link AliasEvent}). `model`
 * is the model's name after the change (a rename's new name); `detail` holds what changed.
 */
export interface RegistryEvent {
  id: number;
  model: string;
  version: number | null;
  action: RegistryAction;
  actor: string;
  reason: string | null;
  detail: Record<string, unknown> | null;
  at: number;
}
