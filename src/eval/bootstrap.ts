import { Rng } from '../core/index.js';
import { EvaluationError } from './errors.js';

/** Settings of the user bootstrap. */
export interface BootstrapOptions {
  /** Resamples of the users, with replacement, in [10, 100000]. @default 1000 */
  resamples?: number;
  /** Two-sided confidence level of the intervals, in (0, 1). @default 0.95 */
  confidence?: number;
  /** RNG seed: the same seed gives the same resamples, hence the same intervals. @default 42 */
  seed?: number;
  /** Called every 50 resamples and at the end with (resamples done, resamples). */
  onProgress?: (done: number, total: number) => void;
}

/** A mean over users and its percentile-bootstrap confidence interval. */
export interface Interval {
  readonly mean: number;
  readonly low: number;
  readonly high: number;
}

/**
 * A paired difference `a − b` of two per-user series (model − baseline) with its bootstrap CI.
 * `verdict` is `better` when the whole CI is above 0, `worse` when below, else `inconclusive`.
 */
export interface Difference {
  readonly difference: number;
  readonly low: number;
  readonly high: number;
  readonly excludesZero: boolean;
  readonly verdict: 'better' | 'worse' | 'inconclusive';
}

/** Defaults of {@link BootstrapOptions}. */
export const BOOTSTRAP_DEFAULTS = { resamples: 1000, confidence: 0.95, seed: 42 } as const;

/**
 * Percentile-bootstrap CIs of the means of several per-user series at once. All series are
 * resampled with the SAME draws of users, so intervals of differences computed from them are paired.
 * Cost: resamples × (users + users × series) additions; no allocation per resample.
 *
 * @example
 * const [ndcg, hit] = bootstrapIntervals([scored.perUser.ndcg, scored.perUser.hitRate], { seed: 1 });
 * console.log(`NDCG@10 ${ndcg.mean} [${ndcg.low}, ${ndcg.high}]`);
 */
export function bootstrapIntervals(series: readonly Float64Array[], opts: BootstrapOptions = {}): Interval[] {
  const { confidence } = checkBootstrapOptions(opts);
  const { means, resampled } = bootstrapMeans(series, opts);
  return means.map((mean, j) => ({ mean, ...percentiles(resampled[j], confidence) }));
}

/**
 * The bootstrap distributions behind {@link bootstrapIntervals}: per series, its observed mean and
 * its mean in each resample (`resampled[j][r]`). Resample r draws the same users for every series,
 * so `resampled[a][r] − resampled[b][r]` is a draw of the paired difference of a and b.
 * @internal
 */
export function bootstrapMeans(
  series: readonly Float64Array[],
  opts: BootstrapOptions = {},
): { means: number[]; resampled: Float64Array[] } {
  const { resamples: b, seed } = checkBootstrapOptions(opts);
  const s = series.length;
  if (s === 0) return { means: [], resampled: [] };
  const n = series[0].length;
  for (const v of series) {
    if (v.length !== n) {
      throw new EvaluationError(
        'EVAL_LENGTH_MISMATCH',
        `bootstrap series must have one value per user, the same users: got lengths ${n} and ${v.length}`,
        { field: 'series' },
      );
    }
  }
  if (n === 0) {
    throw new EvaluationError(
      'EVAL_EMPTY_TEST_SET',
      'cannot bootstrap over zero users: the test set is empty',
      {
        field: 'series',
      },
    );
  }
  // User-major layout so each drawn user's values are contiguous.
  const vals = new Float64Array(n * s);
  const means: number[] = [];
  for (let j = 0; j < s; j++) {
    const v = series[j];
    let sum = 0;
    for (let u = 0; u < n; u++) {
      vals[u * s + j] = v[u];
      sum += v[u];
    }
    means.push(sum / n);
  }
  const resampled = Array.from({ length: s }, () => new Float64Array(b));
  const weight = new Int32Array(n);
  const sums = new Float64Array(s);
  const rng = new Rng(seed);
  for (let r = 0; r < b; r++) {
    weight.fill(0);
    // One 32-bit draw per user, scaled to [0, n): the bias is below n / 2^32, far under bootstrap noise.
    for (let i = 0; i < n; i++) weight[Math.floor((rng.nextU32() * n) / 4294967296)]++;
    sums.fill(0);
    for (let u = 0; u < n; u++) {
      const w = weight[u];
      if (w === 0) continue;
      const base = u * s;
      for (let j = 0; j < s; j++) sums[j] += w * vals[base + j];
    }
    for (let j = 0; j < s; j++) resampled[j][r] = sums[j] / n;
    if (opts.onProgress !== undefined && (r + 1) % 50 === 0) opts.onProgress(r + 1, b);
  }
  opts.onProgress?.(b, b);
  return { means, resampled };
}

