import type { FailureKind } from '../definition/retry-policy.js';
import type { ExecutorErrorCode } from './errors.js';
import type { StepExit } from './step-launcher.js';

/**
 * How an attempt ended, as the retry policy and the attempt record need it: `failure` (the step failed:
 * threw, exited 1, timed out — Argo `OnFailure`), `error` (the process crashed or was lost — `OnError`),
 * `non-retryable` (a `BookmlError` with `retryable: false`, exit 2, or a terminated run).
 */
export interface AttemptVerdict {
  kind: FailureKind;
  phase: 'Failed' | 'Error';
  code: string;
  message: string;
}

/**
 * Classify a step process's end. `undefined` means it succeeded (outputs still to be collected).
 * @example classifyExit({ code: 137, signal: 'SIGKILL' }, {}); // { kind: 'error', phase: 'Error', code: 'STEP_CRASHED', … }
 */
export function classifyExit(
  exit: StepExit,
  context: { killedFor?: 'timeout' | 'terminate'; timeoutSeconds?: number; shutdownMessage?: string },
): AttemptVerdict | undefined {
  const v = (
    kind: FailureKind,
    phase: 'Failed' | 'Error',
    code: string,
    message: string,
  ): AttemptVerdict => ({
    kind,
    phase,
    code,
    message,
  });
  if (context.killedFor === 'terminate') {
    return v(
      'non-retryable',
      'Failed',
      'STEP_TERMINATED' satisfies ExecutorErrorCode,
      `run ${context.shutdownMessage ?? 'terminated'}`,
    );
  }
  if (context.killedFor === 'timeout') {
    return v(
      'failure',
      'Failed',
      'STEP_TIMEOUT' satisfies ExecutorErrorCode,
      `timed out after ${context.timeoutSeconds}s; its process tree was killed`,
    );
  }
  if (exit.code === 0 && exit.result?.ok === true) return undefined;
  if (exit.result !== undefined && exit.result.ok === false) {
    const { error } = exit.result;
    return v(error.retryable ? 'failure' : 'non-retryable', 'Failed', error.code, error.message);
  }
  if (exit.code === 1 || exit.code === 2) {
    return v(
      exit.code === 2 ? 'non-retryable' : 'failure',
      'Failed',
      'STEP_FAILED' satisfies ExecutorErrorCode,
      `the step exited with code ${exit.code}`,
    );
  }
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return v('error', 'Error', 'STEP_CRASHED' satisfies ExecutorErrorCode, `the step process ${how}`);
}
