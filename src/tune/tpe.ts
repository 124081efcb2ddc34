import type { Rng } from '../core/index.js';
import { type Dimension, decode, isActive, type SearchSpace } from './space.js';

/**
 * A Tree-structured Parzen Estimator (Bergstra et al., NeurIPS 2011), small and seeded. Past trials
 * are split into the best `gamma` share ("good") and the rest; per row of the space, a Parzen density
 * is fit to each group (Gaussian kernels plus a uniform prior over the coordinate; smoothed counts for
 * choices). Candidates are drawn from the good density and the one maximising good / rest is tried
 * next. Rows are treated independently, and a row that does not apply to a trial (its condition
 * fails) does not count for it.
 */

/** A finished trial as the search sees it: its coordinates and its validation score (higher is better). */
export interface Observation {
  readonly u: Float64Array;
  readonly params: Readonly<Record<string, unknown>>;
  readonly score: number;
}

export interface TpeOptions {
  /** Trials drawn uniformly at random before the estimator takes over. @default 8 */
  startup?: number;
  /** Share of trials that count as good. @default 0.25 */
  gamma?: number;
  /** Candidates drawn from the good density per proposal. @default 24 */
  candidates?: number;
}

/** Coordinates of a uniformly random point. */
export function randomPoint(space: SearchSpace, rng: Rng): Float64Array {
  return Float64Array.from(space, () => rng.next());
}

/**
 * The next point to try, given the trials so far. Deterministic for the same history, the same
 * `rng` state and the same options.
 */
export function proposeTpe(
  space: SearchSpace,
  history: readonly Observation[],
  rng: Rng,
  fixed: Readonly<Record<string, unknown>> = {},
  opts: TpeOptions = {},
): Float64Array {
  const startup = opts.startup ?? 8;
  if (history.length < Math.max(2, startup)) return randomPoint(space, rng);
  const gamma = opts.gamma ?? 0.25;
  // Ties keep trial order, so the split does not depend on sort stability quirks.
  const order = history.map((_, i) => i).sort((a, b) => history[b].score - history[a].score || a - b);
  const nGood = Math.max(1, Math.ceil(gamma * history.length));
  const good = order.slice(0, nGood).map((i) => history[i]);
  const rest = order.slice(nGood).map((i) => history[i]);
  const bandwidth = Math.max(0.04, 0.5 * history.length ** -0.2);

  let best: Float64Array | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  const n = opts.candidates ?? 24;
  for (let c = 0; c < n; c++) {
    const u = new Float64Array(space.length);
    space.forEach((d, j) => {
      u[j] = sampleFrom(d, j, good, rng, bandwidth);
    });
    const p = decode(space, u, fixed);
    let s = 0;
    space.forEach((d, j) => {
      if (!isActive(d, p)) return;
      s += Math.log(density(d, j, u[j], good, bandwidth)) - Math.log(density(d, j, u[j], rest, bandwidth));
    });
    if (s > bestScore) {
      bestScore = s;
      best = u;
    }
  }
  return best ?? randomPoint(space, rng);
}

/** The coordinates of `obs` on row `j` where that row applied. */
function activeValues(d: Dimension, j: number, obs: readonly Observation[]): number[] {
  return obs.filter((o) => isActive(d, o.params)).map((o) => o.u[j]);
}

function sampleFrom(d: Dimension, j: number, obs: readonly Observation[], rng: Rng, h: number): number {
  const xs = activeValues(d, j, obs);
  if (d.kind === 'choice') {
    // Smoothed counts: every value keeps prior weight 1, so nothing is ruled out for good.
    const n = d.values.length;
    const w = new Float64Array(n).fill(1);
    for (const x of xs) w[bin(x, n)] += 1;
    let r = rng.next() * w.reduce((a, b) => a + b, 0);
    for (let v = 0; v < n; v++) {
      r -= w[v];
      if (r < 0) return (v + rng.next()) / n;
    }
    return (n - 1 + rng.next()) / n;
  }
  // The uniform prior is one kernel among the observations.
  const pick = rng.int(xs.length + 1);
  if (pick === xs.length) return rng.next();
  return reflect(xs[pick] + h * rng.normal());
}

function density(d: Dimension, j: number, x: number, obs: readonly Observation[], h: number): number {
  const xs = activeValues(d, j, obs);
  if (d.kind === 'choice') {
    const n = d.values.length;
    const b = bin(x, n);
    let hits = 0;
    for (const v of xs) if (bin(v, n) === b) hits++;
    return (hits + 1) / (xs.length + n);
  }
  let s = 1; // the uniform prior's density on [0, 1)
  const norm = 1 / (h * Math.sqrt(2 * Math.PI));
  for (const v of xs) {
    const z = (x - v) / h;
    s += norm * Math.exp(-0.5 * z * z);
  }
  return s / (xs.length + 1);
}

function bin(u: number, n: number): number {
  return Math.min(n - 1, Math.max(0, Math.floor(u * n)));
}

/** Fold a kernel draw back into [0, 1). */
function reflect(x: number): number {
  let y = x;
  for (let i = 0; i < 4 && (y < 0 || y >= 1); i++) y = y < 0 ? -y : 2 - y - 1e-12;
  return Math.min(Math.max(y, 0), 1 - 1e-12);
}
