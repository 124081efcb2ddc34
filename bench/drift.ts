import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, Rng } from '../src/core/index.js';
import { DriftMonitor, type KsOptions, type KsResult, ksTwoSample } from '../src/monitor/index.js';
import { lastJson, median, printTable, runProcess } from './measure.js';
import { SYSTEM_PYTHON } from './paths.js';

interface Scenario {
  name: string;
  n: number;
  m: number;
  /** Mean shift of the current window, in standard deviations. */
  shift: number;
  options: KsOptions;
}

/** The brief's target: one two-sided test of 10,000 vs 10,000 values under this many milliseconds. */
const TARGET_MS = 5;

const SCENARIOS: Scenario[] = [
  { name: '10k vs 10k, same distribution', n: 10_000, m: 10_000, shift: 0, options: {} },
  { name: '10k vs 10k, shift 0.05 sd', n: 10_000, m: 10_000, shift: 0.05, options: {} },
  { name: '10k vs 10k, asymptotic', n: 10_000, m: 10_000, shift: 0, options: { method: 'asymptotic' } },
  { name: '10k vs 2k, exact (unequal)', n: 10_000, m: 2_000, shift: 0, options: {} },
  { name: '10k vs 9,999, exact (coprime)', n: 10_000, m: 9_999, shift: 0, options: {} },
  { name: '100k vs 100k, same distribution', n: 100_000, m: 100_000, shift: 0, options: {} },
  { name: '100k vs 100k, shift 0.02 sd', n: 100_000, m: 100_000, shift: 0.02, options: {} },
];

/** SciPy's side: the same samples, timed in-process with perf_counter around ks_2samp alone. */
const SCIPY_SCRIPT = `
import json, sys, time
import numpy as np, scipy
from scipy import stats
cases = json.load(open(sys.argv[1]))
budget = float(sys.argv[2])
out = []
for c in cases:
    x = np.asarray(c['x'], dtype=float); y = np.asarray(c['y'], dtype=float)
    method = {'asymptotic': 'asymp'}.get(c['method'], c['method'])
    r = stats.ks_2samp(x, y, method=method)  # warm-up
    times = []
    start = time.perf_counter()
    while len(times) < c['runs'] and (len(times) < 3 or time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        r = stats.ks_2samp(x, y, method=method)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    out.append({'median_ms': times[len(times) // 2], 'runs': len(times),
                'statistic': float(r.statistic), 'pvalue': float(r.pvalue)})
print(json.dumps({'scipy': scipy.__version__, 'results': out}))
`;

function sample(rng: Rng, size: number, shift: number): Float64Array {
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = shift + rng.normal();
  return out;
}

function timeOurs(x: Float64Array, y: Float64Array, options: KsOptions, runs: number) {
  let result: KsResult = ksTwoSample(x, y, options);
  for (let i = 0; i < 3; i++) result = ksTwoSample(x, y, options); // warm-up: let the JIT settle
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = ksTwoSample(x, y, options);
    times.push(performance.now() - t0);
  }
  return { medianMs: median(times), minMs: Math.min(...times), result };
}

async function hasScipy(): Promise<boolean> {
  if (!existsSync(SYSTEM_PYTHON)) return false;
  try {
    await runProcess(SYSTEM_PYTHON, ['-c', 'import scipy.stats']);
    return true;
  } catch {
    return false;
  }
}

/** Prediction-log lines as the server writes them (k = 10), `n` answers from `t0`, seeded. */
function logLines(rng: Rng, n: number, t0: number, tail: number): string {
  const rank = () => (rng.next() < tail ? 5000 + rng.int(5000) : 1 + Math.floor(9999 * rng.next() ** 3));
  let out = '';
  for (let i = 0; i < n; i++) {
    const fallback = rng.next() < 0.05;
    const returned = Array.from({ length: 10 }, () => 1 + rng.int(10_000));
    const scores = returned.map((_, r) => Number((0.9 / (r + 1)).toFixed(6)));
    out += `${JSON.stringify({
      time: new Date(t0 + i).toISOString(),
      version: '7',
      role: 'primary',
      route: 'recommend',
      book_ids: [1 + rng.int(10_000)],
      k: 10,
      returned,
      scores,
      fallback,
      book_ranks: [fallback ? null : rank()],
      returned_ranks: returned.map(rank),
    })}\n`;
  }
  return out;
}

/**
 * One monitor pass over 10,000 answers logged since the last pass, with the reference (5,000) already
 * complete: list and read the new bytes, parse each line, compute features, fill the windows, four KS
 * tests, persist state and status. Each run uses a fresh workspace, untimed set-up.
 */
async function timeMonitorPass(runs: number) {
  const times: number[] = [];
  let last: Awaited<ReturnType<DriftMonitor['runOnce']>> | null = null;
  for (let r = 0; r < runs; r++) {
    const root = mkdtempSync(join(tmpdir(), 'bookml-bench-monitor-'));
    const predictions = join(root, 'predictions');
    mkdirSync(predictions);
    const file = join(predictions, 'predictions-2026-03-01.jsonl');
    const rng = new Rng(100 + r);
    const t0 = Date.UTC(2026, 2, 1, 12);
    const monitor = new DriftMonitor({
      predictionsDir: predictions,
      monitorDir: join(root, 'monitor'),
      clock: new ManualClock(t0),
      testRecords: 10_000,
    });
    appendFileSync(file, logLines(rng, 5000, t0, 0));
    await monitor.runOnce();
    appendFileSync(file, logLines(rng, 10_000, t0 + 5000, 0.3));
    const start = performance.now();
    last = await monitor.runOnce();
    times.push(performance.now() - start);
    rmSync(root, { recursive: true, force: true });
  }
  return { medianMs: median(times), minMs: Math.min(...times), status: last };
}

