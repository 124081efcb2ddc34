import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../core/index.js';

/**
 * Every error `pipeline/`'s definitions and compiler raise, by code. The thrown message names the task
 * (when there is one) and the field, and says what to do. All are caller errors (HTTP 400, not
 * retryable): the same definition fails the same way every time.
 */
export const PIPELINE_ERRORS = defineErrors('PIPELINE', {
  PIPELINE_INVALID_NAME: {
    status: 400,
    description:
      'A name breaks its rule: a task ID or step name that is not DNS-1123, a parameter that is not camelCase.',
  },
  PIPELINE_DUPLICATE_TASK: {
    status: 400,
    description: 'Two tasks share one ID (the exit handler included), or a task uses a reserved ID.',
  },
  PIPELINE_DUPLICATE_STEP: {
    status: 400,
    description: 'Two different step definitions share one name in the same pipeline.',
  },
  PIPELINE_INVALID_STEP: {
    status: 400,
    description:
      'A step definition is malformed: no version, a bad timeout, `retrySafe: false` with retries, a bad env name.',
  },
  PIPELINE_CYCLE: {
    status: 400,
    description: "The tasks' dependencies form a cycle; the message lists it.",
  },
  PIPELINE_MISSING_INPUT: {
    status: 400,
    description: 'A required step input (no default) is not wired.',
  },
  PIPELINE_UNKNOWN_INPUT: {
    status: 400,
    description: 'A task wires an input its step does not declare.',
  },
  PIPELINE_UNKNOWN_PARAM: {
    status: 400,
    description: 'A reference to a pipeline parameter that is not declared, or a run submitted with one.',
  },
  PIPELINE_UNKNOWN_TASK: {
    status: 400,
    description: 'A reference (input, `after`, `when`, fan-out) to a task that is not in the pipeline.',
  },
  PIPELINE_UNKNOWN_OUTPUT: {
    status: 400,
    description: "A reference to an output the upstream task's step does not declare.",
  },
  PIPELINE_TYPE_MISMATCH: {
    status: 400,
    description:
      'An output, parameter, item or literal does not fit the type of the input (or operand) it feeds.',
  },
  PIPELINE_INVALID_PARAM: {
    status: 400,
    description: 'A parameter declaration or value is invalid: bad default, out of range, not in the enum.',
  },
  PIPELINE_INVALID_RETRY: {
    status: 400,
    description: 'A retry policy value is out of range; the field is named (`retry.backoff.factor`).',
  },
  PIPELINE_INVALID_OPTION: {
    status: 400,
    description:
      'A task option is invalid: timeout, mutex name, caching a step with side effects, options after build.',
  },
  PIPELINE_INVALID_WHEN: {
    status: 400,
    description: 'A `when` condition is malformed or compares what cannot be compared.',
  },
  PIPELINE_INVALID_FAN_OUT: {
    status: 400,
    description:
      "A fan-out is malformed: empty list, bad source, `when` on a fan-out, a fan-out's artifact consumed.",
  },
  PIPELINE_INVALID_EXIT_HANDLER: {
    status: 400,
    description:
      'The exit handler references task outputs, uses `after`/`when`/fan-out, or a second one is declared.',
  },
  PIPELINE_INVALID_OUTPUT: {
    status: 400,
    description:
      'A step returned an output it does not declare, left one out, or returned a bad value or path.',
  },
  PIPELINE_INVALID_SPEC: {
    status: 400,
    description: 'A pipeline spec (IR) read from JSON is not shaped like one.',
  },
  PIPELINE_INVALID_COMPILE_OPTIONS: {
    status: 400,
    description: 'Compile options are invalid or unknown; every bad key is listed.',
  },
  PIPELINE_UNSUPPORTED_ON_TARGET: {
    status: 400,
    description:
      'Something in the spec has no faithful form on the target; compiling stops and names it (parity).',
  },
  PIPELINE_INVALID_MANIFEST: {
    status: 400,
    description:
      "A compiled manifest failed the compiler's own checks (spec/argo.md §18) or could not be read back.",
  },
});

/** One of the codes in {@link PIPELINE_ERRORS}. */
export type PipelineErrorCode = keyof typeof PIPELINE_ERRORS;

/** Options of a {@link PipelineError}: the usual error options plus the task at fault. */
export interface PipelineErrorOptions extends CatalogueErrorOptions {
  /** ID of the task at fault, when there is one. */
  task?: string;
}

/**
 * A pipeline definition, compile or parameter error: a `BookmlError` whose `code` is one of
 * {@link PIPELINE_ERRORS}, with the offending `task` and `field`.
 *
 * @example
 * throw new PipelineError('PIPELINE_INVALID_RETRY', 'task "train": retry.backoff.factor must be ≥ 1, got 0.5', {
 *   task: 'train',
 *   field: 'retry.backoff.factor',
 * });
 */
export class PipelineError extends BookmlError {
  declare readonly code: PipelineErrorCode;
  /** ID of the task at fault, when there is one. */
  readonly task: string | undefined;
  constructor(code: PipelineErrorCode, message: string, options: PipelineErrorOptions = {}) {
    super(PIPELINE_ERRORS[code], message, options);
    this.name = 'PipelineError';
    this.task = options.task;
  }
}

/** Throw a {@link PipelineError} whose message starts with the task it is about. @internal */
export function fail(
  code: PipelineErrorCode,
  where: { task?: string; field?: string },
  reason: string,
): never {
  const prefix = where.task === undefined ? '' : `task "${where.task}": `;
  throw new PipelineError(code, `${prefix}${reason}`, { task: where.task, field: where.field });
}
