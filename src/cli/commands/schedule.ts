import type { Command } from 'commander';
import { appConfigOf, intOption } from '../context.js';
import { emit, table } from '../output.js';

type ScheduleView = import('../../triggers/index.js').ScheduleView;

/**
 * `bookml schedule list|add|suspend|resume|run|history`: cron schedules that submit pipeline runs (what an
 * Argo CronWorkflow is). `bookml up` hosts the scheduler; these commands edit the schedules in the
 * workspace's database, and the running scheduler picks the change up within its refresh interval.
 */
async function withScheduler<T>(
  cmd: Command,
  fn: (s: import('../../triggers/index.js').Scheduler) => Promise<T>,
): Promise<T> {
  const { createApp, localRunLauncher } = await import('../../app/index.js');
  const { Scheduler } = await import('../../triggers/index.js');
  const app = createApp(await appConfigOf(cmd));
  try {
    const db = await app.stores.db();
    const s = new Scheduler({ db, launcher: localRunLauncher(app), clock: app.clock });
    await s.ensureDefaultSchedules();
    return await fn(s);
  } finally {
    await app.close();
  }
}

function when(ms: number | undefined | null): string {
  return ms === undefined || ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function renderSchedules(list: ScheduleView[]): string {
  return table(
    ['name', 'pipeline', 'cron', 'tz', 'policy', 'deadline s', 'catch-up', 'state', 'next run'],
    list.map((s) => [
      s.name,
      s.pipeline,
      s.cron,
      s.timezone,
      s.concurrencyPolicy,
      s.startingDeadlineSeconds,
      s.catchUp,
      s.suspended ? 'suspended' : 'active',
      when(s.nextRunAt),
    ]),
  );
}

export function registerScheduleCommands(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('cron schedules that submit pipeline runs (recommender-nightly at 02:00 UTC by default)');

  schedule
    .command('list')
    .description('every schedule with its policy and next run')
    .option('--json', 'machine-readable output')
    .action(async (flags: { json?: boolean }, cmd: Command) =>
      withScheduler(cmd, async (s) => emit(await s.list(), flags.json, renderSchedules)),
    );

  schedule
    .command('add <name>')
    .description('add a schedule')
    .requiredOption('--cron <expr>', 'five-field cron expression, or @daily, @hourly, …')
    .option('--pipeline <name>', 'the pipeline to run', 'recommender')
    .option('--timezone <tz>', 'IANA time zone of the expression', 'UTC')
    .option('--policy <policy>', 'Allow | Forbid | Replace: what to do while a run of it is active', 'Forbid')
    .option(
      '--deadline <s>',
      'starting deadline: a tick later than this is skipped',
      intOption('--deadline'),
      600,
    )
    .option('--catch-up <mode>', 'none | latest | all: ticks missed while bookml was down', 'latest')
    .option(
      '-p, --parameter <key=value>',
      'a pipeline parameter (repeatable)',
      (v, p: string[]) => [...p, v],
      [],
    )
    .option('--json', 'machine-readable output')
    .action(
      async (
        name: string,
        flags: {
          cron: string;
          pipeline: string;
          timezone: string;
          policy: string;
          deadline: number;
          catchUp: string;
          parameter: string[];
          json?: boolean;
        },
        cmd: Command,
      ) => {
        const { parseParamFlags } = await import('../../pipeline/executor/index.js');
        await withScheduler(cmd, async (s) => {
          const view = await s.add({
            name,
            pipeline: flags.pipeline,
            cron: flags.cron,
            timezone: flags.timezone,
            concurrencyPolicy: flags.policy as 'Allow' | 'Forbid' | 'Replace',
            startingDeadlineSeconds: flags.deadline,
            catchUp: flags.catchUp as 'none' | 'latest' | 'all',
            parameters: parseParamFlags(flags.parameter),
          });
          emit(view, flags.json, (v) => renderSchedules([v]));
        });
      },
    );

  for (const [verb, what] of [
    ['suspend', 'stop submitting runs (ticks while suspended are not caught up)'],
    ['resume', 'submit runs again from the next tick'],
  ] as const) {
    schedule
      .command(`${verb} <name>`)
      .description(what)
      .option('--json', 'machine-readable output')
      .action(async (name: string, flags: { json?: boolean }, cmd: Command) =>
        withScheduler(cmd, async (s) => emit(await s[verb](name), flags.json, (v) => renderSchedules([v]))),
      );
  }

  schedule
    .command('run <name>')
    .description('run now: submit a run as the schedule would, recorded as a manual tick')
    .option('--json', 'machine-readable output')
    .action(async (name: string, flags: { json?: boolean }, cmd: Command) =>
      withScheduler(cmd, async (s) =>
        emit(
          await s.runNow(name),
          flags.json,
          (d) => `${d.outcome}: ${d.reason}${d.runId ? ` → run ${d.runId}` : ''}`,
        ),
      ),
    );

  schedule
    .command('history <name>')
    .description("the schedule's recent decisions: fired, skipped, replaced, missed")
    .option('--limit <n>', 'at most this many', intOption('--limit'), 20)
    .option('--json', 'machine-readable output')
    .action(async (name: string, flags: { limit: number; json?: boolean }, cmd: Command) =>
      withScheduler(cmd, async (s) =>
        emit(await s.history(name, flags.limit), flags.json, (ds) =>
          table(
            ['when', 'tick', 'outcome', 'run', 'reason'],
            ds.map((d) => [when(d.createdAt), when(d.scheduledAt), d.outcome, d.runId ?? '-', d.reason]),
          ),
        ),
      ),
    );
}
