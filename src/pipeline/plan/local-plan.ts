import { isTerminalNodePhase, NODE_PHASES, type NodePhase } from '../../core/index.js';
import type { ParamSpec } from '../definition/param.js';
import type { Binding } from '../definition/ref.js';
import {
  type FanOutSpec,
  type PipelineSpec,
  type TaskOptions,
  type TaskSpec,
  walkPipeline,
} from '../definition/spec.js';
import { evaluateWhen, type WhenExpr } from '../definition/when.js';
import { fail } from '../errors.js';

/**
 * The local plan: the ordered DAG the local executor runs, built from the IR with the same walk as the
 * Argo compiler, plus the scheduling rules both targets share (dependencies, `when`, fan-out, defaults).
 */

/** Phases a node never leaves. */
export const TERMINAL_PHASES: readonly NodePhase[] = NODE_PHASES.filter(isTerminalNodePhase);

/** One task of the plan. */
export interface PlanTask {
  readonly id: string;
  readonly step: { readonly name: string; readonly version: string };
  readonly inputs: Readonly<Record<string, Binding>>;
  /** Values of the inputs that are not wired (the step's defaults). */
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly dependsOn: readonly string[];
  /** Tasks that depend on this one. */
  readonly dependents: readonly string[];
  readonly when?: WhenExpr;
  readonly fanOut?: FanOutSpec;
  readonly options: TaskOptions;
  /** Longest path from a root (roots are 0): tasks of one depth can run together. */
  readonly depth: number;
}

/** A dependency: `to` runs after `from` succeeded. */
export interface PlanEdge {
  readonly from: string;
  readonly to: string;
}

/** The ordered DAG the local executor walks. */
export interface LocalPlan {
  readonly pipeline: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Topological order. */
  readonly tasks: readonly PlanTask[];
  readonly edges: readonly PlanEdge[];
  /** Tasks with no dependencies. */
  readonly roots: readonly string[];
  readonly exitHandler?: PlanTask;
  readonly mutex?: string;
  readonly timeoutSeconds?: number;
  readonly parallelism?: number;
  /** Once a task fails no new task starts (Argo's DAG default). Always true. */
  readonly failFast: true;
}

/**
 * Build the local plan from a validated spec.
 *
 * @example
 * const plan = toLocalPlan(pipeline.spec);
 * plan.tasks.map((t) => t.id); // ['ingest', 'validate', 'train', 'pick-best', …]
 */
export function toLocalPlan(spec: PipelineSpec): LocalPlan {
  const dependents = new Map<string, string[]>(spec.tasks.map((t) => [t.id, []]));
  for (const t of spec.tasks) for (const d of t.dependsOn) dependents.get(d)?.push(t.id);
  const depth = new Map<string, number>();
  const planned = walkPipeline(spec, ({ task, step, isExitHandler }): PlanTask => {
    const d = isExitHandler ? 0 : Math.max(-1, ...task.dependsOn.map((x) => depth.get(x)!)) + 1;
    if (!isExitHandler) depth.set(task.id, d);
    const defaults: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(step.inputs.params)) {
      if (!(k in task.inputs) && p.default !== undefined) defaults[k] = p.default;
    }
    return Object.freeze({
      id: task.id,
      step: task.step,
      inputs: task.inputs,
      defaults,
      dependsOn: task.dependsOn,
      dependents: isExitHandler ? [] : (dependents.get(task.id) ?? []),
      ...(task.when === undefined ? {} : { when: task.when }),
      ...(task.fanOut === undefined ? {} : { fanOut: task.fanOut }),
      options: task.options,
      depth: d,
    });
  });
  const tasks = spec.exitHandler === undefined ? planned : planned.slice(0, -1);
  return Object.freeze({
    pipeline: spec.name,
    params: spec.params,
    tasks,
    edges: tasks.flatMap((t) => t.dependsOn.map((from) => ({ from, to: t.id }))),
    roots: tasks.filter((t) => t.dependsOn.length === 0).map((t) => t.id),
    ...(spec.exitHandler === undefined ? {} : { exitHandler: planned[planned.length - 1] }),
    ...(spec.mutex === undefined ? {} : { mutex: spec.mutex }),
    ...(spec.timeoutSeconds === undefined ? {} : { timeoutSeconds: spec.timeoutSeconds }),
    ...(spec.parallelism === undefined ? {} : { parallelism: spec.parallelism }),
    failFast: true,
  });
}

/**
 * Whether a task may start, given its dependencies' phases (Argo `depends: "a.Succeeded && b.Succeeded"`):
 * `wait` while one is not terminal, `run` when all Succeeded (or Cached), else `omit` (phase Omitted).
 * A `run` task then checks its `when` ({@link shouldRun}); false means Skipped.
 *
 * @example
 * taskReadiness(task, (id) => phases.get(id)); // 'run'
 */
