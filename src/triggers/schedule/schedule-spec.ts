import { z } from 'zod';
import { TriggersError } from '../errors.js';
import { cronProblem } from './cron-times.js';

/** What a tick does while a run of the schedule is active (Argo `concurrencyPolicy`). */
export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

/** Which ticks missed while bookml was down (and inside the starting deadline) still run. */
export type CatchUpPolicy = 'none' | 'latest' | 'all';

// DNS-1123 label of at most 52 characters: the same name compiles to an Argo CronWorkflow, which
// appends "-<10 digits>" to it for each Workflow.
const SCHEDULE_NAME = /^[a-z0-9]([a-z0-9-]{0,50}[a-z0-9])?$/;

const whole = (min: number, max: number) => z.number().int().min(min).max(max);

const scheduleSchema = z
  .object({
    /** Lowercase letters, digits and `-`, at most 52 characters. */
    name: z.string().regex(SCHEDULE_NAME, 'must be lowercase letters, digits and "-", at most 52 characters'),
    pipeline: z.string().min(1).max(128),
    /** Five-field cron expression, or `@daily`, `@hourly` and the like. */
    cron: z.string().min(1).max(256),
    /** IANA time zone the expression is read in. */
    timezone: z.string().min(1).default('UTC'),
    /** Parameter values of every run. */
    parameters: z.record(z.string(), z.json()).default({}),
    concurrencyPolicy: z.enum(['Allow', 'Forbid', 'Replace']).default('Allow'),
    /** Seconds after its time a missed tick may still start; 0 drops missed ticks (Argo's default). */
    startingDeadlineSeconds: whole(0, 366 * 24 * 3600).default(0),
    catchUp: z.enum(['none', 'latest', 'all']).default('latest'),
    /** With `catchUp: 'all'`, at most this many missed ticks run (the newest). */
    catchUpCap: whole(1, 1000).default(10),
    successfulHistoryLimit: whole(0, 1000).default(3),
    failedHistoryLimit: whole(0, 1000).default(1),
    suspended: z.boolean().default(false),
    description: z.string().max(1000).optional(),
  })
  .strict();

/**
 * A cron schedule that submits runs of a pipeline (what an Argo CronWorkflow says). Every field has a
 * default but `name`, `pipeline` and `cron`:
 * - `timezone` @default 'UTC'
 * - `parameters` @default {}
 * - `concurrencyPolicy` @default 'Allow' — Forbid skips a tick while a run of the schedule is active,
 *   Replace stops the active runs and then submits
 * - `startingDeadlineSeconds` (seconds) @default 0 — how late a missed tick may still start
 * - `catchUp` @default 'latest' — of the missed ticks inside the deadline run none, the newest, or all
 *   (the newest `catchUpCap`, @default 10)
 * - `successfulHistoryLimit` @default 3, `failedHistoryLimit` @default 1 — finished runs kept per outcome
 * - `suspended` @default false
 */
export type ScheduleSpec = z.infer<typeof scheduleSchema>;

/** A schedule as written by a user or a default: only `name`, `pipeline` and `cron` are required. */
export type ScheduleInput = z.input<typeof scheduleSchema>;

/**
 * Validates a schedule and fills its defaults.
 * @throws TriggersError `TRIGGERS_SCHEDULE_INVALID` listing every bad key; `field` is the first
 * @example parseSchedule({ name: 'hourly', pipeline: 'recommender', cron: '0 * * * *' })
 */
export function parseSchedule(input: unknown): ScheduleSpec {
  const result = scheduleSchema.safeParse(input ?? {});
  const problems: { field: string; message: string }[] = result.success
    ? []
    : result.error.issues.map((i) => ({ field: i.path.join('.') || 'schedule', message: i.message }));
  if (result.success) {
    const cron = cronProblem(result.data.cron, result.data.timezone);
    if (cron !== undefined) problems.push(cron);
  }
  if (problems.length > 0 || !result.success) {
    throw new TriggersError(
      'TRIGGERS_SCHEDULE_INVALID',
      `the schedule is invalid — ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
      { field: problems[0]?.field ?? 'schedule' },
    );
  }
  return result.data;
}

/** The fields {@link parseSchedule} accepts, for CLI help and API schemas. */
export const SCHEDULE_FIELDS: readonly string[] = Object.freeze(Object.keys(scheduleSchema.shape));

/**
 * The schedules every workspace gets (`ensureDefaultSchedules`): the recommender retrained nightly at
 * 02:00 UTC, replacing a run still going, a missed night caught up within 10 minutes — the same
 * settings as the compiled CronWorkflow `recommender-nightly`.
 */
export const DEFAULT_SCHEDULES: readonly ScheduleInput[] = Object.freeze([
  Object.freeze({
    name: 'recommender-nightly',
    pipeline: 'recommender',
    cron: '0 2 * * *',
    timezone: 'UTC',
    concurrencyPolicy: 'Replace',
    startingDeadlineSeconds: 600,
    catchUp: 'latest',
    successfulHistoryLimit: 3,
    failedHistoryLimit: 5,
    description: 'retrain the recommender every night at 02:00 UTC',
  } satisfies ScheduleInput),
]);
