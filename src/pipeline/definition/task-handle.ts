import { fail } from '../errors.js';
import type { ParamSpec } from './param.js';
import { type Binding, Ref } from './ref.js';
import { checkRetryPolicy, type RetryPolicy } from './retry-policy.js';
import type { TaskDraft, TaskOptions } from './spec.js';
import type { Step } from './step.js';
import { checkMutex, checkSeconds } from './task-options.js';
import type { WhenExpr } from './when.js';

/**
 * Task handles: what `b.task()`, `b.fanOut()` and `b.onExit()` return — references to the task's outputs
 * and the options that chain (`.after()`, `.when()`, `.retry()`, `.timeout()`, `.cache()`, `.mutex()`),
 * each validated as it is called and only while `build` runs.
 */

/** A task as the builder records it while `build` runs. @internal */
export interface MutableDraft {
  id: string;
  step: { name: string; version: string };
  inputs: Record<string, Binding>;
  after: string[];
  when?: WhenExpr;
  fanOut?: TaskDraft['fanOut'];
  options: { -readonly [K in keyof TaskOptions]?: TaskOptions[K] };
}

/** The builder's state, shared with its handles. @internal */
export interface BuilderState {
  sealed: boolean;
  readonly steps: Map<string, Step>;
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly drafts: Map<string, { draft: MutableDraft; step: Step }>;
}

/**
 * Options every task (and the exit handler) has. Each call validates at once and names the task; options
 * can only be set inside `build`.
 */
export class TaskOptionsHandle {
  /** The task's explicit, stable ID. */
  readonly id: string;
  readonly #state: BuilderState;
  readonly #draft: MutableDraft;
  readonly #step: Step;

  /** @internal */
  constructor(state: BuilderState, draft: MutableDraft, step: Step) {
    this.id = draft.id;
    this.#state = state;
    this.#draft = draft;
    this.#step = step;
  }

  /** @internal */
  protected edit(field: string): MutableDraft {
    if (this.#state.sealed) {
      fail(
        'PIPELINE_INVALID_OPTION',
        { task: this.id, field },
        `${field}() called after the pipeline was built; set options inside build()`,
      );
    }
    return this.#draft;
  }

  /** @internal */
  protected get state(): BuilderState {
    return this.#state;
  }

  /**
   * Retry policy for this task (overrides the step's). Argo: the template's `retryStrategy`.
   * @example ingest.retry({ limit: 3, backoff: { durationSeconds: 10, factor: 2, maxDurationSeconds: 600 } })
   */
  retry(policy: RetryPolicy): this {
    const d = this.edit('retry');
    const p = checkRetryPolicy(policy, { task: this.id, field: 'retry' });
    if (!this.#step.spec.retrySafe && p.limit > 0) {
      fail(
        'PIPELINE_INVALID_RETRY',
        { task: this.id, field: 'retry.limit' },
        `retry.limit must be 0 because step "${this.#step.name}" is not retry-safe (retrySafe: false), got ${p.limit}`,
      );
    }
    d.options.retry = p;
    return this;
  }

  /**
   * Per-attempt time limit in seconds (overrides the step's). Argo: the template's `activeDeadlineSeconds`.
   * @example train.timeout(3600)
   */
  timeout(seconds: number): this {
    this.edit('timeout').options.timeoutSeconds = checkSeconds(seconds, { task: this.id, field: 'timeout' });
    return this;
  }

  /**
   * Turn caching off (or back on) for this task. Steps with side effects are never cached.
   * @default true for pure steps
   * @example evaluate.cache(false)
   */
  cache(enabled: boolean): this {
    const d = this.edit('cache');
    if (typeof enabled !== 'boolean') {
      fail('PIPELINE_INVALID_OPTION', { task: this.id, field: 'cache' }, 'cache() takes true or false');
    }
    if (enabled && !this.#step.spec.pure) {
      fail(
        'PIPELINE_INVALID_OPTION',
        { task: this.id, field: 'cache' },
        `cache(true): step "${this.#step.name}" has side effects (pure: false) and is never cached`,
      );
    }
    d.options.cache = enabled;
    return this;
  }

  /**
   * Hold the named lock while the task runs. Argo: the template's `synchronization.mutexes`.
   * @example promote.mutex('recommender-promote')
   */
  mutex(name: string): this {
    this.edit('mutex').options.mutex = checkMutex(name, { task: this.id, field: 'mutex' });
    return this;
  }
}

/** A task in the DAG: references to its outputs, and the options that chain. */
export class TaskHandle<Out = Readonly<Record<string, unknown>>> extends TaskOptionsHandle {
  /** References to this task's outputs (for a fan-out: each output gathered into a list, in item order). */
  readonly outputs: Out;

  /** @internal */
  constructor(state: BuilderState, draft: MutableDraft, step: Step, outputs: Out) {
    super(state, draft, step);
    this.outputs = outputs;
  }

  /**
   * Run after these tasks succeed, besides those whose outputs it reads. Takes handles or task IDs.
   * @example report.after(evaluate, 'register')
   */
  after(...tasks: Array<TaskOptionsHandle | string>): this {
    const d = this.edit('after');
    for (const t of tasks) {
      if (t instanceof TaskOptionsHandle && !this.state.drafts.has(t.id)) {
        fail(
          'PIPELINE_UNKNOWN_TASK',
          { task: this.id, field: 'after' },
          `after(${t.id}): the task belongs to another pipeline`,
        );
      }
      const id = typeof t === 'string' ? t : t.id;
      if (!d.after.includes(id)) d.after.push(id);
    }
    return this;
  }

  /**
   * Run only when the condition holds; otherwise the task is Skipped and its dependents Omitted.
   * @example register.when(eq(evaluate.outputs.gate, 'passed'))
   */
  when(condition: WhenExpr): this {
    const d = this.edit('when');
    if (d.when !== undefined) {
      fail(
        'PIPELINE_INVALID_WHEN',
        { task: this.id, field: 'when' },
        'when() is already set; combine conditions with and(…)',
      );
    }
    d.when = condition;
    return this;
  }
}

/** A fan-out task: one child per item; downstream tasks see each output parameter as a list in item order. */
export class FanOutHandle<Out = Readonly<Record<string, unknown>>, Item = unknown> extends TaskHandle<Out> {
  /** The items as a list, in the same order as the gathered outputs. */
  readonly items: Ref<Item[]>;

  /** @internal */
  constructor(state: BuilderState, draft: MutableDraft, step: Step, outputs: Out, items: Binding) {
    super(state, draft, step, outputs);
    this.items = new Ref(items);
  }
}
