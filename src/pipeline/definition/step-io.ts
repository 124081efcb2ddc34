import { fail } from '../errors.js';
import { decodeParamValue, encodeParamValue, validateParamValue } from './param.js';
import type { PipelineSpec, TaskSpec } from './spec.js';
import type { StepSpec } from './step.js';

/**
 * The contract between a compiled task and `bookml step`: the command-line it is started with, how its
 * inputs are read and its outputs written, and its exit codes. Pure, so the container entry loads nothing
 * else; the Argo compiler emits exactly what {@link parseStepArgs} reads.
 */

/** Exit codes of `bookml step`. `nonRetryable` (a `BookmlError` with `retryable: false`) is never retried. */
export const STEP_EXIT_CODES = Object.freeze({ ok: 0, failed: 1, nonRetryable: 2 });

/** One invocation of `bookml step <task>`. */
export interface StepInvocation {
  readonly task: string;
  readonly pipeline: string;
  /** Run ID (Argo: `{{workflow.name}}`). */
  readonly runId?: string;
  /** Input parameters in text form, by input name. */
  readonly params: Readonly<Record<string, string>>;
  /** Input artifacts: local path by input name. */
  readonly artifacts: Readonly<Record<string, string>>;
  /** Directory the step writes each output to, one file or directory per output name. */
  readonly outputsDir: string;
  /** `false` when the task must not be served from or written to the cache. */
  readonly cache: boolean;
}

/**
 * The arguments after `bookml step`: `<task> --pipeline P [--run R] [--param name=value]…
 * [--artifact name=path]… --outputs DIR [--no-cache]`.
 *
 * @example
 * formatStepArgs({ task: 'train', pipeline: 'recommender', params: { k: '20' }, artifacts: {}, outputsDir: '/tmp/outputs', cache: true });
 */
export function formatStepArgs(inv: StepInvocation): string[] {
  const args = [inv.task, '--pipeline', inv.pipeline];
  if (inv.runId !== undefined) args.push('--run', inv.runId);
  for (const [k, v] of Object.entries(inv.params)) args.push('--param', `${k}=${v}`);
  for (const [k, v] of Object.entries(inv.artifacts)) args.push('--artifact', `${k}=${v}`);
  args.push('--outputs', inv.outputsDir);
  if (!inv.cache) args.push('--no-cache');
  return args;
}

/**
 * Read the arguments {@link formatStepArgs} wrote. Throws `PIPELINE_INVALID_SPEC` naming the bad flag.
 * @example parseStepArgs(['train', '--pipeline', 'recommender', '--param', 'k=20', '--outputs', '/tmp/outputs']);
 */
export function parseStepArgs(argv: readonly string[]): StepInvocation {
  const bad = (field: string, reason: string): never =>
    fail('PIPELINE_INVALID_SPEC', { field }, `bookml step: ${reason}`);
  const [task, ...rest] = argv;
  if (task === undefined || task.startsWith('--')) bad('task', 'the first argument must be the task ID');
  let pipeline: string | undefined;
  let runId: string | undefined;
  let outputsDir: string | undefined;
  let cache = true;
  const params: Record<string, string> = {};
  const artifacts: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (flag === '--no-cache') {
      cache = false;
      continue;
    }
    const value = rest[i + 1];
    if (value === undefined) bad(flag, `${flag} needs a value`);
    i++;
    if (flag === '--pipeline') pipeline = value;
    else if (flag === '--run') runId = value;
    else if (flag === '--outputs') outputsDir = value;
    else if (flag === '--param' || flag === '--artifact') {
      const eq = value.indexOf('=');
      if (eq < 1) bad(flag, `${flag} takes name=value, got ${JSON.stringify(value)}`);
      (flag === '--param' ? params : artifacts)[value.slice(0, eq)] = value.slice(eq + 1);
    } else bad(flag, `unknown flag ${flag}`);
  }
  if (pipeline === undefined) bad('--pipeline', '--pipeline is required');
  if (outputsDir === undefined) bad('--outputs', '--outputs is required');
  return {
    task,
    pipeline: pipeline as string,
    ...(runId === undefined ? {} : { runId }),
    params,
    artifacts,
    outputsDir: outputsDir as string,
    cache,
  };
}

