import type { Command } from 'commander';
import { appConfigOf, intOption } from '../context.js';
import { emit, table } from '../output.js';

/**
 * `bookml events list`: every decision the triggers made — a schedule's tick or a sensor's event that
 * fired a run, or was filtered, rate-limited, deduplicated, suppressed — with its reason and run.
 */
export function registerEventsCommands(program: Command): void {
  const events = program
    .command('events')
    .description('what the triggers decided: schedule ticks and sensor events, with their reasons');

  events
    .command('list')
    .description('recent trigger decisions, newest first')
    .option('--trigger <name>', 'only this schedule or sensor')
    .option('--source <kind>', 'schedule | sensor')
    .option('--outcome <outcome>', 'only this outcome (fired, rate-limited, deduplicated, …)')
    .option('--limit <n>', 'at most this many (1–1000)', intOption('--limit'), 50)
    .option('--json', 'machine-readable output')
    .action(
      async (
        flags: { trigger?: string; source?: string; outcome?: string; limit: number; json?: boolean },
        cmd: Command,
      ) => {
        const { createApp } = await import('../../app/index.js');
        const { DecisionLog } = await import('../../triggers/index.js');
        const app = createApp(await appConfigOf(cmd));
        try {
          const log = new DecisionLog(await app.stores.db());
          const list = await log.list({
            limit: flags.limit,
            ...(flags.trigger ? { trigger: flags.trigger } : {}),
            ...(flags.source ? { source: flags.source as 'schedule' | 'sensor' } : {}),
            ...(flags.outcome ? { outcome: flags.outcome as never } : {}),
          });
          emit(list, flags.json, (ds) =>
            ds.length === 0
              ? 'no trigger decisions yet (bookml up hosts the scheduler and the sensors)'
              : table(
                  ['when', 'source', 'trigger', 'outcome', 'run', 'event', 'reason'],
                  ds.map((d) => [
                    new Date(d.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
                    d.source,
                    d.trigger,
                    d.outcome,
                    d.runId ?? '-',
                    d.eventId ?? '-',
                    d.reason,
                  ]),
                ),
          );
        } finally {
          await app.close();
        }
      },
    );
}
