import { isBookmlError } from '../core/index.js';
import type { DecisionLog, TriggerDecision } from './decision-log.js';
import type { RunLauncher } from './ports.js';

/**
 * Carries out a recorded run outcome: stops the runs it replaces, submits its request (idempotent by
 * the request's key, so a replay after a crash makes no second run), and completes the record with the
 * run id. A retryable failure (database busy, executor unreachable) is thrown and leaves the record
 * incomplete for the next replay; any other failure completes it as `failed` with the error's code.
 *
 * @example const done = await carryOut(log, launcher, planned);
 */
export async function carryOut(
  log: DecisionLog,
  launcher: RunLauncher,
  d: TriggerDecision,
): Promise<TriggerDecision> {
  if (d.request === null) throw new TypeError(`decision ${d.id} (${d.outcome}) has no run request`);
  for (const runId of d.stoppedRunIds) {
    try {
      await launcher.stop(runId, `replaced by ${d.source} ${d.trigger} (${d.key})`);
    } catch (e) {
      // A run that cannot be stopped for good (gone, already ended) does not block its replacement.
      if (isRetryable(e)) throw e;
    }
  }
  try {
    const { runId } = await launcher.submit(d.request);
    return (await log.complete(d.id, { runId })) ?? d;
  } catch (e) {
    if (isRetryable(e)) throw e;
    const code = isBookmlError(e) ? `${e.code}: ` : '';
    const failed = `could not submit the run — ${code}${(e as Error).message ?? String(e)}`;
    return (await log.complete(d.id, { failed })) ?? d;
  }
}

function isRetryable(e: unknown): boolean {
  return isBookmlError(e) && e.retryable;
}
