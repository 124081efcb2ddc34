import { Cron } from 'croner';

/** Missed ticks in a window: the newest ones one by one, the older ones only counted. */
export interface MissedTicks {
  /** The newest ticks, oldest first (epoch ms). */
  readonly recent: readonly number[];
  /** How many older ticks there were (a lower bound when there were very many). */
  readonly earlier: number;
  /** The first and last of the older ticks, when there were any. */
  readonly earlierFrom?: number;
  readonly earlierTo?: number;
}

// Counting older ticks walks them one by one; past this many (70 days of a once-a-minute schedule)
// the count is only a lower bound, so a long outage cannot stall the scheduler's start.
const COUNT_LIMIT = 100_000;

/**
 * The times a cron expression fires, in a time zone, as epoch milliseconds (croner, 5-field
 * expressions and `@daily`-style nicknames; day-of-month and day-of-week are ORed as in Vixie cron and
 * Argo). Nothing here runs a timer: the scheduler arms its own on the injected clock.
 *
 * Time-zone changes follow croner: a fixed time that falls in a skipped hour runs at the first valid
 * time after it, and a fixed time in a repeated hour runs once (Argo's robfig/cron skips the first and
 * runs the second twice).
 *
 * @example
 * const nightly = new CronTimes('0 2 * * *', 'UTC');
 * nightly.next(Date.parse('2026-01-01T12:00:00Z')); // Date.parse('2026-01-02T02:00:00Z')
 */
export class CronTimes {
  readonly #cron: Cron;

  /** @throws Error (croner's) when the expression or the time zone is invalid; see {@link cronProblem}. */
  constructor(
    readonly expression: string,
    readonly timezone: string,
  ) {
    this.#cron = new Cron(expression, { timezone, mode: '5-part' });
    // croner reads the zone only when it computes a time: compute one now, so a bad zone fails here.
    this.#cron.nextRun(new Date(0));
  }

  /** The first tick strictly after `afterMs`, or undefined if the expression never fires again. */
  next(afterMs: number): number | undefined {
    return this.#cron.nextRun(new Date(afterMs))?.getTime();
  }

  /** Ticks `t` with `afterMs < t ≤ untilMs`: the newest `keep` listed, older ones counted. */
  between(afterMs: number, untilMs: number, keep: number): MissedTicks {
    if (untilMs <= afterMs) return { recent: [], earlier: 0 };
    // previousRuns looks strictly before its reference; +1 ms takes in a tick at exactly `untilMs`.
    const newestFirst = this.#cron
      .previousRuns(keep + 1, new Date(untilMs + 1))
      .map((d) => d.getTime())
      .filter((t) => t > afterMs);
    if (newestFirst.length <= keep) return { recent: newestFirst.reverse(), earlier: 0 };
    const recent = newestFirst.slice(0, keep).reverse();
    const firstRecent = recent[0];
    let earlier = 0;
    let earlierFrom: number | undefined;
    let earlierTo: number | undefined;
    for (
      let t = this.next(afterMs);
      t !== undefined && t < firstRecent && earlier < COUNT_LIMIT;
      t = this.next(t)
    ) {
      earlier += 1;
      earlierFrom ??= t;
      earlierTo = t;
    }
    return { recent, earlier, earlierFrom, earlierTo };
  }
}

/**
 * Why a cron expression or time zone cannot be used, or `undefined` when both are fine.
 * @example cronProblem('0 25 * * *', 'UTC') // 'cron "0 25 * * *": …'
 */
export function cronProblem(
  expression: string,
  timezone: string,
): { field: string; message: string } | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    return { field: 'timezone', message: `"${timezone}" is not an IANA time zone (e.g. UTC, Europe/Berlin)` };
  }
  try {
    new CronTimes(expression, timezone);
    return undefined;
  } catch (e) {
    const why = (e as Error).message.replace(/^CronPattern:\s*/, '');
    return { field: 'cron', message: `"${expression}" is not a 5-field cron expression: ${why}` };
  }
}