export function taskReadiness(
  task: Pick<TaskSpec, 'dependsOn'>,
  phaseOf: (taskId: string) => NodePhase | undefined,
): 'wait' | 'run' | 'omit' {
  let ready: 'run' | 'omit' = 'run';
  for (const d of task.dependsOn) {
    const p = phaseOf(d);
    if (p === undefined || !TERMINAL_PHASES.includes(p)) return 'wait';
    if (p !== 'Succeeded' && p !== 'Cached') ready = 'omit';
  }
  return ready;
}

/** Values a task's bindings resolve against. */
export interface BindingValues {
  /** Resolved run parameters (see `resolveParams`). */
  readonly params: Readonly<Record<string, unknown>>;
  /** The output of a task; for a fan-out, the list of its children's outputs in item order. */
  output(task: string, output: string): unknown;
  /** The current fan-out item. */
  readonly item?: unknown;
  /** Run facts; `status` and `failures` exist in the exit handler only. */
  readonly run: { readonly id: string; readonly status?: string; readonly failures?: string };
}

/**
 * The value of one binding.
 * @example resolveBinding({ from: 'param', param: 'k' }, values); // 20
 */
export function resolveBinding(b: Binding, v: BindingValues): unknown {
  switch (b.from) {
    case 'literal':
      return b.value;
    case 'param':
      return v.params[b.param];
    case 'output':
      return v.output(b.task, b.output);
    case 'item':
      return b.field === undefined ? v.item : (v.item as Record<string, unknown> | undefined)?.[b.field];
    case 'run': {
      const value = v.run[b.field];
      if (value === undefined)
        return fail('PIPELINE_INVALID_SPEC', { field: `run.${b.field}` }, `run.${b.field} is not known yet`);
      return value;
    }
  }
}

/**
 * A task's input values: wired inputs resolved, defaults for the rest.
 * @example const inputs = resolveInputs(plan.tasks[2], { ...values, item: { k: 10 } });
 */
export function resolveInputs(task: PlanTask, v: BindingValues): Record<string, unknown> {
  const out: Record<string, unknown> = { ...task.defaults };
  for (const [k, b] of Object.entries(task.inputs)) out[k] = resolveBinding(b, v);
  return out;
}

/** Whether a ready task runs (`true`) or is Skipped (`false`). */
export function shouldRun(task: Pick<PlanTask, 'when'>, v: BindingValues): boolean {
  return task.when === undefined || evaluateWhen(task.when, (b) => resolveBinding(b, v));
}

const OP_SYMBOL = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' } as const;

/** An operand as a person reads it: `evaluate.gate`, `params.minNdcg`, `"passed"`. */
function operand(b: Binding): string {
  switch (b.from) {
    case 'literal':
      return JSON.stringify(b.value);
    case 'param':
      return `params.${b.param}`;
    case 'output':
      return `${b.task}.${b.output}`;
    case 'item':
      return b.field === undefined ? 'item' : `item.${b.field}`;
    default:
      return `run.${b.field}`;
  }
}

/** A condition as a person reads it: `evaluate.gate == "passed"`. */
function describeWhen(e: WhenExpr): string {
  switch (e.op) {
    case 'and':
    case 'or':
      return `(${e.args.map(describeWhen).join(e.op === 'and' ? ' && ' : ' || ')})`;
    case 'not':
      return `!${describeWhen(e.arg)}`;
    default:
      return `${operand(e.left)} ${OP_SYMBOL[e.op]} ${operand(e.right)}`;
  }
}

/**
 * Why a task's `when` was false, for a person: the condition and the values its operands had, e.g.
 * `when evaluate.gate == "passed" was false (evaluate.gate = "failed")`.
 */
export function explainSkip(task: Pick<PlanTask, 'when'>, v: BindingValues): string {
  if (task.when === undefined) return 'when condition was false';
  const seen: string[] = [];
  evaluateWhen(task.when, (b) => {
    const value = resolveBinding(b, v);
    if (b.from !== 'literal') seen.push(`${operand(b)} = ${JSON.stringify(value)}`);
    return value;
  });
  return `when ${describeWhen(task.when)} was false${seen.length > 0 ? ` (${[...new Set(seen)].join(', ')})` : ''}`;
}

/**
 * The items a fan-out task runs over, in order. An empty list makes the task Skipped (as on Argo).
 * @example fanOutItems(train, values); // [{ similarity: 'cosine', k: 10 }, …]
 */
export function fanOutItems(task: Pick<PlanTask, 'id' | 'fanOut'>, v: BindingValues): readonly unknown[] {
  const f = task.fanOut;
  if (f === undefined)
    return fail('PIPELINE_INVALID_FAN_OUT', { task: task.id, field: 'fanOut' }, 'is not a fan-out');
  const list =
    f.source === 'items' ? f.items : f.source === 'param' ? v.params[f.param] : v.output(f.task, f.output);
  if (!Array.isArray(list)) {
    return fail(
      'PIPELINE_INVALID_FAN_OUT',
      { task: task.id, field: 'fanOut' },
      'the fan-out source is not a list',
    );
  }
  return list;
}
