import { describe, expect, it } from 'vitest';
import { type DueTicks, planDueTicks } from './tick-plan.js';

const H = 3_600_000;
const t0 = Date.parse('2026-01-01T00:00:00Z');
// Ticks every hour from 01:00 to 05:00; "now" is 05:05, so 05:00 is 5 minutes late (missed, not on time).
const hours = [1, 2, 3, 4, 5].map((h) => t0 + h * H);
const base: DueTicks = {
  ticks: { recent: hours, earlier: 0 },
  now: t0 + 5 * H + 5 * 60_000,
  startingDeadlineSeconds: 3 * 3600,
  catchUp: 'latest',
  catchUpCap: 10,
  onTimeToleranceMs: 60_000,
};
const summary = (plan: ReturnType<typeof planDueTicks>) =>
  plan.map((a) =>
    a.kind === 'run'
      ? `run ${(a.at - t0) / H}`
      : a.kind === 'skip'
        ? `${a.outcome} ${(a.at - t0) / H}`
        : a.outcome,
  );

describe('planDueTicks', () => {
  it('runs an on-time tick', () => {
    expect(planDueTicks({ ...base, ticks: { recent: [hours[4]], earlier: 0 }, now: hours[4] + 500 })).toEqual(
      [{ kind: 'run', at: hours[4], late: false }],
    );
  });

  it('records ticks older than the starting deadline as missed', () => {
    expect(summary(planDueTicks({ ...base, catchUp: 'none' }))).toEqual([
      'missed-deadline 1',
      'missed-deadline 2',
      'skipped-catch-up 3',
      'skipped-catch-up 4',
      'skipped-catch-up 5',
    ]);
  });

  it('catches up the newest missed tick with latest', () => {
    expect(summary(planDueTicks(base))).toEqual([
      'missed-deadline 1',
      'missed-deadline 2',
      'skipped-catch-up 3',
      'skipped-catch-up 4',
      'run 5',
    ]);
  });

  it('catches up the newest missed ticks up to the cap with all', () => {
    expect(summary(planDueTicks({ ...base, catchUp: 'all', catchUpCap: 2 }))).toEqual([
      'missed-deadline 1',
      'missed-deadline 2',
      'skipped-catch-up 3',
      'run 4',
      'run 5',
    ]);
  });

  it('with latest, an on-time tick supersedes the missed ones; with all, they run first', () => {
    const onTime = { ...base, now: hours[4] + 1_000 };
    expect(summary(planDueTicks(onTime))).toEqual([
      'missed-deadline 1',
      'missed-deadline 2',
      'skipped-catch-up 3',
      'skipped-catch-up 4',
      'run 5',
    ]);
    expect(planDueTicks({ ...onTime, catchUp: 'all' }).filter((a) => a.kind === 'run')).toEqual([
      { kind: 'run', at: hours[2], late: true },
      { kind: 'run', at: hours[3], late: true },
      { kind: 'run', at: hours[4], late: false },
    ]);
  });

  it('drops every missed tick with a deadline of 0, and folds very old ones into one record', () => {
    const plan = planDueTicks({
      ...base,
      startingDeadlineSeconds: 0,
      ticks: { recent: hours.slice(3), earlier: 3, earlierFrom: hours[0], earlierTo: hours[2] },
    });
    expect(summary(plan)).toEqual(['missed-deadline', 'missed-deadline 4', 'missed-deadline 5']);
    expect(plan[0]).toMatchObject({ kind: 'skip-many', count: 3, from: hours[0], to: hours[2] });
    expect((plan[0] as { reason: string }).reason).toContain(
      '3 ticks from 2026-01-01T01:00:00Z to 2026-01-01T03:00:00Z',
    );
  });
});