/**
 * `npm run bench -- drift [--runs N]`: `ksTwoSample` on two windows of 10,000 and of 100,000 normal
 * values (seeded), median of many in-process runs including validation, copy and sort; beside it
 * SciPy's `ks_2samp` on the same samples when /usr/bin/python3 has SciPy (Debian `python3-scipy`),
 * with both results compared. Then one drift-monitor pass over 10,000 new prediction-log records.
 */
export async function benchDrift(args: string[]): Promise<object> {
  const runs = Number(args[args.indexOf('--runs') + 1]) || 51;
  const rng = new Rng(42);
  const data = SCENARIOS.map((s) => ({ ...s, x: sample(rng, s.n, 0), y: sample(rng, s.m, s.shift) }));

  const ours = data.map((d) => timeOurs(d.x, d.y, d.options, d.n > 10_000 ? Math.ceil(runs / 3) : runs));

  let scipy: {
    scipy: string;
    results: { median_ms: number; runs: number; statistic: number; pvalue: number }[];
  } | null = null;
  if (await hasScipy()) {
    const dir = join(tmpdir(), `bookml-bench-drift-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'cases.json');
    writeFileSync(
      file,
      JSON.stringify(
        data.map((d) => ({
          x: Array.from(d.x),
          y: Array.from(d.y),
          method: d.options.method ?? 'auto',
          runs: d.n > 10_000 ? Math.ceil(runs / 3) : runs,
        })),
      ),
    );
    try {
      scipy = lastJson((await runProcess(SYSTEM_PYTHON, ['-c', SCIPY_SCRIPT, file, '10'])).stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    console.error(`no SciPy for ${SYSTEM_PYTHON} (apt-get install python3-scipy): bookml only`);
  }

  const results = data.map((d, i) => {
    const o = ours[i];
    const s = scipy?.results[i];
    return {
      scenario: d.name,
      n: d.n,
      m: d.m,
      method: o.result.method,
      statistic: o.result.statistic,
      p_value: o.result.pValue,
      bookml: { median_ms: o.medianMs, min_ms: o.minMs },
      scipy: s ? { median_ms: s.median_ms, runs: s.runs, statistic: s.statistic, p_value: s.pvalue } : null,
      speedup: s ? s.median_ms / o.medianMs : null,
      // Same answer? |Δp| / p (0 when both are 0).
      p_value_rel_diff: s ? Math.abs(o.result.pValue - s.pvalue) / (s.pvalue || 1) : null,
      statistic_equal: s ? o.result.statistic === s.statistic : null,
    };
  });

  const target = results[0].bookml.median_ms;
  console.log(`\ndrift: two-sample KS, median of ${runs} runs (100k: ${Math.ceil(runs / 3)}), in-process`);
  printTable(
    ['scenario', 'method', 'bookml ms', 'scipy ms', 'speed-up', 'p-value', '|Δp|/p'],
    results.map((r) => [
      r.scenario,
      r.method,
      r.bookml.median_ms.toFixed(2),
      r.scipy ? r.scipy.median_ms.toFixed(2) : '-',
      r.speedup ? `${r.speedup.toFixed(1)}×` : '-',
      r.p_value.toPrecision(4),
      r.p_value_rel_diff === null ? '-' : r.p_value_rel_diff.toExponential(1),
    ]),
  );
  console.log(
    `\ntarget: 10k vs 10k under ${TARGET_MS} ms — ${target.toFixed(2)} ms, ${target < TARGET_MS ? 'met' : 'NOT met'}`,
  );

  const passRuns = Math.max(3, Math.ceil(runs / 5));
  const pass = await timeMonitorPass(passRuns);
  console.log(
    `\ndrift monitor: one pass over 10,000 new log records (reference 5,000), median of ${passRuns}`,
  );
  printTable(
    ['scenario', 'median ms', 'min ms', 'records/s', 'drift found'],
    [
      [
        'read + parse + features + 4 KS + persist',
        pass.medianMs.toFixed(1),
        pass.minMs.toFixed(1),
        Math.round(10_000 / (pass.medianMs / 1000)).toLocaleString('en'),
        String(pass.status?.decision?.is_drift ?? '-'),
      ],
    ],
  );
  return {
    monitor_pass: {
      new_records: 10_000,
      reference_records: 5_000,
      runs: passRuns,
      median_ms: pass.medianMs,
      min_ms: pass.minMs,
      drift_found: pass.status?.decision?.is_drift ?? null,
    },
    bench: 'drift',
    runs,
    scipy_version: scipy?.scipy ?? null,
    target: {
      scenario: results[0].scenario,
      limit_ms: TARGET_MS,
      median_ms: target,
      met: target < TARGET_MS,
    },
    results,
  };
}
