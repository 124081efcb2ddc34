import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULES, parseSchedule } from './schedule-spec.js';

describe('parseSchedule', () => {
  it('fills Argo’s defaults', () => {
    expect(parseSchedule({ name: 'hourly', pipeline: 'recommender', cron: '0 * * * *' })).toEqual({
      name: 'hourly',
      pipeline: 'recommender',
      cron: '0 * * * *',
      timezone: 'UTC',
      parameters: {},
      concurrencyPolicy: 'Allow',
      startingDeadlineSeconds: 0,
      catchUp: 'latest',
      catchUpCap: 10,
      successfulHistoryLimit: 3,
      failedHistoryLimit: 1,
      suspended: false,
    });
  });

  it('keeps the nightly default in step with the compiled CronWorkflow', () => {
    expect(parseSchedule(DEFAULT_SCHEDULES[0])).toMatchObject({
      name: 'recommender-nightly',
      cron: '0 2 * * *',
      timezone: 'UTC',
      concurrencyPolicy: 'Replace',
      startingDeadlineSeconds: 600,
      successfulHistoryLimit: 3,
      failedHistoryLimit: 5,
    });
  });

  it('lists every bad key, naming the first as the field', () => {
    const bad = () =>
      parseSchedule({
        name: 'Nightly!',
        pipeline: 'recommender',
        cron: '0 2 * * *',
        concurrencyPolicy: 'Queue',
      });
    expect(bad).toThrow(expect.objectContaining({ code: 'TRIGGERS_SCHEDULE_INVALID', field: 'name' }));
    expect(bad).toThrow(/name: .*; concurrencyPolicy: /);
    expect(() => parseSchedule({ name: 'a', pipeline: 'p', cron: 'every night' })).toThrow(
      expect.objectContaining({ field: 'cron' }),
    );
    expect(() => parseSchedule({ name: 'a', pipeline: 'p', cron: '@daily', catchUpCap: 0 })).toThrow(
      expect.objectContaining({ field: 'catchUpCap' }),
    );
  });
});
