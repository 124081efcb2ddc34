import type { DecisionLog } from '../decision-log.js';
import type { RunLauncher } from '../ports.js';

/**
 * Decisions without a run (skipped, missed, failed ticks) kept per schedule. They explain gaps in the
 * history; beyond this many the oldest go, so a Forbid schedule ticking every minute cannot grow the
 * table without bound.
 */
export const SKIPPED_TICKS_KEPT = 100;

/** What {@link pruneHistory} dropped. */
export interface PruneResult {
  /** Runs dropped from the schedule's history (and handed to `launcher.prune` when it has one). */
  readonly prunedRunIds: readonly string[];
  /** Decisions without a run deleted beyond {@link SKIPPED_TICKS_KEPT}. */
  readonly trimmedDecisions: number;
}

/**
 * Applies a schedule's history limits (Argo `successfulJobsHistoryLimit`/`failedJobsHistoryLimit`): of
 * the finished runs its ticks started, the newest `successfulHistoryLimit` that succeeded and the newest
 * `failedHistoryLimit` that failed stay; older ones are pruned — `launcher.prune(runId)` deletes the run
 * where the launcher supports it, and the decision that started it is deleted. Active runs always stay;
 * a run the launcher no longer knows is dropped from the history.
 *
 * @example await pruneHistory(log, launcher, schedule, (e) => logger.warn(e));
 */
export async function pruneHistory(
  log: DecisionLog,
  launcher: RunLauncher,
  schedule: {
    readonly name: string;
    readonly successfulHistoryLimit: number;
    readonly failedHistoryLimit: number;
  },
  onPruneError: (runId: string, error: unknown) => void,
): Promise<PruneResult> {
  const withRuns = await log.withRuns('schedule', schedule.name);
  const outcomes =
    withRuns.length === 0 ? {} : await launcher.outcomes(withRuns.map((d) => d.runId as string));
  let succeeded = 0;
  let failed = 0;
  const dropIds: number[] = [];
  const pruned: string[] = [];
  for (const d of withRuns) {
    const runId = d.runId as string;
    const outcome = outcomes[runId] ?? 'unknown';
    if (outcome === 'active') continue;
    if (outcome === 'succeeded' && ++succeeded <= schedule.successfulHistoryLimit) continue;
    if (outcome === 'failed' && ++failed <= schedule.failedHistoryLimit) continue;
    dropIds.push(d.id);
    if (outcome === 'unknown') continue;
    pruned.push(runId);
    try {
      await launcher.prune?.(runId);
    } catch (e) {
      // The record goes anyway: a run the launcher refuses to delete (it made a registered version)
      // would otherwise be retried, and refused, on every tick.
      onPruneError(runId, e);
    }
  }
  await log.delete(dropIds);
  const trimmedDecisions = await log.trimWithoutRuns('schedule', schedule.name, SKIPPED_TICKS_KEPT);
  return { prunedRunIds: pruned, trimmedDecisions };
}
