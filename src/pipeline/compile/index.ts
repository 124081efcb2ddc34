/**
 * The Argo compiler: a validated `PipelineSpec` → WorkflowTemplate / CronWorkflow, linted and checked against
 * the Pod Security `restricted` profile; plus the decompiler the parity test reads them back with.
 *
 * @example
 * import { compileToArgo, toYaml } from '../pipeline/compile/index.js';
 * console.log(await toYaml(compileToArgo(recommender.spec, { image: 'registry.example.com/bookml:0.1.0' })));
 */

export type { DagShape, ParamShape, TaskShape } from '../plan/dag-shape.js';
export { shapeOfPlan } from '../plan/dag-shape.js';
export type { ArgoCronWorkflow, CronWorkflowOptions } from './cron-workflow.js';
export { compileCronWorkflow } from './cron-workflow.js';
export type { ArgoVersion } from './dialect.js';
export { ARGO_VERSIONS, toArgoDialect } from './dialect.js';
export { inspectWorkflowTemplate } from './inspect.js';
export { lintWorkflowTemplate } from './lint.js';
export type { ArgoCompileOptions } from './options.js';
export { ARGO_DEFAULTS } from './options.js';
export {
  checkRestricted,
  containerSecurityContext,
  podSecurityContext,
  RESTRICTED_UID,
  TMP_DIR,
  tmpVolume,
  tmpVolumeMount,
} from './security-context.js';
export type { ArgoWorkflowTemplate } from './workflow-template.js';
export { compileToArgo } from './workflow-template.js';
export { toYaml } from './yaml.js';