/**
 * The percentile interval of a bootstrap distribution (sorts `draws` in place).
 * @internal
 */
export function percentiles(draws: Float64Array, confidence: number): { low: number; high: number } {
  const sorted = draws.sort();
  const alpha = (1 - confidence) / 2;
  return { low: quantile(sorted, alpha), high: quantile(sorted, 1 - alpha) };
}

/**
 * CI of one per-user series' mean.
 * @example const { mean, low, high } = bootstrapCi(scored.perUser.recall);
 */
export function bootstrapCi(values: Float64Array, opts: BootstrapOptions = {}): Interval {
  return bootstrapIntervals([values], opts)[0];
}

/**
 * Paired bootstrap of `a − b` (e.g. model − baseline, per user, same users in the same order):
 * each resample draws users once and uses them for both, so the CI reflects the per-user
 * difference rather than two independent noises.
 *
 * @example
 * const d = pairedBootstrap(model.perUser.ndcg, popular.perUser.ndcg);
 * if (d.verdict === 'better') console.log(`+${d.difference} [${d.low}, ${d.high}]`);
 */
export function pairedBootstrap(a: Float64Array, b: Float64Array, opts: BootstrapOptions = {}): Difference {
  return toDifference(bootstrapIntervals([differenceSeries(a, b)], opts)[0]);
}

/** Per-user `a − b`. */
export function differenceSeries(a: Float64Array, b: Float64Array): Float64Array {
  if (a.length !== b.length) {
    throw new EvaluationError(
      'EVAL_LENGTH_MISMATCH',
      `paired series must cover the same users: got lengths ${a.length} and ${b.length}`,
      { field: 'series' },
    );
  }
  const d = new Float64Array(a.length);
  for (let u = 0; u < a.length; u++) d[u] = a[u] - b[u];
  return d;
}

/** Read an interval of a difference series as a {@link Difference}. */
export function toDifference(iv: Interval): Difference {
  const verdict = iv.low > 0 ? 'better' : iv.high < 0 ? 'worse' : 'inconclusive';
  return {
    difference: iv.mean,
    low: iv.low,
    high: iv.high,
    excludesZero: verdict !== 'inconclusive',
    verdict,
  };
}

/**
 * Validate bootstrap settings where they enter (fails with `EVAL_BAD_BOOTSTRAP`) and fill defaults.
 * @example const { resamples } = checkBootstrapOptions({ resamples: 2000 });
 */
export function checkBootstrapOptions(opts: BootstrapOptions): {
  resamples: number;
  confidence: number;
  seed: number;
} {
  const resamples = opts.resamples ?? BOOTSTRAP_DEFAULTS.resamples;
  const confidence = opts.confidence ?? BOOTSTRAP_DEFAULTS.confidence;
  const seed = opts.seed ?? BOOTSTRAP_DEFAULTS.seed;
  if (!Number.isInteger(resamples) || resamples < 10 || resamples > 100_000) {
    throw new EvaluationError(
      'EVAL_BAD_BOOTSTRAP',
      `resamples must be an integer in [10, 100000], got ${resamples}; 1000 is enough for 95 % intervals`,
      { field: 'resamples' },
    );
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new EvaluationError(
      'EVAL_BAD_BOOTSTRAP',
      `confidence must be in (0, 1), e.g. 0.95; got ${confidence}`,
      {
        field: 'confidence',
      },
    );
  }
  if (!Number.isInteger(seed)) {
    throw new EvaluationError('EVAL_BAD_BOOTSTRAP', `seed must be an integer, got ${seed}`, {
      field: 'seed',
    });
  }
  return { resamples, confidence, seed };
}

/** Linear interpolation between order statistics (Hyndman & Fan type 7, R's default). */
function quantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
