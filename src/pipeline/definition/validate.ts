import { fail } from '../errors.js';
import { topologicalOrder } from './graph.js';
import { checkCamel, checkLabel, RESERVED_TASK_IDS } from './names.js';
import { checkParamSpec, type ParamSpec, typeLabel } from './param.js';
import type { Binding } from './ref.js';
import {
  type FanOutSpec,
  type PipelineDraft,
  type PipelineSpec,
  SPEC_VERSION,
  type TaskDraft,
  type TaskSpec,
} from './spec.js';
import { checkStepSpec, deepFreeze, type StepSpec } from './step.js';
import { checkMutex, checkParallelism, checkSeconds, checkTaskOptions } from './task-options.js';
import { type Ctx, checkInput } from './validate-bindings.js';
import { checkFanOut } from './validate-fan-out.js';
import { checkWhen } from './validate-when.js';
import type { WhenExpr } from './when.js';

/**
 * Validation of a whole pipeline: names, steps, tasks, dependencies and their order. Bindings, fan-outs,
 * conditions and task options each have their own file (validate-bindings, validate-fan-out,
 * validate-when, task-options).
 */

export { MAX_FAN_OUT_ITEMS } from './validate-fan-out.js';

/**
 * Validate a pipeline draft (from the builder, or a spec read back from JSON) and return the frozen IR:
 * options resolved, dependencies computed, tasks in topological order. Every error is a `PipelineError`
 * naming the task and field. Validating a valid spec returns an equal spec.
 *
 * @example
 * const spec = validatePipelineSpec(JSON.parse(text)); // throws PIPELINE_CYCLE: "ingest → train → ingest"
 */
export function validatePipelineSpec(draft: PipelineDraft): PipelineSpec {
  if (draft === null || typeof draft !== 'object') {
    fail('PIPELINE_INVALID_SPEC', {}, 'a pipeline spec must be an object');
  }
  if (draft.specVersion !== undefined && draft.specVersion !== SPEC_VERSION) {
    fail(
      'PIPELINE_INVALID_SPEC',
      { field: 'specVersion' },
      `specVersion must be ${SPEC_VERSION}, got ${draft.specVersion}`,
    );
  }
  const name = checkLabel('pipeline name', draft.name, { field: 'name' });
  if (draft.description !== undefined && typeof draft.description !== 'string') {
    fail('PIPELINE_INVALID_SPEC', { field: 'description' }, 'description must be a string');
  }
  const params: Record<string, ParamSpec> = {};
  for (const [p, s] of Object.entries(draft.params ?? {})) {
    checkCamel('parameter', p, { field: `params.${p}` });
    params[p] = checkParamSpec(s, { field: `params.${p}` }) as ParamSpec;
  }
  const steps: Record<string, StepSpec> = {};
  for (const [n, s] of Object.entries(draft.steps ?? {})) {
    const step = checkStepSpec(s);
    if (step.name !== n)
      fail('PIPELINE_INVALID_SPEC', { field: `steps.${n}` }, `steps.${n} holds step "${step.name}"`);
    steps[n] = step;
  }
  if (!Array.isArray(draft.tasks)) fail('PIPELINE_INVALID_SPEC', { field: 'tasks' }, 'tasks must be a list');

  const all = draft.exitHandler === undefined ? [...draft.tasks] : [...draft.tasks, draft.exitHandler];
  const byId = new Map<string, TaskDraft>();
  for (const t of all) {
    const id = checkLabel('task ID', t?.id, {
      task: typeof t?.id === 'string' ? t.id : undefined,
      field: 'id',
    });
    if (RESERVED_TASK_IDS.includes(id)) {
      fail(
        'PIPELINE_DUPLICATE_TASK',
        { task: id, field: 'id' },
        `"${id}" is reserved for the pipeline's own DAG template`,
      );
    }
    if (byId.has(id))
      fail('PIPELINE_DUPLICATE_TASK', { task: id, field: 'id' }, `task ID "${id}" is used twice`);
    byId.set(id, t);
  }
  for (const t of all) {
    const step = steps[t.step?.name];
    if (step === undefined) {
      fail(
        'PIPELINE_INVALID_SPEC',
        { task: t.id, field: 'step' },
        `step ${JSON.stringify(t.step?.name)} is not among the pipeline's steps`,
      );
    }
    if (t.step.version !== step.version) {
      fail(
        'PIPELINE_INVALID_SPEC',
        { task: t.id, field: 'step.version' },
        `uses step "${step.name}" version ${JSON.stringify(t.step.version)} but the pipeline has version "${step.version}"`,
      );
    }
  }
  const exitId = draft.exitHandler?.id;
  const ctx: Ctx = { params, steps, byId, exitId };

  const resolved = new Map<string, Omit<TaskSpec, 'dependsOn'> & { deps: Set<string> }>();
  for (const t of all) resolved.set(t.id, checkTask(t, ctx));

  const ids = draft.tasks.map((t) => t.id);
  const topo = topologicalOrder(ids, (id) => [...resolved.get(id)!.deps]);
  if (!topo.ok) {
    const [first] = topo.cycle;
    fail(
      'PIPELINE_CYCLE',
      { task: first, field: 'dependsOn' },
      `tasks depend on each other in a cycle: ${topo.cycle.join(' → ')}`,
    );
  }
  const rank = new Map(topo.order.map((id, i) => [id, i]));
  const finish = (id: string): TaskSpec => {
    const { deps, ...rest } = resolved.get(id)!;
    return { ...rest, dependsOn: [...deps].sort((a, b) => rank.get(a)! - rank.get(b)!) };
  };

  const spec: PipelineSpec = {
    specVersion: SPEC_VERSION,
    name,
    ...(draft.description === undefined ? {} : { description: draft.description }),
    params,
    steps: Object.fromEntries(Object.entries(steps).filter(([n]) => all.some((t) => t.step.name === n))),
    tasks: topo.order.map(finish),
    ...(exitId === undefined ? {} : { exitHandler: finish(exitId) }),
    ...(draft.mutex === undefined ? {} : { mutex: checkMutex(draft.mutex, { field: 'mutex' }) }),
    ...(draft.timeoutSeconds === undefined
      ? {}
      : { timeoutSeconds: checkSeconds(draft.timeoutSeconds, { field: 'timeoutSeconds' }) }),
    ...(draft.parallelism === undefined ? {} : { parallelism: checkParallelism(draft.parallelism) }),
  };
  return deepFreeze(spec);
}

