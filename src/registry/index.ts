/**
 * The model registry: models, numbered versions (artifact URI + sha256, source run/node, metrics,
 * params, tags, description, lineage), aliases that move atomically through gates and approvals, an
 * audit trail of every move, rollback, side-by-side compare, and the MLflow-compatible tracking
 * store (experiments, runs, params, metrics, tags) the API's `/api/2.0/mlflow` routes serve.
 *
 * Promotion rules (a policy stored with each model; {@link DEFAULT_POLICY} when not set):
 * - `promote(model, v, alias, {actor, runId, evidence})` runs the alias's gates (metric threshold,
 *   beat most-popular, no regression vs production re-evaluated via `evidence.evaluateOnCandidateSplit`,
 *   data quality from the lineage's validation report, latency via `evidence.benchmarkLatency`,
 *   coverage, fairness of exposure — long-tail share and Gini by book, author, genre — recorded or via
 *   `evidence.measureExposure`), stores the results on the version, and then: moves the alias (`staging`), or records a
 *   pending approval (`production`), or moves it at once when the policy's `autoApprove` (local demo)
 *   is on — shown as `method: 'auto'` on the approval. A failed gate throws `REGISTRY_GATE_FAILED`
 *   naming gate and numbers, and nothing moves. Same run + version again → `status: 'already-done'`.
 * - `approve(model, v, {actor, reason})` needs the approver role (and, per alias rule, that the
 *   approver did not author the run), then moves the alias recording who and when.
 * - `rollback(model, {actor})` moves `production` back to the version it served before.
 * - Every other change (create, rename, delete, tags, descriptions, policy, stage) checks the actor
 *   through the same guards — taking a protected alias away (`production`, or one whose rule needs
 *   an approval) needs the approver role — and lands in `changes()`, the registry's audit trail.
 * - Gate evidence is bookml's own (its benchmark, its re-evaluation) or the version's recorded
 *   evaluation; a `latency_p99_ms` a caller sent is marked caller-supplied and never moves production.
 * Serving follows `resolveAlias(model, 'production')`, so a crash between a move and a reload
 * converges on the next reconcile; on PostgreSQL every alias change also notifies at commit
 * (`watchAlias`, LISTEN/NOTIFY), so replicas reload at once instead of at their next poll.
 *
 * @example
 * import { Registry } from '../registry/index.js';
 * const registry = new Registry(mdb);   // mdb: MetadataDb (or a transaction handle) from store
 * const v = await registry.registerVersion({ model: 'recommender', artifactUri, artifactHash, sourceRun, sourceNode: 'register',
 *   metrics: flatMetrics(report), params, lineage: { dataset: { uri, hash, validation: dataReport }, codeVersion: codeVersion() } });
 * const out = await registry.promote('recommender', v.version, 'staging', { actor: { id: 'pipeline', roles: ['operator'] }, runId, evidence });
 * const serving = await registry.resolveAlias('recommender', 'production');
 */

export { productionStack } from './alias-history.js';
export type { RegistryErrorCode } from './errors.js';
export { REGISTRY_ERRORS, RegistryError } from './errors.js';
export type { GateEvidence, GateRun, MeasuredExposure } from './gates.js';
export { describeFailures, runGates } from './gates.js';
export { checkAlias, checkModelName, checkVersion, parseModelRef } from './names.js';
export type { AliasRule, GateName, ModelPolicy, ModelPolicyInput } from './policy.js';
export {
  aliasRule,
  DEFAULT_POLICY,
  FAIRNESS_DEFAULTS,
  GATE_NAMES,
  gatesFor,
  isProtectedAlias,
  parsePolicy,
} from './policy.js';
export type { ApproveOptions, PromoteOptions, PromotionOutcome } from './promotion.js';
export { AUTO_APPROVER, Registry } from './promotion.js';
export type { NewVersion } from './register-version.js';
export { ModelCatalog } from './registry.js';
export type { ChangeFilter } from './registry-events.js';
export type {
  ExperimentRecord,
  MetricPoint,
  NewTrackingRun,
  RunSearch,
  TrackingRunRecord,
  TrackingRunUpdate,
} from './tracking-rows.js';
export { TrackingStore } from './tracking-store.js';
export type {
  Actor,
  AliasEvent,
  ApprovalRecord,
  GateEvaluation,
  GateResult,
  ModelRecord,
  RegistryAction,
  RegistryEvent,
  Role,
  ValidationSummary,
  VersionLineage,
  VersionRecord,
} from './types.js';
export { hasRole, ROLES } from './types.js';
export type { ComparisonRow, FairnessView, LineageView, VersionComparison } from './views.js';
export { compareVersions, lineageOf } from './views.js';
