import { fail } from '../errors.js';
import { DNS_LABEL, MAX_LABEL } from './names.js';
import { checkRetryPolicy } from './retry-policy.js';
import type { TaskDraft, TaskOptions } from './spec.js';
import { MAX_TIMEOUT_SECONDS, type StepSpec } from './step.js';

/** Task options (retry, timeout, cache, mutex) resolved against the step's defaults, and their checks. */

/** A task's effective options: its overrides over the step's, checked. @internal */
export function checkTaskOptions(t: TaskDraft, step: StepSpec): TaskOptions {
  const task = t.id;
  const o = t.options ?? {};
  const retry = checkRetryPolicy(o.retry ?? step.retry, { task, field: 'retry' });
  if (!step.retrySafe && retry.limit > 0) {
    fail(
      'PIPELINE_INVALID_RETRY',
      { task, field: 'retry.limit' },
      `retry.limit must be 0 because step "${step.name}" is not retry-safe (retrySafe: false), got ${retry.limit}`,
    );
  }
  const timeoutSeconds = checkSeconds(o.timeoutSeconds ?? step.timeoutSeconds, { task, field: 'timeout' });
  if (o.cache === true && !step.pure) {
    fail(
      'PIPELINE_INVALID_OPTION',
      { task, field: 'cache' },
      `cache(true): step "${step.name}" has side effects (pure: false) and is never cached`,
    );
  }
  if (o.cache !== undefined && typeof o.cache !== 'boolean') {
    fail('PIPELINE_INVALID_OPTION', { task, field: 'cache' }, 'cache must be true or false');
  }
  const cache = step.pure && o.cache !== false;
  return {
    retry,
    timeoutSeconds,
    cache,
    ...(o.mutex === undefined ? {} : { mutex: checkMutex(o.mutex, { task, field: 'mutex' }) }),
  };
}

/** Check a mutex name: DNS-1123 so it is a valid lock name on both targets. @internal */
export function checkMutex(name: unknown, where: { task?: string; field: string }): string {
  if (typeof name !== 'string' || !DNS_LABEL.test(name) || name.length > MAX_LABEL) {
    fail(
      'PIPELINE_INVALID_OPTION',
      where,
      `mutex name ${JSON.stringify(name)} must be lowercase letters, digits and '-' (at most ${MAX_LABEL})`,
    );
  }
  return name;
}

/** Check a timeout in whole seconds. @internal */
export function checkSeconds(v: unknown, where: { task?: string; field: string }): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_TIMEOUT_SECONDS) {
    fail(
      'PIPELINE_INVALID_OPTION',
      where,
      `${where.field} must be a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/** Check the most tasks running at once. @internal */
export function checkParallelism(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 10_000) {
    fail(
      'PIPELINE_INVALID_OPTION',
      { field: 'parallelism' },
      `parallelism must be an integer from 1 to 10000, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}