function checkTask(t: TaskDraft, ctx: Ctx): Omit<TaskSpec, 'dependsOn'> & { deps: Set<string> } {
  const task = t.id;
  const isExit = task === ctx.exitId;
  const step = ctx.steps[t.step.name];
  const deps = new Set<string>();
  const options = checkTaskOptions(t, step);

  if (isExit) {
    const why =
      'the exit handler runs once after the DAG, whatever happened; it has no dependencies, condition or fan-out';
    if ((t.after ?? []).length > 0)
      fail('PIPELINE_INVALID_EXIT_HANDLER', { task, field: 'after' }, `has after(): ${why}`);
    if (t.when !== undefined)
      fail('PIPELINE_INVALID_EXIT_HANDLER', { task, field: 'when' }, `has when(): ${why}`);
    if (t.fanOut !== undefined)
      fail('PIPELINE_INVALID_EXIT_HANDLER', { task, field: 'fanOut' }, `is a fan-out: ${why}`);
  }

  let fanOut: FanOutSpec | undefined;
  if (t.fanOut !== undefined) {
    if (t.when !== undefined) {
      fail(
        'PIPELINE_INVALID_FAN_OUT',
        { task, field: 'when' },
        'a fan-out task cannot have when(): Argo evaluates it per item and still marks the group Succeeded, which the local executor would have to imitate; put the condition on a task before or after the fan-out',
      );
    }
    fanOut = checkFanOut(t.fanOut, task, ctx, deps);
  }

  const inputs: Record<string, Binding> = {};
  const declared = { ...step.inputs.params, ...step.inputs.artifacts };
  for (const [input, binding] of Object.entries(t.inputs ?? {})) {
    const field = `inputs.${input}`;
    if (!(input in declared)) {
      const known = Object.keys(declared);
      fail(
        'PIPELINE_UNKNOWN_INPUT',
        { task, field },
        `step "${step.name}" has no input "${input}"${known.length ? ` (inputs: ${known.join(', ')})` : ''}`,
      );
    }
    if (binding === undefined || binding === null) continue;
    inputs[input] = checkInput(binding, input, step, { task, field, isExit, fanOut, ctx, deps });
  }
  for (const [input, spec] of Object.entries(step.inputs.params)) {
    if (!(input in inputs) && spec.default === undefined) {
      fail(
        'PIPELINE_MISSING_INPUT',
        { task, field: `inputs.${input}` },
        `required input "${input}" (${typeLabel(spec)}) of step "${step.name}" is not wired; pass a parameter, an upstream output or a literal`,
      );
    }
  }
  for (const input of Object.keys(step.inputs.artifacts)) {
    if (!(input in inputs)) {
      fail(
        'PIPELINE_MISSING_INPUT',
        { task, field: `inputs.${input}` },
        `required artifact input "${input}" of step "${step.name}" is not wired; pass an upstream task's artifact output`,
      );
    }
  }

  let when: WhenExpr | undefined;
  if (t.when !== undefined) when = checkWhen(t.when, { task, ctx, deps });

  const after: string[] = [];
  for (const a of t.after ?? []) {
    if (typeof a !== 'string' || !ctx.byId.has(a) || a === ctx.exitId) {
      fail('PIPELINE_UNKNOWN_TASK', { task, field: 'after' }, `after(${JSON.stringify(a)}): no such task`);
    }
    if (!after.includes(a)) after.push(a);
    deps.add(a);
  }
  if (deps.has(task)) {
    fail(
      'PIPELINE_CYCLE',
      { task, field: 'dependsOn' },
      `tasks depend on each other in a cycle: ${task} → ${task}`,
    );
  }
  return {
    id: task,
    step: { name: step.name, version: step.version },
    inputs,
    after,
    ...(when === undefined ? {} : { when }),
    ...(fanOut === undefined ? {} : { fanOut }),
    options,
    deps,
  };
}
