import { type Command, Option } from 'commander';
import type { KsAlternative, KsMethod, KsResult } from '../../monitor/index.js';
import { emit } from '../output.js';
import { registerDriftStatus } from './drift-status.js';

interface DriftTestFlags {
  reference: string;
  current: string;
  alternative: KsAlternative;
  method: 'auto' | KsMethod;
  json?: boolean;
}

/** What `bookml drift test --json` prints: snake_case keys, as every other `--json` output. */
interface DriftTestOutput {
  statistic: number;
  /** null when the test has no p-value (two-sided asymptotic with one value on each side). */
  p_value: number | null;
  method: KsMethod;
  alternative: KsAlternative;
  statistic_location: number;
  statistic_sign: 1 | -1;
  reference_size: number;
  current_size: number;
  fallback?: string;
}

/**
 * `bookml drift test --reference A.json --current B.json`: the two-sample Kolmogorov–Smirnov test on
 * two files, each a JSON array of numbers. Prints the statistic, the p-value and how it was computed;
 * a file that is missing, not JSON or not an array of finite numbers fails with
 * MONITOR_BAD_SAMPLE_FILE naming it (exit 2). `bookml drift status`: see `drift-status.ts`.
 */
export function registerDriftCommands(program: Command): void {
  const drift = program
    .command('drift')
    .description('drift checks: does a current window of values still follow the reference distribution?');

  drift
    .command('test')
    .description('two-sample Kolmogorov–Smirnov test of a current sample against a reference sample')
    .requiredOption(
      '--reference <file>',
      'JSON array of numbers: the reference window (e.g. values seen at training)',
    )
    .requiredOption('--current <file>', 'JSON array of numbers: the window to test')
    .addOption(
      new Option(
        '--alternative <h1>',
        'what counts as a difference: any (two-sided); greater: reference CDF above current (reference values smaller); less: below',
      )
        .choices(['two-sided', 'less', 'greater'])
        .default('two-sided'),
    )
    .addOption(
      new Option(
        '--method <method>',
        'p-value: exact, asymptotic, or auto (exact while both samples ≤ 10,000 values)',
      )
        .choices(['auto', 'exact', 'asymptotic'])
        .default('auto'),
    )
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      [
        '',
        'Same statistic and p-value as SciPy 1.10.1 scipy.stats.ks_2samp(reference, current, alternative, method),',
        'ties included. A small p-value says the samples differ; how much is the statistic (the largest gap',
        'between the two empirical CDFs, 0 to 1). Example:',
        '  bookml drift test --reference prices-at-training.json --current prices-last-hour.json --json',
      ].join('\n'),
    )
    .action(async (flags: DriftTestFlags) => {
      const monitor = await import('../../monitor/index.js');
      const reference = await readSample(flags.reference, 'reference', monitor);
      const current = await readSample(flags.current, 'current', monitor);
      const r = monitor.ksTwoSample(reference, current, {
        alternative: flags.alternative,
        method: flags.method,
      });
      emit(toOutput(r), flags.json, render);
    });

  registerDriftStatus(drift);
}

type MonitorModule = typeof import('../../monitor/index.js');

/** Read and parse one sample file; every failure names the file and the flag. */
async function readSample(
  file: string,
  field: 'reference' | 'current',
  monitor: MonitorModule,
): Promise<Float64Array> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(e));
    throw new monitor.MonitorError('MONITOR_BAD_SAMPLE_FILE', `cannot read --${field} ${file}: ${why}`, {
      field,
      cause: e,
    });
  }
  return monitor.parseSampleJson(text, { field, source: `--${field} ${file}` });
}

function toOutput(r: KsResult): DriftTestOutput {
  const out: DriftTestOutput = {
    statistic: r.statistic,
    p_value: Number.isNaN(r.pValue) ? null : r.pValue,
    method: r.method,
    alternative: r.alternative,
    statistic_location: r.location,
    statistic_sign: r.sign,
    reference_size: r.referenceSize,
    current_size: r.currentSize,
  };
  if (r.fallback !== undefined) out.fallback = r.fallback;
  return out;
}

function render(o: DriftTestOutput): string {
  const side = o.statistic_sign > 0 ? 'reference CDF above current' : 'reference CDF below current';
  const rows: [string, string][] = [
    ['statistic', String(Number(o.statistic.toPrecision(6)))],
    ['p_value', o.p_value === null ? 'undefined (one value per sample)' : pValue(o.p_value)],
    ['method', o.method],
    ['alternative', o.alternative],
    ['location', `${o.statistic_location} (${side})`],
    [
      'samples',
      `${o.reference_size.toLocaleString('en')} reference, ${o.current_size.toLocaleString('en')} current`,
    ],
  ];
  if (o.fallback !== undefined) rows.push(['fallback', o.fallback]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** 4 significant digits; exponent form below 1e-4 so tiny p-values stay readable. */
function pValue(p: number): string {
  if (p === 0 || p === 1) return String(p);
  return p < 1e-4 ? p.toExponential(3) : String(Number(p.toPrecision(4)));
}
