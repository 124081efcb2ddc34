/**
 * The pipeline SDK: what pipeline and step code imports — typed steps and pipelines, parameters, artifacts,
 * conditions, retry policies, and the ports a step reaches through its context (datasets, artifacts,
 * registry, events). Definitions only: loading it never loads the executor or the Argo compiler, so a step
 * process starts with no more than its step needs. The engine is `pipeline/executor`, the compiler
 * `pipeline/compile`, the step runner `pipeline/runner`. See ARCHITECTURE.md.
 *
 * @example
 * import { definePipeline, defineStep, param } from '../pipeline/index.js';
 * const hello = defineStep({ name: 'hello', version: '1', pure: true, retrySafe: true, timeoutSeconds: 60,
 *   inputs: { params: { who: param.string() } }, run: async (ctx, { who }) => { ctx.log.info(`hello ${who}`); return {}; } });
 * export const helloPipeline = definePipeline({ name: 'hello', params: { who: param.string({ default: 'world' }) },
 *   build: (p, b) => { b.task('hello', hello, { who: p.who }); } });
 */

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
export { ArtifactOutputRef, formatBinding, Ref, ref } from './definition/ref.js';
export type { Backoff, FailureKind, RetryOn, RetryPolicy } from './definition/retry-policy.js';
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
export type {
  StepArtifacts,
  StepCodeVersion,
  StepCustomerHistory,
  StepDataset,
  StepDatasetSource,
  StepDatasets,
  StepEvents,
  StepOnline,
  StepPromotion,
  StepRegisterVersion,
  StepRegistry,
  StepRuntime,
  StepServices,
  StoredArtifact,
} from './definition/step-services.js';
export { FanOutHandle, TaskHandle, TaskOptionsHandle } from './definition/task-handle.js';
export { MAX_FAN_OUT_ITEMS, validatePipelineSpec } from './definition/validate.js';
export type { CompareOp, WhenExpr } from './definition/when.js';
export { and, eq, evaluateWhen, formatWhen, ge, gt, le, lt, ne, not, or } from './definition/when.js';
export type { PipelineErrorCode, PipelineErrorOptions } from './errors.js';
export { PIPELINE_ERRORS, PipelineError } from './errors.js';
export type { DatasetReport } from './runner/step-lineage.js';
export { reportDataset } from './runner/step-lineage.js';
