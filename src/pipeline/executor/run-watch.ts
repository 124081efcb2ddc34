import { type Clock, systemClock } from '../../core/index.js';
import type { MetadataDb, RunDetail, Workspace } from '../../store/index.js';
import { ExecutorError } from './errors.js';
import { EXECUTOR_HEARTBEAT_TIMEOUT_MS, executorPresence, isRunStale } from './executor-daemon.js';
import { executorLogPath } from './run-paths.js';
import { formatDuration } from './run-view.js';
import { isTerminalPhase, loadStore } from './store-loader.js';

/** Options of {@link watchRun}. */
export interface WatchRunOptions {
  /** @default systemClock */
  clock?: Clock;
  /** How often the run is read again, in ms. @default 150 */
  pollMs?: number;
  /**
   * How long a Running run may go without a live executor before the watch gives up with
   * `RUN_EXECUTOR_LOST`, in ms; also the heartbeat age after which an executor counts as gone.
   * @default 30000
   */
  executorTimeoutMs?: number;
  /** Called with the run each time it is read, the last time with its terminal phase. */
  onUpdate?: (run: RunDetail) => void;
}

/** A run still Pending this long after the watch began with no executor at all is reported, in ms. */
const PENDING_GRACE_MS = 5000;
/** Between two looks at the executors table, in ms (at most; a shorter timeout looks more often). */
const PRESENCE_EVERY_MS = 2000;

/**
 * Follow a run until it reaches a terminal phase, and resolve with it. Never waits forever on a run
 * nothing will move: rejects with `RUN_EXECUTOR_LOST` when a Running run has had no live executor for
 * `executorTimeoutMs` (it was killed or stopped), and with `RUN_NO_EXECUTOR` when a Pending run finds
 * no executor at all; both messages give the command that resumes the run.
 *
 * @example
 * const done = await watchRun(db, ws, run.id, { onUpdate: (r) => console.log(r.phase) });
 */
export async function watchRun(
  db: MetadataDb,
  ws: Workspace,
  runId: string,
  o: WatchRunOptions = {},
): Promise<RunDetail> {
  const clock = o.clock ?? systemClock;
  const timeoutMs = o.executorTimeoutMs ?? EXECUTOR_HEARTBEAT_TIMEOUT_MS;
  const presenceEvery = Math.min(PRESENCE_EVERY_MS, Math.max(1, Math.floor(timeoutMs / 2)));
  const { RunStore } = await loadStore();
  const runs = new RunStore(db);
  const started = clock.now();
  let checkedAt = Number.NEGATIVE_INFINITY;
  for (;;) {
    const run = await runs.getRun(runId);
    if (run === undefined) {
      throw new ExecutorError('RUN_NOT_FOUND', `run ${runId} was deleted while being watched`, {
        field: 'run',
      });
    }
    o.onUpdate?.(run);
    if (isTerminalPhase(run.phase)) return run;
    const now = clock.now();
    if (now - checkedAt >= presenceEvery) {
      checkedAt = now;
      const presence = await executorPresence(db, timeoutMs);
      if (presence.live === undefined) {
        if (run.phase === 'Running' && isRunStale(run, presence, now, timeoutMs)) {
          const since = presence.lastSeenAt ?? run.createdAt;
          throw new ExecutorError(
            'RUN_EXECUTOR_LOST',
            `run ${runId} is Running but no executor has served it for ${formatDuration(now - since)} ` +
              `(it was killed or stopped); resume it with \`bookml run executor\`, which retries the lost ` +
              `steps per their retry policy (a step without retries fails: then \`bookml run retry ${runId}\`)`,
            { field: 'executor' },
          );
        }
        if (run.phase === 'Pending' && now - started >= Math.min(PENDING_GRACE_MS, timeoutMs)) {
          throw new ExecutorError(
            'RUN_NO_EXECUTOR',
            `no executor is running, so ${runId} stays Pending; see ${executorLogPath(ws)} or start one with \`bookml run executor\``,
            { field: 'executor' },
          );
        }
      }
    }
    await clock.sleep(o.pollMs ?? 150);
  }
}
