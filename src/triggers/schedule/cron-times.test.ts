import { describe, expect, it } from 'vitest';
import { CronTimes, cronProblem } from './cron-times.js';

const at = (iso: string) => Date.parse(iso);

describe('CronTimes', () => {
  it('gives the next tick strictly after a time', () => {
    const nightly = new CronTimes('0 2 * * *', 'UTC');
    expect(nightly.next(at('2026-01-01T00:00:00Z'))).toBe(at('2026-01-01T02:00:00Z'));
    expect(nightly.next(at('2026-01-01T02:00:00Z'))).toBe(at('2026-01-02T02:00:00Z'));
    expect(nightly.next(at('2026-01-01T01:59:59.999Z'))).toBe(at('2026-01-01T02:00:00Z'));
  });

  it('reads the expression in its time zone', () => {
    expect(new CronTimes('0 2 * * *', 'Europe/Berlin').next(at('2026-01-01T00:00:00Z'))).toBe(
      at('2026-01-01T01:00:00Z'),
    );
    expect(new CronTimes('0 2 * * *', 'America/New_York').next(at('2026-07-01T00:00:00Z'))).toBe(
      at('2026-07-01T06:00:00Z'),
    );
  });

  it('lists ticks in (after, until], the newest one by one and older ones counted', () => {
    const hourly = new CronTimes('0 * * * *', 'UTC');
    const t0 = at('2026-01-01T00:00:00Z');
    const all = hourly.between(t0, at('2026-01-01T05:00:00Z'), 10);
    expect(all.recent).toEqual([1, 2, 3, 4, 5].map((h) => t0 + h * 3_600_000));
    expect(all.earlier).toBe(0);

    const some = hourly.between(t0, at('2026-01-01T05:30:00Z'), 2);
    expect(some.recent).toEqual([t0 + 4 * 3_600_000, t0 + 5 * 3_600_000]);
    expect(some).toMatchObject({ earlier: 3, earlierFrom: t0 + 3_600_000, earlierTo: t0 + 3 * 3_600_000 });

    expect(hourly.between(t0, t0, 5)).toEqual({ recent: [], earlier: 0 });
  });

  it('accepts @daily-style nicknames and names what is wrong', () => {
    expect(cronProblem('@daily', 'UTC')).toBeUndefined();
    expect(cronProblem('0 25 * * *', 'UTC')).toMatchObject({ field: 'cron' });
    expect(cronProblem('0 2 * * * *', 'UTC')).toMatchObject({ field: 'cron' });
    expect(cronProblem('0 2 * * *', 'Mars/Olympus')).toMatchObject({ field: 'timezone' });
  });
});
