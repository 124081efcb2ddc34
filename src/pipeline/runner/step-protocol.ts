/**
 * Messages between the executor and a step process over the IPC channel. A step process is spawned ahead
 * of need with a boot environment only (no secrets, see `bootEnv`): it loads the pipeline catalogue and the
 * step runtime's modules while earlier steps run, says `ready`, receives exactly one `job` — which carries
 * the step's whole environment and working directory — answers with one `result`, and exits with a
 * {@link STEP_EXIT_CODES} code — unless the job says `reuse` and the step succeeded: then it writes an end
 * marker on stdout and stderr and waits for the next.
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
  /**
   * The step's whole environment: it replaces the process's boot environment before the step's runtime
   * is opened (the executor's step environment, the workspace, the run and node IDs).
   */
  env: Record<string, string>;
  /** The step's working directory. @default the directory the process was started in */
  cwd?: string;
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
