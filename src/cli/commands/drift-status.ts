import { join } from 'node:path';
import type { Command } from 'commander';
import type { DriftStatus } from '../../monitor/index.js';
import { appConfigOf, intOption, workspaceOf } from '../context.js';
import { emit, table } from '../output.js';

interface DriftStatusFlags {
  json?: boolean;
  fromLog?: boolean;
  referenceSize?: number;
  testRecords?: number;
  minWindow?: number;
}

/** What `bookml drift status --json` prints: the monitor's status, and whether it is current. */
type DriftStatusOutput = DriftStatus & {
  /** True when a monitor's status has not been updated for three of its intervals: none runs. */
  stale: boolean;
};

/**
 * `bookml drift status [--json] [--from-log]`: the drift monitor's windows, each feature's KS
 * statistic and p-value, the last decision and the last events, as the running monitor persisted them
 * in `<workspace>/monitor/status.json`. Where no monitor has run (or with `--from-log`) it computes
 * them once from the prediction log, the way a monitor would (the newest version's first answers as
 * the reference, its latest as the test window), without publishing anything or writing files.
 */
export function registerDriftStatus(drift: Command): void {
  drift
    .command('status')
    .description("the drift monitor's windows, per-feature KS statistics and p-values, and last events")
    .option('--from-log', 'compute once from the prediction log, even if a monitor has written a status')
    .option(
      '--reference-size <n>',
      'computing from the log: answers in the reference window (default 5000)',
      intOption('--reference-size'),
    )
    .option(
      '--test-records <n>',
      'computing from the log: answers in the test window (default 5000)',
      intOption('--test-records'),
    )
    .option(
      '--min-window <n>',
      'computing from the log: answers the test window needs (default 1000)',
      intOption('--min-window'),
    )
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      [
        '',
        'Features of each answer: requested_rank (popularity rank of the requested book), top_score,',
        'fallback (0/1), recommended_rank (mean rank of the books recommended). Drift needs a corrected',
        'p-value below alpha AND a KS statistic above the effect floor. Example:',
        '  bookml drift status --json',
      ].join('\n'),
    )
    .action(async (flags: DriftStatusFlags, cmd: Command) => {
      const monitor = await import('../../monitor/index.js');
      const { systemClock } = await import('../../core/index.js');
      const ws = workspaceOf(cmd);
      let status = flags.fromLog ? null : await monitor.readDriftStatus(join(ws.root, 'monitor'));
      if (status === null) {
        // BOOKML_PREDICTIONS=database: the log is the metadata database's table, not the folder.
        const config = await appConfigOf(cmd);
        const appDoor = config.predictions === 'database' ? await import('../../app/index.js') : null;
        const app = appDoor?.createApp(config) ?? null;
        const predictions = app === null ? undefined : await appDoor?.openPredictionSource(app);
        const once = new monitor.DriftMonitor({
          predictionsDir: join(ws.root, 'predictions'),
          ...(predictions === undefined ? {} : { predictions }),
          clock: systemClock,
          // One pass over the whole log: no byte budget.
          maxBytesPerPass: Number.MAX_SAFE_INTEGER,
          referenceSize: flags.referenceSize,
          testRecords: flags.testRecords,
          minWindow: flags.minWindow,
        });
        // A one-off computation publishes nothing: no events, no cool-down to show.
        try {
          status = { ...(await once.runOnce()), source: 'log', events: [], cooldown_until: null };
        } finally {
          await app?.close();
        }
      }
      const age = Date.now() - Date.parse(status.updated_at);
      const out: DriftStatusOutput = {
        ...status,
        stale: status.source === 'monitor' && age > 3 * status.interval_ms,
      };
      emit(out, flags.json, render);
    });
}

function render(s: DriftStatusOutput): string {
  const n = (v: number) => v.toLocaleString('en');
  const span = (a: string | null, b: string | null) => (a === null ? '' : `, ${a} → ${b}`);
  const ref = s.windows.reference;
  const test = s.windows.test;
  const head: [string, string][] = [
    [
      'model',
      `${s.model}, version ${s.version ?? '(none yet)'}${
        s.source === 'log' ? ' (computed from the log now)' : ` (monitor, updated ${s.updated_at})`
      }`,
    ],
    [
      'reference',
      `${n(ref.records)} of ${n(ref.target)} answers, ${ref.kind === 'training' ? 'simulated from training data' : 'first traffic'}${span(ref.first_time, ref.last_time)}${ref.complete ? '' : ' (collecting)'}`,
    ],
    [
      'test',
      `${n(test.records)} answers (${
        s.settings.test_minutes === null
          ? `last ${n(s.settings.test_records)}`
          : `last ${s.settings.test_minutes} min`
      }, at least ${n(s.settings.min_window)} to test)${span(test.first_time, test.last_time)}`,
    ],
    ['decision', s.decision === null ? 'no test yet: the windows are still filling' : s.decision.reason],
  ];
  if (s.cooldown_until !== null) head.push(['cool-down', `until ${s.cooldown_until}`]);
  if (s.last_error !== null) head.push(['last error', `${s.last_error.code}: ${s.last_error.message}`]);
  if (s.stale) head.push(['warning', `no monitor has updated this status since ${s.updated_at}`]);
  const width = Math.max(...head.map(([k]) => k.length));
  const lines = head.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  const num = (v: number | null) =>
    v === null ? '-' : v < 1e-4 && v > 0 ? v.toExponential(2) : String(Number(v.toPrecision(3)));
  lines.push(
    '',
    table(
      ['feature', 'statistic', 'p_value', 'corrected_p', 'values', 'drift'],
      s.features.map((f) => [
        f.name,
        num(f.statistic),
        num(f.p_value),
        num(f.corrected_p),
        `${f.reference_values}/${f.test_values}`,
        f.drift ? 'yes' : 'no',
      ]),
    ),
  );
  if (s.events.length > 0) {
    lines.push('', `last events (${s.events.length}):`);
    for (const e of s.events) lines.push(`  ${e.detected_at}  version ${e.version}  ${e.reason}`);
  }
  return lines.join('\n');
}
