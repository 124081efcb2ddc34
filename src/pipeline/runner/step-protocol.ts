/**
 * Messages between the executor and a step process over the IPC channel. A step process is spawned ahead
 * of need (it loads the pipeline catalogue while the previous step runs), says `ready`, receives exactly
 * one `job`, answers with one `result`, and exits with a {@link STEP_EXIT_CODES} code — unless the job says
 * `reuse` and the step succeeded: then it writes an end marker on stdout and stderr and waits for the next.
 */

/** Written by a reused step process after a job, on stdout and stderr, so no log line is cut off. */
export const JOB_END = '\u0000bookml-job-end\u0000\n';

/** The one job a step process runs. */
export interface StepJob {
  type: 'job';
  /** The arguments of `bookml step` (see `formatStepArgs`). */
  args: string[];
  /** Attempt number from 0. */
  attempt: number;
  /** Extra environment for the step (run and node IDs). */
  env: Record<string, string>;
  /** After a success, mark the end of the job's output and wait for another job instead of exiting. */
  reuse: boolean;
}

/** A step's failure as the executor records it on the attempt. */
export interface StepFailure {
  code: string;
  message: string;
  retryable: boolean;
}

/** Messages a step process sends. */
export type StepMessage =
  | { type: 'ready' }
  | { type: 'fatal'; error: StepFailure }
  | { type: 'result'; ok: true }
  | { type: 'result'; ok: false; error: StepFailure };
