import { BookmlError, type BookmlErrorOptions } from '../core/index.js';

/**
 * Every error `pipeline/` raises, by code. Each entry says when it happens; the thrown message names the
 * task (when there is one) and the field, and says what to do. All are caller errors (HTTP 400, not
 * retryable): the same definition fails the same way every time.
 */
export const PipelineErrorCodes = {
  /** A name breaks its rule: a task ID or step name that is not DNS-1123, a parameter that is not camelCase. */
  PIPELINE_INVALID_NAME: 'PIPELINE_INVALID_NAME',
  /** Two tasks share one ID (the exit handler included), or a task uses a reserved ID. */
  PIPELINE_DUPLICATE_TASK: 'PIPELINE_DUPLICATE_TASK',
  /** Two different step definitions share one name in the same pipeline. */
  PIPELINE_DUPLICATE_STEP: 'PIPELINE_DUPLICATE_STEP',
  /** A step definition is malformed: no version, a bad timeout, `retrySafe: false` with retries, a bad env name. */
  PIPELINE_INVALID_STEP: 'PIPELINE_INVALID_STEP',
  /** The tasks' dependencies form a cycle; the message lists it. */
  PIPELINE_CYCLE: 'PIPELINE_CYCLE',
  /** A required step input (no default) is not wired. */
  PIPELINE_MISSING_INPUT: 'PIPELINE_MISSING_INPUT',
  /** A task wires an input its step does not declare. */
  PIPELINE_UNKNOWN_INPUT: 'PIPELINE_UNKNOWN_INPUT',
  /** A reference to a pipeline parameter that is not declared, or a run submitted with one. */
  PIPELINE_UNKNOWN_PARAM: 'PIPELINE_UNKNOWN_PARAM',
  /** A reference (input, `after`, `when`, fan-out) to a task that is not in the pipeline. */
  PIPELINE_UNKNOWN_TASK: 'PIPELINE_UNKNOWN_TASK',
  /** A reference to an output the upstream task's step does not declare. */
  PIPELINE_UNKNOWN_OUTPUT: 'PIPELINE_UNKNOWN_OUTPUT',
  /** An output, parameter, item or literal does not fit the type of the input (or operand) it feeds. */
  PIPELINE_TYPE_MISMATCH: 'PIPELINE_TYPE_MISMATCH',
  /** A parameter declaration or value is invalid: bad default, out of range, not in the enum. */
  PIPELINE_INVALID_PARAM: 'PIPELINE_INVALID_PARAM',
  /** A retry policy value is out of range; the field is named (`retry.backoff.factor`). */
  PIPELINE_INVALID_RETRY: 'PIPELINE_INVALID_RETRY',
  /** A task option is invalid: timeout, mutex name, caching a step with side effects, options after build. */
  PIPELINE_INVALID_OPTION: 'PIPELINE_INVALID_OPTION',
  /** A `when` condition is malformed or compares what cannot be compared. */
  PIPELINE_INVALID_WHEN: 'PIPELINE_INVALID_WHEN',
  /** A fan-out is malformed: empty list, bad source, `when` on a fan-out, a fan-out's artifact consumed. */
  PIPELINE_INVALID_FAN_OUT: 'PIPELINE_INVALID_FAN_OUT',
  /** The exit handler references task outputs, uses `after`/`when`/fan-out, or a second one is declared. */
  PIPELINE_INVALID_EXIT_HANDLER: 'PIPELINE_INVALID_EXIT_HANDLER',
  /** A step returned an output it does not declare, left one out, or returned a bad value or path. */
  PIPELINE_INVALID_OUTPUT: 'PIPELINE_INVALID_OUTPUT',
  /** A pipeline spec (IR) read from JSON is not shaped like one. */
  PIPELINE_INVALID_SPEC: 'PIPELINE_INVALID_SPEC',
  /** Compile options are invalid or unknown; every bad key is listed. */
  PIPELINE_INVALID_COMPILE_OPTIONS: 'PIPELINE_INVALID_COMPILE_OPTIONS',
  /** Something in the spec has no faithful form on the target; compiling stops and names it (parity). */
  PIPELINE_UNSUPPORTED_ON_TARGET: 'PIPELINE_UNSUPPORTED_ON_TARGET',
  /** A compiled manifest failed the compiler's own checks (spec/argo.md §18) or could not be read back. */
  PIPELINE_INVALID_MANIFEST: 'PIPELINE_INVALID_MANIFEST',
} as const;

export type PipelineErrorCode = keyof typeof PipelineErrorCodes;

/** Options of a {@link PipelineError}: the usual error options plus the task at fault. */
export interface PipelineErrorOptions extends BookmlErrorOptions {
  /** ID of the task at fault, when there is one. */
  task?: string;
}

/**
 * A pipeline definition, compile or parameter error: a `BookmlError` whose `code` is one of
 * {@link PipelineErrorCodes}, with the offending `task` and `field`.
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
    super(code, message, options);
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
