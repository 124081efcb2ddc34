import type { RetryOn, RetryPolicy } from '../definition/retry-policy.js';
import { STEP_EXIT_CODES } from '../definition/step-io.js';
import { fail } from '../errors.js';

/**
 * Retry policy ↔ Argo `retryStrategy` (spec/argo.md §7). IntOrString fields are strings, durations whole
 * seconds (`"10s"`). The `expression` keeps errors a step marked non-retryable (exit code 2) from being
 * retried, as the local executor does; it is ANDed with `retryPolicy`.
 */

/** An Argo `retryStrategy`. */
export interface ArgoRetryStrategy {
  limit: string;
  retryPolicy: 'Always' | 'OnFailure' | 'OnError';
  expression: string;
  backoff: { duration: string; factor: string; maxDuration: string; cap?: string };
}

const POLICY: Record<RetryOn, ArgoRetryStrategy['retryPolicy']> = {
  always: 'Always',
  failure: 'OnFailure',
  error: 'OnError',
};

/** Retry unless the last attempt exited with the non-retryable code (an errored pod has no exit code). */
export const RETRY_EXPRESSION = `lastRetry.status == 'Error' || lastRetry.exitCode != '${STEP_EXIT_CODES.nonRetryable}'`;

/**
 * The `retryStrategy` of a normalised policy, or `undefined` for no retries.
 * @example compileRetry({ limit: 3, backoff: { durationSeconds: 10, factor: 2, maxDurationSeconds: 600 }, retryOn: 'always' });
 */
export function compileRetry(p: RetryPolicy): ArgoRetryStrategy | undefined {
  if (p.limit === 0 || p.backoff === undefined) return undefined;
  const b = p.backoff;
  return {
    limit: String(p.limit),
    retryPolicy: POLICY[p.retryOn ?? 'always'],
    expression: RETRY_EXPRESSION,
    backoff: {
      duration: `${b.durationSeconds}s`,
      factor: String(b.factor),
      maxDuration: `${b.maxDurationSeconds}s`,
      ...(b.capSeconds === undefined ? {} : { cap: `${b.capSeconds}s` }),
    },
  };
}

function seconds(v: unknown, field: string): number {
  const m = typeof v === 'string' ? /^(\d+)s$/.exec(v) : null;
  if (!m)
    return fail(
      'PIPELINE_INVALID_MANIFEST',
      { field },
      `${field}: ${JSON.stringify(v)} is not a duration bookml emits ("10s")`,
    );
  return Number(m[1]);
}

/** Read back what {@link compileRetry} wrote. */
export function decompileRetry(rs: Partial<ArgoRetryStrategy> | undefined): RetryPolicy {
  if (rs === undefined) return { limit: 0 };
  const retryOn = (Object.keys(POLICY) as RetryOn[]).find((k) => POLICY[k] === rs.retryPolicy);
  if (retryOn === undefined || rs.backoff === undefined || rs.expression !== RETRY_EXPRESSION) {
    return fail(
      'PIPELINE_INVALID_MANIFEST',
      { field: 'retryStrategy' },
      `retryStrategy ${JSON.stringify(rs)} is not one bookml emits`,
    );
  }
  const b = rs.backoff;
  return {
    limit: Number(rs.limit),
    backoff: {
      durationSeconds: seconds(b.duration, 'backoff.duration'),
      factor: Number(b.factor),
      maxDurationSeconds: seconds(b.maxDuration, 'backoff.maxDuration'),
      ...(b.cap === undefined ? {} : { capSeconds: seconds(b.cap, 'backoff.cap') }),
    },
    retryOn,
  };
}
