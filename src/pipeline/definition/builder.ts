import { fail } from '../errors.js';
import { checkLabel } from './names.js';
import type { ParamSpec, ValueOf, ValueSpec } from './param.js';
import { ArtifactOutputRef, type Bindable, type Binding, Ref, toBinding } from './ref.js';
import type { PipelineSpec, TaskDraft } from './spec.js';
import type { ArtifactsOf, ParamsOf, Step, StepIO } from './step.js';
import {
  type BuilderState,
  FanOutHandle,
  type MutableDraft,
  TaskHandle,
  TaskOptionsHandle,
} from './task-handle.js';
import { validatePipelineSpec } from './validate.js';

/**
 * `definePipeline` and its builder: parameters become typed references, `build` adds tasks through the
 * builder (no global "current pipeline"), and the result is validated into the IR before it is returned.
 */

type KindOf<A> = A extends { kind: infer K extends 'file' | 'directory' } ? K : never;
type HasDefault<S> = S extends { default: unknown } ? true : false;

/** Inputs of a task running step input spec `I`: required inputs must be given, defaulted ones may be. */
export type TaskInputs<I> = {
  [K in keyof ParamsOf<I> as HasDefault<ParamsOf<I>[K]> extends true ? never : K]: Bindable<
    ValueOf<ParamsOf<I>[K]>
  >;
} & {
  [K in keyof ParamsOf<I> as HasDefault<ParamsOf<I>[K]> extends true ? K : never]?: Bindable<
    ValueOf<ParamsOf<I>[K]>
  >;
} & { [K in keyof ArtifactsOf<I>]: ArtifactOutputRef<KindOf<ArtifactsOf<I>[K]>> };

/** References to a task's outputs. */
export type TaskOutputs<O> = { readonly [K in keyof ParamsOf<O>]: Ref<ValueOf<ParamsOf<O>[K]>> } & {
  readonly [K in keyof ArtifactsOf<O>]: ArtifactOutputRef<KindOf<ArtifactsOf<O>[K]>>;
};

/** References to a fan-out's gathered outputs: one list per output parameter, in item order. */
export type FanOutOutputs<O> = { readonly [K in keyof ParamsOf<O>]: Ref<ValueOf<ParamsOf<O>[K]>[]> };

/** References to the pipeline parameters, by name. */
export type ParamRefs<P> = { readonly [K in keyof P]: Ref<ValueOf<P[K]>> };

/** What a fan-out runs over: a literal list, a `{ dimension: values }` product, or a list reference. */
export type FanOutSource =
  | readonly unknown[]
  | Readonly<Record<string, readonly unknown[]>>
  | Ref<readonly unknown[]>;

type ItemOf<E> = [E] extends [Record<string, unknown>] ? { readonly [K in keyof E]: Ref<E[K]> } : Ref<E>;
/** The item a fan-out's `inputs` callback receives: a reference, or one reference per record field. */
export type ItemRefs<D> =
  D extends Ref<infer L>
    ? L extends readonly (infer E)[]
      ? ItemOf<E>
      : never
    : D extends readonly (infer E)[]
      ? ItemOf<E>
      : D extends Readonly<Record<string, readonly unknown[]>>
        ? { readonly [K in keyof D]: Ref<D[K][number]> }
        : never;
type ItemValue<D> =
  D extends Ref<infer L>
    ? L extends readonly (infer E)[]
      ? E
      : never
    : D extends readonly (infer E)[]
      ? E
      : D extends Readonly<Record<string, readonly unknown[]>>
        ? { [K in keyof D]: D[K][number] }
        : never;

/** Facts about the run (see {@link RunField}); `status` and `failures` only in the exit handler. */
export interface RunRefs {
  /** The run ID (Argo `{{workflow.name}}`). */
  readonly id: Ref<string>;
  /** `Succeeded`, `Failed` or `Error`; exit handler only. */
  readonly status: Ref<'Succeeded' | 'Failed' | 'Error'>;
  /** JSON list of failed nodes; exit handler only. */
  readonly failures: Ref<string>;
}

/**
 * Adds tasks to a pipeline. Handed to `build`; there is no global "current pipeline".
 */
