import type { ParamSpec, ValueSpec } from './param.js';
import type { Binding } from './ref.js';
import type { RetryPolicy } from './retry-policy.js';
import type { StepSpec } from './step.js';
import type { WhenExpr } from './when.js';

/**
 * The pipeline IR: plain, JSON-serialisable, validated, frozen. The local executor and the Argo compiler
 * both walk it (with {@link walkPipeline}); nothing else describes a pipeline.
 */

/** Version of the IR's shape. */
export const SPEC_VERSION = 1;

/**
 * What a fan-out task runs over: a literal list (a cartesian product is expanded at definition time), a
 * list-typed pipeline parameter, or a list-typed output of an upstream task. `item` is the element type,
 * filled in by validation.
 */
export type FanOutSpec = (
  | { readonly source: 'items'; readonly items: readonly unknown[] }
  | { readonly source: 'param'; readonly param: string }
  | { readonly source: 'output'; readonly task: string; readonly output: string }
) & { readonly item?: ValueSpec };

/** Per-task options after defaults from the step are applied. */
export interface TaskOptions {
  readonly retry: RetryPolicy;
  /** Per attempt, in seconds. */
  readonly timeoutSeconds: number;
  /** Effective: the step is pure and caching was not turned off. */
  readonly cache: boolean;
  /** A named lock the task holds while it runs (Argo: template `synchronization.mutexes`). */
  readonly mutex?: string;
}

/** One task of the DAG (or the exit handler). */
export interface TaskSpec {
  /** Stable, explicit, DNS-1123. */
  readonly id: string;
  readonly step: { readonly name: string; readonly version: string };
  /** Wired inputs; unwired inputs take the step's defaults. */
  readonly inputs: Readonly<Record<string, Binding>>;
  /** Dependencies given with `.after()`. */
  readonly after: readonly string[];
  /** All dependencies: `after` plus every task whose output the task reads; in topological order. */
  readonly dependsOn: readonly string[];
  readonly when?: WhenExpr;
  readonly fanOut?: FanOutSpec;
  readonly options: TaskOptions;
}

/** A whole pipeline. */
export interface PipelineSpec {
  readonly specVersion: typeof SPEC_VERSION;
  /** DNS-1123; the WorkflowTemplate's name. */
  readonly name: string;
  readonly description?: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Every step the tasks use, by name. */
  readonly steps: Readonly<Record<string, StepSpec>>;
  /** In topological order (ties keep definition order). */
  readonly tasks: readonly TaskSpec[];
  /** Runs once after the DAG ends, whatever its outcome. */
  readonly exitHandler?: TaskSpec;
  /** A lock the whole run holds (Argo: `spec.synchronization.mutexes`). */
  readonly mutex?: string;
  /** Whole-run deadline, in seconds (Argo: `spec.activeDeadlineSeconds`). */
  readonly timeoutSeconds?: number;
  /** Most tasks running at once (Argo: `spec.parallelism`). */
  readonly parallelism?: number;
}

/** A task as the builder records it, before validation: options are overrides of the step's. */
export interface TaskDraft {
  readonly id: string;
  readonly step: { readonly name: string; readonly version: string };
  readonly inputs: Readonly<Record<string, Binding>>;
  readonly after?: readonly string[];
  readonly when?: WhenExpr;
  readonly fanOut?: FanOutSpec;
  readonly options?: Partial<TaskOptions>;
}

/** A pipeline before validation; a {@link PipelineSpec} is also a valid draft. */
export interface PipelineDraft extends Omit<PipelineSpec, 'specVersion' | 'tasks' | 'exitHandler'> {
  readonly specVersion?: number;
  readonly tasks: readonly TaskDraft[];
  readonly exitHandler?: TaskDraft;
}

/** What a visitor gets for each task. */
export interface TaskVisit {
  readonly task: TaskSpec;
  readonly step: StepSpec;
  /** Position in topological order; the exit handler has `tasks.length`. */
  readonly index: number;
  readonly isExitHandler: boolean;
}

/**
 * The one walk over a pipeline: tasks in topological order, then the exit handler. The local plan and the
 * Argo DAG are both built with it, so they cannot disagree on order or membership.
 *
 * @example
 * const ids = walkPipeline(spec, ({ task }) => task.id); // ['ingest', 'validate', …, 'finalize']
 */
export function walkPipeline<R>(spec: PipelineSpec, visit: (v: TaskVisit) => R): R[] {
  const out = spec.tasks.map((task, index) =>
    visit({ task, step: spec.steps[task.step.name], index, isExitHandler: false }),
  );
  if (spec.exitHandler !== undefined) {
    const task = spec.exitHandler;
    out.push(
      visit({ task, step: spec.steps[task.step.name], index: spec.tasks.length, isExitHandler: true }),
    );
  }
  return out;
}
