import { encodeParamValue } from './param.js';

/**
 * Where a task input (or a `when` operand) gets its value: a literal, a pipeline parameter, an upstream
 * task's output, the current fan-out item (or one of its fields), or the run itself. Plain JSON, part of
 * the IR.
 */
export type Binding =
  | { readonly from: 'literal'; readonly value: unknown }
  | { readonly from: 'param'; readonly param: string }
  | { readonly from: 'output'; readonly task: string; readonly output: string }
  | { readonly from: 'item'; readonly field?: string }
  | { readonly from: 'run'; readonly field: RunField };

/**
 * Facts about the run a task can read. `id`: the run ID (Argo `{{workflow.name}}`). `status` and
 * `failures` exist only for the exit handler: the run's outcome (`Succeeded`/`Failed`/`Error`) and a JSON
 * list of failed nodes (Argo `{{workflow.status}}`, `{{workflow.failures}}`).
 */
export type RunField = 'id' | 'status' | 'failures';

/**
 * A typed reference to a value that exists only at run time (parameter, output, item, run fact). The type
 * parameter is compile-time only.
 */
export class Ref<T> {
  declare readonly __type?: T;
  readonly binding: Binding;
  constructor(binding: Binding) {
    this.binding = Object.freeze(binding);
    Object.freeze(this);
  }
}

/** A reference to an upstream task's artifact output of kind `K`. */
export class ArtifactOutputRef<K extends 'file' | 'directory' = 'file' | 'directory'> {
  declare readonly __artifact?: K;
  readonly binding: Binding;
  constructor(binding: Binding) {
    this.binding = Object.freeze(binding);
    Object.freeze(this);
  }
}

/** A value of type `T`, or a reference to one. */
export type Bindable<T> = T | Ref<T>;

/**
 * References by name, for the rare wiring the typed handles do not reach (and for tests).
 *
 * @example
 * b.task('report', reportStep, { ndcg: ref.output<number>('evaluate', 'ndcg') });
 */
export const ref = {
  /** Pipeline parameter `name`. */
  param<T = unknown>(name: string): Ref<T> {
    return new Ref<T>({ from: 'param', param: name });
  },
  /** Output `output` of task `task`. */
  output<T = unknown>(task: string, output: string): Ref<T> {
    return new Ref<T>({ from: 'output', task, output });
  },
};

/** The binding a value stands for: a reference's, or a literal. @internal */
export function toBinding(value: unknown): Binding {
  if (value instanceof Ref || value instanceof ArtifactOutputRef) return value.binding;
  return { from: 'literal', value };
}

/**
 * A binding's canonical text, used to compare the local plan with a decompiled Argo DAG:
 * `param:datasetUri`, `output:ingest.dataset`, `item.k`, `run:id`, `literal:"10"` (the literal's text form).
 */
export function formatBinding(b: Binding): string {
  switch (b.from) {
    case 'literal':
      return `literal:${JSON.stringify(encodeParamValue(b.value))}`;
    case 'param':
      return `param:${b.param}`;
    case 'output':
      return `output:${b.task}.${b.output}`;
    case 'item':
      return b.field === undefined ? 'item' : `item.${b.field}`;
    case 'run':
      return `run:${b.field}`;
  }
}
