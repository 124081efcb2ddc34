import { encodeParamValue } from '../definition/param.js';
import type { TaskVisit } from '../definition/spec.js';
import { formatStepArgs } from '../definition/step-io.js';
import { fail } from '../errors.js';
import type { ResolvedArgoOptions } from './options.js';
import { type ArgoParameter, argoName, argoValue } from './parameters.js';
import { compileRetry } from './retry.js';
import { containerSecurityContext, TMP_DIR, tmpVolumeMount } from './security-context.js';

/**
 * One container template per task (not per step: retry, timeout and mutex are per task), running
 * `bookml step <task>` with the arguments `parseStepArgs` reads. Inputs land under `/tmp/inputs`, outputs
 * are written under `/tmp/outputs` — both on the `/tmp` emptyDir, since the root filesystem is read-only.
 */

/** Where input artifacts are downloaded. */
export const INPUTS_DIR = `${TMP_DIR}/inputs`;
/** Where a step writes its outputs, one file or directory per output name. */
export const OUTPUTS_DIR = `${TMP_DIR}/outputs`;
/** Mount path of the optional workspace PVC. */
export const WORKSPACE_DIR = '/workspace';
/** Name of the workspace volume. */
export const WORKSPACE_VOLUME_NAME = 'workspace';

/** Label and annotation keys bookml puts on each step's pod. */
export const LABELS = Object.freeze({
  pipeline: 'bookml.io/pipeline',
  task: 'bookml.io/task',
  step: 'bookml.io/step',
  stepVersion: 'bookml.io/step-version',
});

type Env = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } };

function envOf(v: TaskVisit, o: ResolvedArgoOptions): Env[] {
  const env: Env[] = [];
  if (o.apiUrl !== undefined) env.push({ name: 'BOOKML_API_URL', value: o.apiUrl });
  if (o.apiTokenSecret !== undefined) {
    env.push({ name: 'BOOKML_API_TOKEN', valueFrom: { secretKeyRef: { ...o.apiTokenSecret } } });
  }
  if (o.databaseUrlSecret !== undefined) {
    env.push({ name: 'BOOKML_DATABASE_URL', valueFrom: { secretKeyRef: { ...o.databaseUrlSecret } } });
  }
  if (o.workspaceClaimName !== undefined) env.push({ name: 'BOOKML_HOME', value: WORKSPACE_DIR });
  for (const name of v.step.env) {
    if (env.some((e) => e.name === name)) continue;
    const value = o.env[name];
    if (value === undefined) {
      fail(
        'PIPELINE_UNSUPPORTED_ON_TARGET',
        { task: v.task.id, field: `env.${name}` },
        `step "${v.step.name}" reads ${name} (part of its cache key); locally it comes from the executor's environment, on Argo give it with compile option env.${name}`,
      );
    }
    env.push({ name, value });
  }
  return env;
}

/** An Argo container template, as far as bookml fills it. */
export type ArgoTemplate = Record<string, unknown> & { name: string };

/**
 * The container template of one task.
 * @param skippable the task can be Skipped or Omitted, so its outputs get `valueFrom.default` (§4.4)
 */
export function containerTemplate(
  v: TaskVisit,
  ctx: { pipeline: string; options: ResolvedArgoOptions; skippable: boolean },
): ArgoTemplate {
  const { task, step, isExitHandler } = v;
  const o = ctx.options;
  const inputParams: ArgoParameter[] = [];
  const args: Record<string, string> = {};
  for (const [name, p] of Object.entries(step.inputs.params)) {
    const bound = task.inputs[name];
    // The exit handler is started by `onExit`, which passes no arguments: its wired values go inline.
    if (isExitHandler && bound !== undefined) {
      args[name] = argoValue(bound);
      continue;
    }
    inputParams.push({
      name: argoName(name),
      ...(p.default === undefined ? {} : { default: encodeParamValue(p.default) }),
    });
    args[name] = `{{inputs.parameters.${argoName(name)}}}`;
  }
  const inputArtifacts = Object.keys(step.inputs.artifacts).map((name) => ({
    name: argoName(name),
    path: `${INPUTS_DIR}/${name}`,
  }));
  const outputParams = Object.keys(step.outputs.params).map((name) => ({
    name: argoName(name),
    valueFrom: { path: `${OUTPUTS_DIR}/${name}`, ...(ctx.skippable ? { default: '' } : {}) },
  }));
  const outputArtifacts = Object.entries(step.outputs.artifacts).map(([name, a]) => ({
    name: argoName(name),
    path: `${OUTPUTS_DIR}/${name}`,
    ...(a.kind === 'file' ? { archive: { none: {} } } : {}),
    ...(o.artifactRepository === undefined
      ? {}
      : {
          s3: { key: `bookml/{{workflow.uid}}/{{pod.name}}/${name}${a.kind === 'directory' ? '.tgz' : ''}` },
        }),
  }));
  const flags = formatStepArgs({
    task: task.id,
    pipeline: ctx.pipeline,
    runId: '{{workflow.name}}',
    params: args,
    artifacts: Object.fromEntries(Object.keys(step.inputs.artifacts).map((n) => [n, `${INPUTS_DIR}/${n}`])),
    outputsDir: OUTPUTS_DIR,
    cache: task.options.cache,
  }).slice(1);
  const env = envOf(v, o);
  const retryStrategy = compileRetry(task.options.retry);
  return {
    name: task.id,
    metadata: {
      labels: { [LABELS.pipeline]: ctx.pipeline, [LABELS.task]: task.id, [LABELS.step]: step.name },
      annotations: { [LABELS.stepVersion]: step.version },
    },
    ...(inputParams.length + inputArtifacts.length === 0
      ? {}
      : {
          inputs: {
            ...(inputParams.length ? { parameters: inputParams } : {}),
            ...(inputArtifacts.length ? { artifacts: inputArtifacts } : {}),
          },
        }),
    ...(outputParams.length + outputArtifacts.length === 0
      ? {}
      : {
          outputs: {
            ...(outputParams.length ? { parameters: outputParams } : {}),
            ...(outputArtifacts.length ? { artifacts: outputArtifacts } : {}),
          },
        }),
    activeDeadlineSeconds: String(task.options.timeoutSeconds),
    ...(retryStrategy === undefined ? {} : { retryStrategy }),
    ...(task.options.mutex === undefined
      ? {}
      : { synchronization: { mutexes: [{ name: task.options.mutex }] } }),
    container: {
      image: o.image,
      imagePullPolicy: o.imagePullPolicy,
      command: ['bookml', 'step', task.id],
      args: flags,
      ...(env.length ? { env } : {}),
      volumeMounts: [
        tmpVolumeMount(),
        ...(o.workspaceClaimName === undefined
          ? []
          : [{ name: WORKSPACE_VOLUME_NAME, mountPath: WORKSPACE_DIR }]),
      ],
      ...(o.resources === undefined ? {} : { resources: structuredClone(o.resources) }),
      securityContext: containerSecurityContext(),
    },
  };
}