function findTask(spec: PipelineSpec, taskId: string): TaskSpec {
  const t = [...spec.tasks, ...(spec.exitHandler ? [spec.exitHandler] : [])].find((x) => x.id === taskId);
  if (t === undefined) {
    return fail(
      'PIPELINE_UNKNOWN_TASK',
      { task: taskId, field: 'task' },
      `pipeline "${spec.name}" has no task "${taskId}"`,
    );
  }
  return t;
}

/**
 * Turn the text inputs of an invocation into the typed inputs `run` receives: defaults applied, every value
 * checked against the step's input spec and, when the input is wired to a pipeline parameter, against that
 * parameter's spec too (so a run Argo started without bookml's submit path is still checked).
 *
 * @example
 * const inputs = decodeTaskInputs(spec, parseStepArgs(process.argv.slice(3)));
 */
export function decodeTaskInputs(spec: PipelineSpec, inv: StepInvocation): Record<string, unknown> {
  const task = findTask(spec, inv.task);
  const step: StepSpec = spec.steps[task.step.name];
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(inv.params)) {
    if (!(k in step.inputs.params))
      fail(
        'PIPELINE_UNKNOWN_INPUT',
        { task: task.id, field: `inputs.${k}` },
        `step "${step.name}" has no parameter input "${k}"`,
      );
  }
  for (const k of Object.keys(inv.artifacts)) {
    if (!(k in step.inputs.artifacts))
      fail(
        'PIPELINE_UNKNOWN_INPUT',
        { task: task.id, field: `inputs.${k}` },
        `step "${step.name}" has no artifact input "${k}"`,
      );
  }
  for (const [k, p] of Object.entries(step.inputs.params)) {
    const where = { task: task.id, field: `inputs.${k}` };
    const raw = inv.params[k];
    if (raw === undefined) {
      if (p.default === undefined) fail('PIPELINE_MISSING_INPUT', where, `input "${k}" was not passed`);
      out[k] = p.default;
      continue;
    }
    out[k] = decodeParamValue(p, raw, where);
    const b = task.inputs[k];
    if (b?.from === 'param') validateParamValue(spec.params[b.param], out[k], where);
  }
  for (const k of Object.keys(step.inputs.artifacts)) {
    const path = inv.artifacts[k];
    if (path === undefined)
      fail(
        'PIPELINE_MISSING_INPUT',
        { task: task.id, field: `inputs.${k}` },
        `artifact input "${k}" was not passed`,
      );
    out[k] = path;
  }
  return out;
}

/**
 * Check what `run` returned against the step's outputs and give each output parameter's text form (the
 * file content Argo reads with `valueFrom.path`). Artifact outputs are returned as the paths given.
 *
 * @example
 * const { params, artifacts } = encodeStepOutputs(step.spec, await step.run(ctx, inputs));
 */
export function encodeStepOutputs(
  step: StepSpec,
  values: Readonly<Record<string, unknown>>,
  where: { task?: string } = {},
): { params: Record<string, string>; artifacts: Record<string, string> } {
  const params: Record<string, string> = {};
  const artifacts: Record<string, string> = {};
  for (const k of Object.keys(values ?? {})) {
    if (!(k in step.outputs.params) && !(k in step.outputs.artifacts)) {
      fail(
        'PIPELINE_INVALID_OUTPUT',
        { ...where, field: `outputs.${k}` },
        `step "${step.name}" returned "${k}", which it does not declare`,
      );
    }
  }
  for (const [k, p] of Object.entries(step.outputs.params)) {
    const field = `outputs.${k}`;
    if (values?.[k] === undefined)
      fail(
        'PIPELINE_INVALID_OUTPUT',
        { ...where, field },
        `step "${step.name}" did not return output "${k}"`,
      );
    params[k] = encodeParamValue(validateParamValue(p, values[k], { ...where, field }));
  }
  for (const k of Object.keys(step.outputs.artifacts)) {
    const path = values?.[k];
    if (typeof path !== 'string' || path === '') {
      fail(
        'PIPELINE_INVALID_OUTPUT',
        { ...where, field: `outputs.${k}` },
        `step "${step.name}" must return the path it wrote for artifact "${k}"`,
      );
    }
    artifacts[k] = path;
  }
  return { params, artifacts };
}
