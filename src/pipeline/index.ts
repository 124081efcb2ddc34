/**
 * Pipelines: typed DAGs defined in TypeScript, validated into one JSON IR (`PipelineSpec`) that the local
 * executor walks (`toLocalPlan`) and the compiler turns into an Argo WorkflowTemplate (`compileToArgo`).
 * See ARCHITECTURE.md.
 *
 * @example
 * import { definePipeline, defineStep, param, compileToArgo, toYaml } from '../pipeline/index.js';
 * const hello = defineStep({ name: 'hello', version: '1', pure: true, retrySafe: true, timeoutSeconds: 60,
 *   inputs: { params: { who: param.string() } }, run: async (_ctx, { who }) => ({}) });
 * const p = definePipeline({ name: 'hello', params: { who: param.string({ default: 'world' }) }, build: (p, b) => { b.task('hello', hello, { who: p.who }); } });
 * console.log(await toYaml(compileToArgo(p.spec, { image: 'bookml:0.1.0' })));
 */

export type { ArgoCronWorkflow, CronWorkflowOptions } from './compile/cron-workflow.js';
export { compileCronWorkflow } from './compile/cron-workflow.js';
export { inspectWorkflowTemplate } from './compile/inspect.js';
export { lintWorkflowTemplate } from './compile/lint.js';
export type { ArgoCompileOptions } from './compile/options.js';
export { ARGO_DEFAULTS } from './compile/options.js';
export { checkRestricted, RESTRICTED_UID } from './compile/security-context.js';
export type { ArgoWorkflowTemplate } from './compile/workflow-template.js';
export { compileToArgo } from './compile/workflow-template.js';
export { toYaml } from './compile/yaml.js';
export type { ArtifactSpec } from './definition/artifact.js';
export { artifact } from './definition/artifact.js';
export type {
  FanOutOutputs,
  FanOutSource,
  ItemRefs,
  ParamRefs,
  Pipeline,
  PipelineOptions,
  RunRefs,
  TaskInputs,
  TaskOutputs,
} from './definition/builder.js';
export { definePipeline, PipelineBuilder } from './definition/builder.js';
export type {
  BooleanParamSpec,
  EnumParamSpec,
  ListParamSpec,
  NumberParamSpec,
  ParamSpec,
  RecordParamSpec,
  ScalarParamSpec,
  StringParamSpec,
  ValueOf,
  ValueSpec,
} from './definition/param.js';
export {
  decodeParamValue,
  encodeParamValue,
  param,
  typeLabel,
  validateParamValue,
} from './definition/param.js';
export type { Bindable, Binding, RunField } from './definition/ref.js';
export { ArtifactRef, formatBinding, Ref, ref } from './definition/ref.js';
export type { AttemptOutcome, Backoff, RetryOn, RetryPolicy } from './definition/retry-policy.js';
export {
  checkRetryPolicy,
  MAX_RETRY_LIMIT,
  NO_RETRY,
  nextRetryDelaySeconds,
} from './definition/retry-policy.js';
export { resolveParams } from './definition/run-params.js';
export type {
  FanOutSpec,
  PipelineDraft,
  PipelineSpec,
  TaskDraft,
  TaskOptions,
  TaskSpec,
  TaskVisit,
} from './definition/spec.js';
export { SPEC_VERSION, walkPipeline } from './definition/spec.js';
export type {
  ArtifactsOf,
  ParamsOf,
  Step,
  StepContext,
  StepIO,
  StepLog,
  StepOptions,
  StepSpec,
  StepValues,
} from './definition/step.js';
export { defineStep, MAX_TIMEOUT_SECONDS, stepSource } from './definition/step.js';
export type { StepInvocation } from './definition/step-io.js';
export {
  decodeTaskInputs,
  encodeStepOutputs,
  formatStepArgs,
  parseStepArgs,
  STEP_EXIT_CODES,
} from './definition/step-io.js';
export { FanOutHandle, TaskHandle, TaskOptionsHandle } from './definition/task-handle.js';
export { MAX_FAN_OUT_ITEMS, validatePipelineSpec } from './definition/validate.js';
export type { CompareOp, WhenExpr } from './definition/when.js';
export { and, eq, evaluateWhen, formatWhen, ge, gt, le, lt, ne, not, or } from './definition/when.js';
export type { PipelineErrorCode, PipelineErrorOptions } from './errors.js';
export { PipelineError, PipelineErrorCodes } from './errors.js';
// ——— the local executor (src/pipeline/executor; see executor/ARCHITECTURE.md) ———
export type { CacheKeyChange, CacheKeyParts } from './executor/cache-key.js';
export { cacheKeyOf, cacheKeyParts, diffCacheKeyParts, stepCodeHash } from './executor/cache-key.js';
export type { PipelineCatalog } from './executor/catalog.js';
export { catalogFromModule, catalogOf, catalogUrl, loadCatalog } from './executor/catalog.js';
export type { RunControl } from './executor/control.js';
export { CONTROL_TOPIC } from './executor/control.js';
export type { EngineOptions } from './executor/engine.js';
export { Engine } from './executor/engine.js';
export type { ExecutorErrorCode } from './executor/errors.js';
export { EXECUTOR_ERRORS, ExecutorError } from './executor/errors.js';
export type { ExecutorPresence } from './executor/executor-daemon.js';
export { ensureExecutor, executorPresence, isRunStale, liveExecutor } from './executor/executor-daemon.js';
export type { CacheExplanation } from './executor/explain.js';
export { explainNode, renderExplanation } from './executor/explain.js';
export type { ArtifactLineage, LineageArtifact, LineageNode, RunLineage } from './executor/lineage-view.js';
export {
  artifactLineage,
  renderArtifactLineage,
  renderRunLineage,
  runLineage,
} from './executor/lineage-view.js';
export type { ArtifactValue, NodeOutputs } from './executor/node-outputs.js';
export { followRunLogs, readRunLogs } from './executor/run-logs.js';
export type { SubmitOptions } from './executor/run-ops.js';
export {
  deleteRun,
  getRunDetail,
  parseParamFlags,
  requestShutdown,
  resubmitRun,
  retryRun,
  submitRun,
} from './executor/run-ops.js';
export { executorLogPath, logPathOf, runDirOf } from './executor/run-paths.js';
export { NO_CACHE_LABEL } from './executor/run-state.js';
export type { RunView, RunViewNode } from './executor/run-view.js';
export { formatDuration, renderNodeTree, renderRunView, runView } from './executor/run-view.js';
export type { WatchRunOptions } from './executor/run-watch.js';
export { watchRun } from './executor/run-watch.js';
export type { DatasetReport } from './executor/step-lineage.js';
export { reportDataset } from './executor/step-lineage.js';
export type { StepRunOptions } from './executor/step-runner.js';
export { runStepInvocation } from './executor/step-runner.js';
export type { DagShape, ParamShape, TaskShape } from './plan/dag-shape.js';
export { shapeOfPlan } from './plan/dag-shape.js';
export type { BindingValues, LocalPlan, NodePhase, PlanEdge, PlanTask } from './plan/local-plan.js';
export {
  fanOutItems,
  resolveBinding,
  resolveInputs,
  shouldRun,
  TERMINAL_PHASES,
  taskReadiness,
  toLocalPlan,
} from './plan/local-plan.js';
