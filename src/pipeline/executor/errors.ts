import { BookmlError } from '../../core/index.js';

/**
 * Every error the local executor and the run commands raise, by code: HTTP status and whether the same
 * call may succeed later. `STEP_*` codes are also written to an attempt's `error_code`, so `run get`
 * shows why an attempt ended.
 */
export const EXECUTOR_ERRORS = {
  /** No run with that ID (or `@latest` on an empty workspace). */
  RUN_NOT_FOUND: { code: 'RUN_NOT_FOUND', status: 404, retryable: false },
  /** The run has no node with that ID; the message lists the nodes it has. */
  RUN_NODE_NOT_FOUND: { code: 'RUN_NODE_NOT_FOUND', status: 404, retryable: false },
  /** The pipeline is not in the catalogue; the message lists the ones that are. */
  RUN_PIPELINE_NOT_FOUND: { code: 'RUN_PIPELINE_NOT_FOUND', status: 404, retryable: false },
  /** The pipeline catalogue module could not be loaded or exports no pipelines. */
  RUN_CATALOG_INVALID: { code: 'RUN_CATALOG_INVALID', status: 500, retryable: false },
  /** The operation needs a finished run (delete, retry, resubmit of a running run). */
  RUN_NOT_FINISHED: { code: 'RUN_NOT_FINISHED', status: 409, retryable: true },
  /** The operation needs a run still going (stop, terminate). */
  RUN_ALREADY_FINISHED: { code: 'RUN_ALREADY_FINISHED', status: 409, retryable: false },
  /** Only a Failed or Error run can be retried; a Succeeded one can be resubmitted. */
  RUN_NOT_RETRYABLE: { code: 'RUN_NOT_RETRYABLE', status: 409, retryable: false },
  /** No executor is serving the workspace, so a watched run cannot progress; its log says why. */
  RUN_NO_EXECUTOR: { code: 'RUN_NO_EXECUTOR', status: 503, retryable: true },
  /** The step runtime module could not be loaded or exports no `openStepRuntime`. */
  RUN_RUNTIME_INVALID: { code: 'RUN_RUNTIME_INVALID', status: 500, retryable: false },
  /** A step used a port (`ctx.registry`, `ctx.datasets`, …) of an executor started without a runtime. */
  RUN_NO_RUNTIME: { code: 'RUN_NO_RUNTIME', status: 500, retryable: false },
  /** The executor serving a Running run died or stopped and none took over; `bookml run executor` resumes it. */
  RUN_EXECUTOR_LOST: { code: 'RUN_EXECUTOR_LOST', status: 503, retryable: true },
  /** A `-p key=value` flag is malformed. */
  RUN_BAD_PARAM_FLAG: { code: 'RUN_BAD_PARAM_FLAG', status: 400, retryable: false },
  /** No artifact with that sha256 (or prefix) is recorded, or the prefix is ambiguous. */
  RUN_ARTIFACT_NOT_FOUND: { code: 'RUN_ARTIFACT_NOT_FOUND', status: 404, retryable: false },
  /** The step exited non-zero (it threw, or its outputs were not what it declares). */
  STEP_FAILED: { code: 'STEP_FAILED', status: 500, retryable: true },
  /** The step exceeded its timeout; its whole process tree was killed. */
  STEP_TIMEOUT: { code: 'STEP_TIMEOUT', status: 504, retryable: true },
  /** The step process died by a signal or could not start. */
  STEP_CRASHED: { code: 'STEP_CRASHED', status: 500, retryable: true },
  /** The executor that launched the attempt died; a restarted executor declared the attempt lost. */
  STEP_ORPHANED: { code: 'STEP_ORPHANED', status: 500, retryable: true },
  /** The run was terminated while the step ran. */
  STEP_TERMINATED: { code: 'STEP_TERMINATED', status: 409, retryable: false },
  /** The engine could not prepare the step (inputs unresolvable, artifact missing). */
  STEP_SETUP_FAILED: { code: 'STEP_SETUP_FAILED', status: 500, retryable: false },
} as const;

/** One of the codes in {@link EXECUTOR_ERRORS}. */
export type ExecutorErrorCode = keyof typeof EXECUTOR_ERRORS;

/**
 * An executor or run-command error: a {@link BookmlError} whose status and retryability come from
 * {@link EXECUTOR_ERRORS}.
 * @example throw new ExecutorError('RUN_NOT_FOUND', 'no run "x"; list runs with `bookml run list`', { field: 'run' });
 */
export class ExecutorError extends BookmlError {
  declare readonly code: ExecutorErrorCode;
  constructor(code: ExecutorErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    const entry = EXECUTOR_ERRORS[code];
    super(code, message, { ...options, status: entry.status, retryable: entry.retryable });
    this.name = 'ExecutorError';
  }
}