export class PipelineBuilder {
  readonly #state: BuilderState;
  /** Facts about the run: `b.run.id`, and in the exit handler `b.run.status`, `b.run.failures`. */
  readonly run: RunRefs = {
    id: new Ref({ from: 'run', field: 'id' }),
    status: new Ref({ from: 'run', field: 'status' }),
    failures: new Ref({ from: 'run', field: 'failures' }),
  };
  #exit: MutableDraft | undefined;

  /** @internal */
  constructor(params: Readonly<Record<string, ParamSpec>>) {
    this.#state = { sealed: false, steps: new Map(), params, drafts: new Map() };
  }

  /**
   * Add a task that runs `step` once.
   * @example const validate = b.task('validate', validateStep, { dataset: ingest.outputs.dataset });
   */
  task<I extends StepIO, O extends StepIO>(
    id: string,
    step: Step<I, O>,
    inputs: TaskInputs<I>,
  ): TaskHandle<TaskOutputs<O>> {
    const draft = this.#add(id, step as unknown as Step, inputs as Record<string, unknown>);
    const outputs: Record<string, Ref<unknown> | ArtifactOutputRef> = {};
    for (const o of Object.keys(step.spec.outputs.params))
      outputs[o] = new Ref({ from: 'output', task: id, output: o });
    for (const o of Object.keys(step.spec.outputs.artifacts)) {
      outputs[o] = new ArtifactOutputRef({ from: 'output', task: id, output: o });
    }
    return new TaskHandle(
      this.#state,
      draft,
      step as unknown as Step,
      Object.freeze(outputs) as TaskOutputs<O>,
    );
  }

