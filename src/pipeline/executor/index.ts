/**
 * The local executor: runs pipeline runs to a terminal phase, each step in its own process, recording every
 * phase change in the metadata store (see ARCHITECTURE.md); run operations (submit, retry, stop, delete),
 * views, logs, lineage and cache explanations; and the local plan both the executor and the compiler walk.
 *
 * @example
 * import { Engine, submitRun } from '../pipeline/executor/index.js';
 * const engine = new Engine({ db, artifacts, workspace, catalog, catalogUrl, runtimeUrl });
 * await engine.start();
 * const run = await submitRun(db, catalog, { pipeline: 'recommender' });
 * await engine.waitForRun(run.id);
 */

export type { NodePhase } from '../../core/index.js';
export type { BindingValues, LocalPlan, PlanEdge, PlanTask } from '../plan/local-plan.js';
export {
  explainSkip,
  fanOutItems,
  resolveBinding,
  resolveInputs,
  shouldRun,
  TERMINAL_PHASES,
  taskReadiness,
  toLocalPlan,
} from '../plan/local-plan.js';
export type { PipelineCatalog } from '../runner/catalog.js';
export { catalogFromModule, catalogOf, catalogUrl, loadCatalog } from '../runner/catalog.js';
export type { CacheKeyChange, CacheKeyParts } from './cache-key.js';
export { cacheKeyOf, cacheKeyParts, diffCacheKeyParts, stepCodeHash } from './cache-key.js';
export type { RunControl } from './control.js';
export { CONTROL_TOPIC } from './control.js';
export type { EngineOptions } from './engine.js';
export { Engine } from './engine.js';
export type { ExecutorErrorCode } from './errors.js';
export { EXECUTOR_ERRORS, ExecutorError } from './errors.js';
export type { ExecutorPresence } from './executor-daemon.js';
export { ensureExecutor, executorPresence, isRunStale, liveExecutor } from './executor-daemon.js';
export type { CacheExplanation } from './explain.js';
export { explainNode, renderExplanation } from './explain.js';
export type { ArtifactLineage, LineageArtifact, LineageNode, RunLineage } from './lineage-view.js';
export {
  artifactLineage,
  renderArtifactLineage,
  renderRunLineage,
  runLineage,
} from './lineage-view.js';
export type { ArtifactValue, NodeOutputs } from './node-outputs.js';
export { followRunLogs, readRunLogs } from './run-logs.js';
export type { SubmitOptions } from './run-ops.js';
export {
  deleteRun,
  getRunDetail,
  parseParamFlags,
  requestShutdown,
  resubmitRun,
  retryRun,
  submitRun,
} from './run-ops.js';
export { executorLogPath, logPathOf, runDirOf } from './run-paths.js';
export { NO_CACHE_LABEL } from './run-state.js';
export type { RunView, RunViewNode } from './run-view.js';
export { formatDuration, renderNodeTree, renderRunView, runView } from './run-view.js';
export type { WatchRunOptions } from './run-watch.js';
export { watchRun } from './run-watch.js';
