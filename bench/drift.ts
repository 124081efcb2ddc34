import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/index.js';
import { type KsOptions, type KsResult, ksTwoSample } from '../src/monitor/index.js';
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

/**
 * `npm run bench -- drift [--runs N]`: `ksTwoSample` on two windows of 10,000 and of 100,000 normal
 * values (seeded), median of many in-process runs including validation, copy and sort; beside it
 * SciPy's `ks_2samp` on the same samples when /usr/bin/python3 has SciPy (Debian `python3-scipy`),
 * with both results compared.
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
  return {
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