  /**
   * Add a task that runs `step` once per item. `over` is a literal list, a `{ dimension: values }` object
   * (its cartesian product, first dimension slowest), or a list-typed parameter or output.
   *
   * @example
   * const train = b.fanOut('train', trainStep, { similarity: ['cosine', 'jaccard'], k: [10, 20] }, (item) => ({
   *   dataset: ingest.outputs.dataset, similarity: item.similarity, k: item.k,
   * }));
   * b.task('pick-best', pickBest, { modelIds: train.outputs.modelId, ndcg: train.outputs.ndcg });
   */
  fanOut<I extends StepIO, O extends StepIO, const D extends FanOutSource>(
    id: string,
    step: Step<I, O>,
    over: D,
    inputs: (item: ItemRefs<D>) => TaskInputs<I>,
  ): FanOutHandle<FanOutOutputs<O>, ItemValue<D>> {
    const where = { task: typeof id === 'string' ? id : undefined, field: 'fanOut' };
    let fanOut: NonNullable<TaskDraft['fanOut']>;
    let itemSpec: 'scalar' | string[];
    let itemsBinding: Binding;
    if (over instanceof Ref) {
      const b = over.binding;
      const list = this.#listSpec(b, where);
      fanOut =
        b.from === 'param'
          ? { source: 'param', param: b.param }
          : { source: 'output', ...(b as { task: string; output: string }) };
      itemSpec = list?.of.type === 'record' ? Object.keys(list.of.fields) : 'scalar';
      itemsBinding = b;
    } else if (Array.isArray(over)) {
      fanOut = { source: 'items', items: [...over] };
      const first = over[0];
      itemSpec =
        first !== null && typeof first === 'object' && !Array.isArray(first) ? Object.keys(first) : 'scalar';
      itemsBinding = { from: 'literal', value: [...over] };
    } else if (over !== null && typeof over === 'object') {
      const dims = Object.entries(over as Record<string, readonly unknown[]>);
      for (const [k, v] of dims) {
        if (!Array.isArray(v) || v.length === 0) {
          fail(
            'PIPELINE_INVALID_FAN_OUT',
            { ...where, field: `fanOut.${k}` },
            `dimension "${k}" must be a non-empty list of literal values; a product over parameters is not supported (fan out over one list parameter instead)`,
          );
        }
      }
      if (dims.length === 0)
        fail('PIPELINE_INVALID_FAN_OUT', where, 'fan-out over an empty product: give at least one dimension');
      const items = dims.reduce<Record<string, unknown>[]>(
        (acc, [k, values]) => acc.flatMap((partial) => values.map((v) => ({ ...partial, [k]: v }))),
        [{}],
      );
      fanOut = { source: 'items', items };
      itemSpec = dims.map(([k]) => k);
      itemsBinding = { from: 'literal', value: items };
    } else {
      return fail(
        'PIPELINE_INVALID_FAN_OUT',
        where,
        'fanOut() takes a list, a { dimension: values } object, or a list parameter or output',
      );
    }
    const item =
      itemSpec === 'scalar'
        ? new Ref({ from: 'item' })
        : Object.freeze(Object.fromEntries(itemSpec.map((f) => [f, new Ref({ from: 'item', field: f })])));
    const draft = this.#add(
      id,
      step as unknown as Step,
      inputs(item as ItemRefs<D>) as Record<string, unknown>,
    );
    draft.fanOut = fanOut;
    const gathered: Record<string, Ref<unknown>> = {};
    for (const o of Object.keys(step.spec.outputs.params))
      gathered[o] = new Ref({ from: 'output', task: id, output: o });
    return new FanOutHandle<FanOutOutputs<O>, ItemValue<D>>(
      this.#state,
      draft,
      step as unknown as Step,
      Object.freeze(gathered) as FanOutOutputs<O>,
      itemsBinding,
    );
  }

  /**
   * Set the exit handler: a task run once after the DAG ends, whatever its outcome (Argo `onExit`). It may
   * read parameters, literals and `b.run` facts.
   * @example b.onExit('finalize', finalizeStep, { status: b.run.status, failures: b.run.failures });
   */
  onExit<I extends StepIO, O extends StepIO>(
    id: string,
    step: Step<I, O>,
    inputs: TaskInputs<I>,
  ): TaskOptionsHandle {
    if (this.#exit !== undefined) {
      fail(
        'PIPELINE_INVALID_EXIT_HANDLER',
        { task: id, field: 'onExit' },
        `a pipeline has one exit handler; "${this.#exit.id}" is already set`,
      );
    }
    const draft = this.#add(id, step as unknown as Step, inputs as Record<string, unknown>);
    this.#exit = draft;
    return new TaskOptionsHandle(this.#state, draft, step as unknown as Step);
  }

  #listSpec(b: Binding, where: { task?: string; field: string }): { of: ValueSpec } | undefined {
    if (b.from === 'param') {
      const s = this.#state.params[b.param];
      return s?.type === 'list' ? s : undefined;
    }
    if (b.from === 'output') {
      const producer = this.#state.drafts.get(b.task);
      const s = producer?.step.spec.outputs.params[b.output];
      return s?.type === 'list' ? s : undefined;
    }
    return fail(
      'PIPELINE_INVALID_FAN_OUT',
      where,
      'fanOut() over a reference takes a list parameter or a list output',
    );
  }

  #add(id: string, step: Step, inputs: Record<string, unknown>): MutableDraft {
    const s = this.#state;
    if (s.sealed)
      fail('PIPELINE_INVALID_OPTION', { task: id, field: 'task' }, 'tasks can only be added inside build()');
    checkLabel('task ID', id, { task: typeof id === 'string' ? id : undefined, field: 'id' });
    if (s.drafts.has(id))
      fail('PIPELINE_DUPLICATE_TASK', { task: id, field: 'id' }, `task ID "${id}" is used twice`);
    if (typeof step?.spec?.name !== 'string' || typeof step.run !== 'function') {
      fail('PIPELINE_INVALID_STEP', { task: id, field: 'step' }, 'the step must come from defineStep()');
    }
    const known = s.steps.get(step.name);
    if (known !== undefined && known !== step) {
      fail(
        'PIPELINE_DUPLICATE_STEP',
        { task: id, field: 'step' },
        `two different steps are named "${step.name}"; give each step its own name`,
      );
    }
    s.steps.set(step.name, step);
    if (inputs === null || typeof inputs !== 'object') {
      fail(
        'PIPELINE_MISSING_INPUT',
        { task: id, field: 'inputs' },
        'inputs must be an object (use {} for none)',
      );
    }
    const bound: Record<string, Binding> = {};
    for (const [k, v] of Object.entries(inputs)) if (v !== undefined) bound[k] = toBinding(v);
    const draft: MutableDraft = {
      id,
      step: { name: step.spec.name, version: step.spec.version },
      inputs: bound,
      after: [],
      options: {},
    };
    s.drafts.set(id, { draft, step });
    return draft;
  }

  /** @internal */
  seal(): { tasks: TaskDraft[]; exitHandler?: TaskDraft; steps: Map<string, Step> } {
    this.#state.sealed = true;
    const tasks = [...this.#state.drafts.values()].map((d) => d.draft).filter((d) => d !== this.#exit);
    return {
      tasks,
      ...(this.#exit === undefined ? {} : { exitHandler: this.#exit }),
      steps: this.#state.steps,
    };
  }
}

/** What {@link definePipeline} takes. */
export interface PipelineOptions<P extends Record<string, ParamSpec>> {
  /** DNS-1123, at most 63 characters; the WorkflowTemplate's name. */
  name: string;
  description?: string;
  /** Run parameters, with defaults and validation. @default {} */
  params?: P;
  /** A lock every run holds while it runs, so two runs never overlap (Argo `synchronization.mutexes`). */
  mutex?: string;
  /** Whole-run deadline in seconds (Argo `spec.activeDeadlineSeconds`). @default none */
  timeoutSeconds?: number;
  /** Most tasks running at once (Argo `spec.parallelism`). @default unlimited */
  parallelism?: number;
  /** Adds the tasks. `p` holds a reference per parameter; `b` adds tasks. */
  build: (p: ParamRefs<P>, b: PipelineBuilder) => void;
}

/** A defined pipeline: the validated IR and the steps that run it. */
export interface Pipeline<P extends Record<string, ParamSpec> = Record<string, ParamSpec>> {
  readonly name: string;
  /** The frozen, JSON-serialisable IR. */
  readonly spec: PipelineSpec;
  /** Steps by name, with their code. */
  readonly steps: ReadonlyMap<string, Step>;
  /** Parameter specs as declared (for typing). */
  readonly params: Readonly<P>;
  /** The step task `taskId` runs; throws `PIPELINE_UNKNOWN_TASK`. */
  stepFor(taskId: string): Step;
}

/**
 * Define a pipeline: parameters with defaults and validation, and a `build` that adds tasks. Everything is
 * validated before this returns; errors are `PipelineError`s naming the task and the field.
 *
 * @example
 * const pipeline = definePipeline({
 *   name: 'recommender',
 *   params: { datasetUri: param.string({ default: 'bookstore-db://orders' }) },
 *   build: (p, b) => {
 *     const ingest = b.task('ingest', ingestStep, { datasetUri: p.datasetUri });
 *     b.task('validate', validateStep, { dataset: ingest.outputs.dataset });
 *   },
 * });
 */
export function definePipeline<const P extends Record<string, ParamSpec> = Record<never, never>>(
  options: PipelineOptions<P>,
): Pipeline<P> {
  if (typeof options?.build !== 'function') {
    fail(
      'PIPELINE_INVALID_SPEC',
      { field: 'build' },
      `pipeline ${JSON.stringify(options?.name)}: build must be a function`,
    );
  }
  const params = (options.params ?? {}) as P;
  const b = new PipelineBuilder(params);
  const refs = Object.freeze(
    Object.fromEntries(Object.keys(params).map((k) => [k, new Ref({ from: 'param', param: k })])),
  ) as ParamRefs<P>;
  options.build(refs, b);
  const { tasks, exitHandler, steps } = b.seal();
  const spec = validatePipelineSpec({
    name: options.name,
    ...(options.description === undefined ? {} : { description: options.description }),
    params,
    steps: Object.fromEntries([...steps].map(([n, s]) => [n, s.spec])),
    tasks,
    ...(exitHandler === undefined ? {} : { exitHandler }),
    ...(options.mutex === undefined ? {} : { mutex: options.mutex }),
    ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }),
    ...(options.parallelism === undefined ? {} : { parallelism: options.parallelism }),
  });
  const byTask = new Map(
    [...spec.tasks, ...(spec.exitHandler ? [spec.exitHandler] : [])].map((t) => [t.id, t]),
  );
  return Object.freeze({
    name: spec.name,
    spec,
    steps,
    params,
    stepFor(taskId: string): Step {
      const t = byTask.get(taskId);
      if (t === undefined) {
        return fail(
          'PIPELINE_UNKNOWN_TASK',
          { task: taskId, field: 'task' },
          `pipeline "${spec.name}" has no task "${taskId}" (tasks: ${[...byTask.keys()].join(', ')})`,
        );
      }
      return steps.get(t.step.name)!;
    },
  });
}
