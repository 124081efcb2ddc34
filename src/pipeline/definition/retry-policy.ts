import { fail } from '../errors.js';

/**
 * Which failures a retry policy retries. `failure`: the step itself failed (threw, exited non-zero, or
 * exceeded its timeout; Argo `OnFailure`). `error`: everything around the step failed (the process or pod
 * could not start, crashed, was killed or evicted; Argo `OnError`). `always`: both (Argo `Always`).
 * Argo's `OnTransientError` has no local meaning, so it is not offered.
 */
export type RetryOn = 'always' | 'failure' | 'error';

/** Exponential backoff between attempts. All values are whole seconds. */
export interface Backoff {
  /** Wait before the first retry, in seconds (≥ 1). */
  readonly durationSeconds: number;
  /** Each further wait is the previous one times this integer (≥ 1; Argo's factor is an integer). */
  readonly factor: number;
  /** No retry starts later than this many seconds after the first attempt started. */
  readonly maxDurationSeconds: number;
  /** Longest single wait, in seconds. @default no cap */
  readonly capSeconds?: number;
}

/**
 * How a task is retried. Total attempts = `limit + 1`. Errors a step marks as not retryable (a
 * `BookmlError` with `retryable: false`: bad data, a failed gate) are never retried, on either target.
 *
 * @example
 * const policy: RetryPolicy = {
 *   limit: 3,
 *   backoff: { durationSeconds: 10, factor: 2, maxDurationSeconds: 600 },
 *   retryOn: 'always',
 * };
 */
export interface RetryPolicy {
  /** Retries after the first attempt, 0–100. */
  readonly limit: number;
  /** Required when `limit > 0`. */
  readonly backoff?: Backoff;
  /** @default 'always' */
  readonly retryOn?: RetryOn;
}

/** No retries. */
export const NO_RETRY: RetryPolicy = Object.freeze({ limit: 0 });

/** Most retries a policy may ask for. */
export const MAX_RETRY_LIMIT = 100;

const RETRY_KEYS = ['limit', 'backoff', 'retryOn'];
const BACKOFF_KEYS = ['durationSeconds', 'factor', 'maxDurationSeconds', 'capSeconds'];
const RETRY_ON: readonly RetryOn[] = ['always', 'failure', 'error'];

/**
 * Validate a retry policy and return its normalised form (`retryOn` filled in; `limit: 0` keeps nothing
 * else). Every problem names its field: `retry.backoff.factor must be ≥ 1, got 0.5`.
 *
 * @example
 * checkRetryPolicy({ limit: 2, backoff: { durationSeconds: 5, factor: 2, maxDurationSeconds: 60 } }, { task: 'ingest' });
 */
export function checkRetryPolicy(input: unknown, where: { task?: string; field?: string } = {}): RetryPolicy {
  const base = where.field ?? 'retry';
  const bad = (field: string, reason: string): never =>
    fail('PIPELINE_INVALID_RETRY', { task: where.task, field }, `${field} ${reason}`);
  if (input === null || typeof input !== 'object' || Array.isArray(input)) bad(base, 'must be an object');
  const p = input as Record<string, unknown>;
  for (const k of Object.keys(p)) {
    if (!RETRY_KEYS.includes(k)) bad(`${base}.${k}`, `is not a retry option (use ${RETRY_KEYS.join(', ')})`);
  }
  const limit = p.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || limit > MAX_RETRY_LIMIT) {
    bad(`${base}.limit`, `must be an integer from 0 to ${MAX_RETRY_LIMIT}, got ${JSON.stringify(limit)}`);
  }
  const retryOn = p.retryOn ?? 'always';
  if (!RETRY_ON.includes(retryOn as RetryOn)) {
    bad(`${base}.retryOn`, `must be one of ${RETRY_ON.join(', ')}, got ${JSON.stringify(retryOn)}`);
  }
  if (p.backoff === undefined) {
    if ((limit as number) > 0) bad(`${base}.backoff`, 'is required when retry.limit > 0');
    return { limit: 0 };
  }
  const b = p.backoff as Record<string, unknown>;
  if (b === null || typeof b !== 'object' || Array.isArray(b)) bad(`${base}.backoff`, 'must be an object');
  for (const k of Object.keys(b)) {
    if (!BACKOFF_KEYS.includes(k))
      bad(`${base}.backoff.${k}`, `is not a backoff option (use ${BACKOFF_KEYS.join(', ')})`);
  }
  const seconds = (name: string, min: number): number => {
    const v = b[name];
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      return bad(`${base}.backoff.${name}`, `must be a whole number of seconds, got ${JSON.stringify(v)}`);
    }
    if (v < min) bad(`${base}.backoff.${name}`, `must be ≥ ${min}, got ${v}`);
    return v;
  };
  const durationSeconds = seconds('durationSeconds', 1);
  const f = b.factor;
  if (typeof f !== 'number' || !Number.isFinite(f) || f < 1) {
    bad(`${base}.backoff.factor`, `must be ≥ 1, got ${JSON.stringify(f)}`);
  }
  if (!Number.isInteger(f)) {
    bad(`${base}.backoff.factor`, `must be a whole number (Argo's backoff factor is an integer), got ${f}`);
  }
  const maxDurationSeconds = seconds('maxDurationSeconds', durationSeconds);
  const capSeconds = b.capSeconds === undefined ? undefined : seconds('capSeconds', durationSeconds);
  if (limit === 0) return { limit: 0 };
  const backoff: Backoff =
    capSeconds === undefined
      ? { durationSeconds, factor: f as number, maxDurationSeconds }
      : { durationSeconds, factor: f as number, maxDurationSeconds, capSeconds };
  return { limit: limit as number, backoff, retryOn: retryOn as RetryOn };
}

/** How a failed attempt failed, for {@link nextRetryDelaySeconds} (the store records the whole outcome as `AttemptOutcome`). */
export type FailureKind = 'failure' | 'error' | 'non-retryable';

/**
 * Seconds to wait before the next attempt, or `null` when the task must not be retried. Mirrors Argo's
 * controller: the n-th retry waits `duration × factor^(n−1)` (capped by `capSeconds`), and no retry is
 * scheduled if it would start after `maxDurationSeconds` from the first attempt's start.
 *
 * @param attempts attempts made so far (≥ 1)
 * @param elapsedSeconds from the first attempt's start to the last attempt's end
 * @example
 * nextRetryDelaySeconds(policy, 'failure', { attempts: 1, elapsedSeconds: 3 }); // 10
 */
export function nextRetryDelaySeconds(
  policy: RetryPolicy,
  outcome: FailureKind,
  progress: { attempts: number; elapsedSeconds: number },
): number | null {
  if (outcome === 'non-retryable' || policy.limit === 0 || policy.backoff === undefined) return null;
  const on = policy.retryOn ?? 'always';
  if (on !== 'always' && on !== outcome) return null;
  if (progress.attempts > policy.limit) return null;
  const b = policy.backoff;
  let delay = b.durationSeconds * b.factor ** (progress.attempts - 1);
  if (b.capSeconds !== undefined) delay = Math.min(delay, b.capSeconds);
  if (progress.elapsedSeconds + delay > b.maxDurationSeconds) return null;
  return delay;
}
