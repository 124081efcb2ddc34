import { formatSpan, isoTime } from '../spans.js';
import type { MissedTicks } from './cron-times.js';
import type { CatchUpPolicy } from './schedule-spec.js';

/** What to do with one due tick (or, for `skip-many`, a run of old ones recorded as one decision). */
export type TickAction =
  | { readonly kind: 'run'; readonly at: number; readonly late: boolean }
  | {
      readonly kind: 'skip';
      readonly at: number;
      readonly outcome: 'missed-deadline' | 'skipped-catch-up';
      readonly reason: string;
    }
  | {
      readonly kind: 'skip-many';
      readonly from: number;
      readonly to: number;
      readonly count: number;
      readonly outcome: 'missed-deadline' | 'skipped-catch-up';
      readonly reason: string;
    };

/** Inputs of {@link planDueTicks}. */
export interface DueTicks {
  /** Ticks after the schedule's cursor, up to now. */
  readonly ticks: MissedTicks;
  /** Epoch ms. */
  readonly now: number;
  readonly startingDeadlineSeconds: number;
  readonly catchUp: CatchUpPolicy;
  readonly catchUpCap: number;
  /** A tick handled at most this late counts as on time, not missed (timer jitter, a busy loop). */
  readonly onTimeToleranceMs: number;
}

/**
 * Decides, oldest first, what becomes of every tick that fell due since the schedule's cursor:
 * - the newest tick, when it is at most `onTimeToleranceMs` old, is on time and runs;
 * - a missed tick older than `startingDeadlineSeconds` is `missed-deadline`;
 * - missed ticks inside the deadline run per `catchUp`: `none` runs none; `latest` runs the newest (none
 *   when an on-time tick runs anyway — Argo starts at most one missed run); `all` runs the newest
 *   `catchUpCap`. The rest are `skipped-catch-up`.
 * Pure: no clock, no store.
 *
 * @example
 * planDueTicks({ ticks: { recent: [t], earlier: 0 }, now: t + 500, startingDeadlineSeconds: 0,
 *   catchUp: 'latest', catchUpCap: 10, onTimeToleranceMs: 60_000 }); // [{ kind: 'run', at: t, late: false }]
 */
export function planDueTicks(d: DueTicks): TickAction[] {
  const recent = d.ticks.recent;
  const newest = recent.at(-1);
  const onTime = newest !== undefined && d.now - newest <= d.onTimeToleranceMs ? newest : undefined;
  const missed = onTime === undefined ? recent : recent.slice(0, -1);
  const deadlineMs = d.startingDeadlineSeconds * 1000;
  const inDeadline = missed.filter((t) => d.now - t <= deadlineMs);
  const runs = new Set(chooseCatchUps(inDeadline, d, onTime !== undefined));

  const out: TickAction[] = [];
  if (d.ticks.earlier > 0 && d.ticks.earlierFrom !== undefined && d.ticks.earlierTo !== undefined) {
    const beyond = d.now - d.ticks.earlierTo > deadlineMs;
    const count = d.ticks.earlier;
    out.push({
      kind: 'skip-many',
      from: d.ticks.earlierFrom,
      to: d.ticks.earlierTo,
      count,
      outcome: beyond ? 'missed-deadline' : 'skipped-catch-up',
      reason: beyond
        ? `${count} ticks from ${isoTime(d.ticks.earlierFrom)} to ${isoTime(d.ticks.earlierTo)} missed while bookml was down, beyond the starting deadline of ${d.startingDeadlineSeconds} s`
        : `${count} ticks from ${isoTime(d.ticks.earlierFrom)} to ${isoTime(d.ticks.earlierTo)} missed while bookml was down; only newer ones are considered for catch-up`,
    });
  }
  for (const t of missed) {
    const late = formatSpan(d.now - t);
    if (runs.has(t)) out.push({ kind: 'run', at: t, late: true });
    else if (d.now - t > deadlineMs) {
      out.push({
        kind: 'skip',
        at: t,
        outcome: 'missed-deadline',
        reason: `tick at ${isoTime(t)} missed by ${late}, beyond the starting deadline of ${d.startingDeadlineSeconds} s`,
      });
    } else {
      out.push({ kind: 'skip', at: t, outcome: 'skipped-catch-up', reason: skipReason(t, late, d, onTime) });
    }
  }
  if (onTime !== undefined) out.push({ kind: 'run', at: onTime, late: false });
  return out;
}

function chooseCatchUps(inDeadline: readonly number[], d: DueTicks, onTimeRuns: boolean): number[] {
  if (d.catchUp === 'none') return [];
  if (d.catchUp === 'latest') return onTimeRuns ? [] : inDeadline.slice(-1);
  return inDeadline.slice(-d.catchUpCap);
}

function skipReason(t: number, late: string, d: DueTicks, onTime: number | undefined): string {
  const head = `tick at ${isoTime(t)} missed by ${late}, inside the starting deadline`;
  if (d.catchUp === 'none') return `${head}; catchUp is none`;
  if (d.catchUp === 'latest') {
    return onTime === undefined
      ? `${head}; catchUp is latest and a newer missed tick runs`
      : `${head}; catchUp is latest and the on-time tick at ${isoTime(onTime)} runs`;
  }
  return `${head}; beyond the catch-up cap of ${d.catchUpCap} newest missed ticks`;
}
