import { type PipelineSpec, walkPipeline } from '../definition/spec.js';
import { validatePipelineSpec } from '../definition/validate.js';
import { PipelineError } from '../errors.js';
import { type ArgoTemplate, containerTemplate, WORKSPACE_VOLUME_NAME } from './container.js';
import { DAG_TEMPLATE, dagTemplate } from './dag.js';
import { lintWorkflowTemplate } from './lint.js';
import { type ArgoCompileOptions, resolveArgoOptions } from './options.js';
import { workflowParameters } from './parameters.js';
import { checkRestricted, executorPodSpecPatch, podSecurityContext, tmpVolume } from './security-context.js';

/** `apiVersion` of every Argo kind bookml emits. */
export const ARGO_API_VERSION = 'argoproj.io/v1alpha1';

/** A compiled WorkflowTemplate: a plain object, ready for `toYaml`. */
export interface ArgoWorkflowTemplate {
  apiVersion: typeof ARGO_API_VERSION;
  kind: 'WorkflowTemplate';
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: Record<string, unknown> & { templates: ArgoTemplate[] };
}

/** Tasks that can end Skipped or Omitted for a reason other than a failure: conditional ones and their descendants. */
function skippableTasks(spec: PipelineSpec): Set<string> {
  const out = new Set<string>();
  for (const t of spec.tasks) {
    const emptyable = t.fanOut !== undefined && t.fanOut.source !== 'items';
    if (t.when !== undefined || emptyable || t.dependsOn.some((d) => out.has(d))) out.add(t.id);
  }
  return out;
}

/**
 * Compile a pipeline to an Argo WorkflowTemplate (spec/argo.md): a DAG with `depends`/`when`/fan-out, one
 * PSA-restricted container template per task running `bookml step <task>`, retries, deadlines, mutexes and
 * the exit handler. The result passes the compiler's own checks (§18 and PSA) or this throws
 * `PIPELINE_INVALID_MANIFEST`; anything without a faithful Argo form throws `PIPELINE_UNSUPPORTED_ON_TARGET`
 * naming the task and field.
 *
 * @example
 * const wt = compileToArgo(pipeline.spec, { image: 'registry.example.com/bookml:0.1.0' });
 * await writeFile('recommender.yaml', await toYaml(wt));
 */
export function compileToArgo(spec: PipelineSpec, options: ArgoCompileOptions): ArgoWorkflowTemplate {
  const checked = validatePipelineSpec(spec);
  const o = resolveArgoOptions(options);
  for (const k of Object.keys(o.env)) {
    const readers = Object.values(checked.steps).filter((s) => s.env.includes(k));
    if (readers.length === 0) {
      throw new PipelineError(
        'PIPELINE_INVALID_COMPILE_OPTIONS',
        `env.${k}: no step of ${checked.name} declares it reads ${k}; declare it in the step's env or drop it`,
        { field: `env.${k}` },
      );
    }
  }
  const skippable = skippableTasks(checked);
  const containers = walkPipeline(checked, (v) =>
    containerTemplate(v, { pipeline: checked.name, options: o, skippable: skippable.has(v.task.id) }),
  );
  const patch = executorPodSpecPatch(o.legacyPodLayout);
  const wt: ArgoWorkflowTemplate = {
    apiVersion: ARGO_API_VERSION,
    kind: 'WorkflowTemplate',
    metadata: {
      name: o.name ?? checked.name,
      namespace: o.namespace,
      labels: {
        'app.kubernetes.io/name': 'bookml',
        'app.kubernetes.io/component': 'pipeline',
        'bookml.io/pipeline': checked.name,
        ...o.labels,
      },
      ...(checked.description === undefined
        ? {}
        : { annotations: { 'workflows.argoproj.io/description': checked.description } }),
    },
    spec: {
      entrypoint: DAG_TEMPLATE,
      serviceAccountName: o.serviceAccountName,
      ...(checked.timeoutSeconds === undefined ? {} : { activeDeadlineSeconds: checked.timeoutSeconds }),
      ...(checked.parallelism === undefined ? {} : { parallelism: checked.parallelism }),
      ...(checked.exitHandler === undefined ? {} : { onExit: checked.exitHandler.id }),
      ...(o.artifactRepository === undefined ? {} : { artifactRepositoryRef: { ...o.artifactRepository } }),
      ...(Object.keys(checked.params).length === 0
        ? {}
        : { arguments: { parameters: workflowParameters(checked) } }),
      ...(checked.mutex === undefined ? {} : { synchronization: { mutexes: [{ name: checked.mutex }] } }),
      securityContext: podSecurityContext(),
      ...(patch === undefined ? {} : { podSpecPatch: patch }),
      volumes: [
        tmpVolume(),
        ...(o.workspaceClaimName === undefined
          ? []
          : [{ name: WORKSPACE_VOLUME_NAME, persistentVolumeClaim: { claimName: o.workspaceClaimName } }]),
      ],
      templates: [dagTemplate(checked), ...containers],
    },
  };
  const problems = [
    ...lintWorkflowTemplate(wt),
    ...checkRestricted(wt, { legacyPodLayout: o.legacyPodLayout }),
  ];
  if (problems.length > 0) {
    throw new PipelineError(
      'PIPELINE_INVALID_MANIFEST',
      `compiled WorkflowTemplate ${wt.metadata.name} fails its checks: ${problems.join('; ')}`,
    );
  }
  return wt;
}
