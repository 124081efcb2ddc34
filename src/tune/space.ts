import type { TrainParamsInput } from '../model/index.js';

/**
 * The search space as a declarative table: one row per trainer option, each mapped to a coordinate in
 * [0, 1) that the search moves in. A new model option is one more row (its name in `model/`'s
 * `trainParamsSchema`, its range, and when it applies); the search, the CLI and the pipeline need no
 * other change.
 */

/** A row applies only when another row's value is one of `in` (alpha only for `conditional`). */
export interface Condition {
  readonly param: string;
  readonly in: readonly (string | number | boolean)[];
}

/** One categorical option: the coordinate picks `values[floor(u × n)]`. */
export interface ChoiceDimension {
  readonly name: string;
  readonly kind: 'choice';
  readonly values: readonly (string | number | boolean)[];
  readonly when?: Condition;
}

/**
 * One numeric option over [min, max] (log-scaled when `log`). With `off`, the first `offShare` of the
 * coordinate means "switched off" (`off` is the value then: 0, null): a Parzen estimator over the
 * coordinate then learns on/off and the setting together.
 */
export interface NumberDimension {
  readonly name: string;
  readonly kind: 'int' | 'float';
  readonly min: number;
  readonly max: number;
  readonly log?: boolean;
  readonly off?: { readonly value: number | null; readonly share: number };
  readonly when?: Condition;
}

export type Dimension = ChoiceDimension | NumberDimension;
export type SearchSpace = readonly Dimension[];

/** A point of the space as trainer parameters (inactive rows left out: the schema's default holds). */
export type TrialParams = Partial<TrainParamsInput> & Record<string, unknown>;

/**
 * item-kNN's options. `k` starts at the list length scored (see {@link searchSpace}): a model keeping
 * fewer neighbours than the list cannot fill it from co-purchase.
 */
export const KNN_SPACE: SearchSpace = [
  { name: 'similarity', kind: 'choice', values: ['cosine', 'jaccard', 'lift', 'conditional'] },
  { name: 'k', kind: 'int', min: 10, max: 400, log: true },
  { name: 'unit', kind: 'choice', values: ['customer', 'basket'] },
  { name: 'alpha', kind: 'float', min: 0, max: 1, when: { param: 'similarity', in: ['conditional'] } },
  { name: 'shrinkage', kind: 'float', min: 0.5, max: 200, log: true, off: { value: 0, share: 0.25 } },
  { name: 'minCoCount', kind: 'int', min: 1, max: 5 },
  { name: 'heavyBuyerBeta', kind: 'float', min: 0.05, max: 2, off: { value: 0, share: 0.3 } },
  { name: 'halfLifeDays', kind: 'float', min: 7, max: 1500, log: true, off: { value: null, share: 0.4 } },
  // Ages from the newest purchase overall or the customer's own (no effect while decay is off).
  { name: 'decayReference', kind: 'choice', values: ['global', 'customer'] },
  // RP3beta-style penalty on the neighbour's popularity.
  { name: 'popularityBeta', kind: 'float', min: 0.05, max: 1, off: { value: 0, share: 0.4 } },
];

/**
 * The space a search runs over: `base` with `k` from the list length up, minus the options the user
 * pinned (`fixed`), which every trial then takes as given.
 */
export function searchSpace(
  listK: number,
  fixed: Readonly<Record<string, unknown>> = {},
  base: SearchSpace = KNN_SPACE,
): SearchSpace {
  return base
    .filter((d) => !(d.name in fixed))
    .map((d) => (d.name === 'k' && d.kind !== 'choice' ? { ...d, min: Math.max(d.min, listK) } : d));
}

/** Whether row `d` applies to the (partly decoded) point `p`. */
export function isActive(d: Dimension, p: Readonly<Record<string, unknown>>): boolean {
  if (d.when === undefined) return true;
  return d.when.in.includes(p[d.when.param] as string | number | boolean);
}

/**
 * Decode coordinates (one per row, in [0, 1)) into trainer parameters; rows whose condition fails
 * are left out. Rows are decoded in order, so a condition names an earlier row.
 */
export function decode(
  space: SearchSpace,
  u: ArrayLike<number>,
  fixed: Readonly<Record<string, unknown>> = {},
): TrialParams {
  const p: Record<string, unknown> = { ...fixed };
  space.forEach((d, j) => {
    if (!isActive(d, p)) return;
    p[d.name] = decodeOne(d, u[j]);
  });
  return p as TrialParams;
}

function decodeOne(d: Dimension, u: number): unknown {
  const x = Math.min(Math.max(u, 0), 1 - 1e-12);
  if (d.kind === 'choice') return d.values[Math.floor(x * d.values.length)];
  let v = x;
  if (d.off) {
    if (x < d.off.share) return d.off.value;
    v = (x - d.off.share) / (1 - d.off.share);
  }
  const raw = d.log
    ? Math.exp(Math.log(d.min) + v * (Math.log(d.max) - Math.log(d.min)))
    : d.min + v * (d.max - d.min);
  if (d.kind === 'int') return Math.min(d.max, Math.max(d.min, Math.round(raw)));
  // Four significant digits: reports stay readable and a printed value reproduces the trial.
  return Number(raw.toPrecision(4));
}

/** The space as plain JSON, for lineage and `--json`. */
export function describeSpace(space: SearchSpace): Record<string, unknown>[] {
  return space.map((d) => ({ ...d }));
}
