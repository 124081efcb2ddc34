import { BookmlError, type CatalogueErrorOptions, defineErrors } from '../../core/index.js';

/**
 * Every error the local executor and the run commands raise, by code (`RUN_*`, `STEP_*`). `STEP_*`
 * codes are also written to an attempt's `error_code`, so `run get` shows why an attempt ended.
 */
export const EXECUTOR_ERRORS = defineErrors('EXECUTOR', {
  RUN_NOT_FOUND: { status: 404, description: 'No run with that ID (or `@latest` on an empty workspace).' },
  RUN_NODE_NOT_FOUND: {
    status: 404,
    description: 'The run has no node with that ID; the message lists the nodes it has.',
  },
  RUN_PIPELINE_NOT_FOUND: {
    status: 404,
    description: 'The pipeline is not in the catalogue; the message lists the ones that are.',
  },
  RUN_CATALOG_INVALID: {
    status: 500,
    description: 'The pipeline catalogue module could not be loaded or exports no pipelines.',
  },
  RUN_NOT_FINISHED: {
    status: 409,
    retryable: true,
    description: 'The operation needs a finished run (delete, retry, resubmit of a running run).',
  },
  RUN_ALREADY_FINISHED: {
    status: 409,
    description: 'The operation needs a run still going (stop, terminate).',
  },
  RUN_NOT_RETRYABLE: {
    status: 409,
    description: 'Only a Failed or Error run can be retried; a Succeeded one can be resubmitted.',
  },
  RUN_NO_EXECUTOR: {
    status: 503,
    // The run is intact and the remedy is the caller's (start `bookml run executor`), so the CLI
    // reports it like a usage problem rather than a bookml failure.
    exitCode: 2,
    retryable: true,
    description: 'No executor is serving the workspace, so a watched run cannot progress; its log says why.',
  },
  RUN_RUNTIME_INVALID: {
    status: 500,
    description: 'The step runtime module could not be loaded or exports no `openStepRuntime`.',
  },
  RUN_NO_RUNTIME: {
    status: 500,
    description:
      'A step used a port (`ctx.registry`, `ctx.datasets`, …) of an executor started without a runtime.',
  },
  RUN_EXECUTOR_LOST: {
    status: 503,
    // As RUN_NO_EXECUTOR: the remedy is `bookml run executor`, which resumes the run.
    exitCode: 2,
    retryable: true,
    description:
      'The executor serving a Running run died or stopped and none took over; `bookml run executor` resumes it.',
  },
  RUN_BAD_PARAM_FLAG: { status: 400, description: 'A `-p key=value` flag is malformed.' },
  RUN_ARTIFACT_NOT_FOUND: {
    status: 404,
    description: 'No artifact with that sha256 (or prefix) is recorded, or the prefix is ambiguous.',
  },
  STEP_FAILED: {
    status: 500,
    retryable: true,
    description: 'The step exited non-zero (it threw, or its outputs were not what it declares).',
  },
  STEP_TIMEOUT: {
    status: 504,
    retryable: true,
    description: 'The step exceeded its timeout; its whole process tree was killed.',
  },
  STEP_CRASHED: {
    status: 500,
    retryable: true,
    description: 'The step process died by a signal or could not start.',
  },
  STEP_ORPHANED: {
    status: 500,
    retryable: true,
    description:
      'The executor that launched the attempt died; a restarted executor declared the attempt lost.',
  },
  STEP_TERMINATED: { status: 409, description: 'The run was terminated while the step ran.' },
  STEP_SETUP_FAILED: {
    status: 500,
    description: 'The engine could not prepare the step (inputs unresolvable, artifact missing).',
  },
});

/** One of the codes in {@link EXECUTOR_ERRORS}. */
export type ExecutorErrorCode = keyof typeof EXECUTOR_ERRORS;

/**
 * An executor or run-command error: a {@link BookmlError} whose status, exit code and retryability come
 * from {@link EXECUTOR_ERRORS}.
 * @example throw new ExecutorError('RUN_NOT_FOUND', 'no run "x"; list runs with `bookml run list`', { field: 'run' });
 */
export class ExecutorError extends BookmlError {
  declare readonly code: ExecutorErrorCode;
  constructor(code: ExecutorErrorCode, message: string, options: CatalogueErrorOptions = {}) {
    super(EXECUTOR_ERRORS[code], message, options);
    this.name = 'ExecutorError';
  }
}
