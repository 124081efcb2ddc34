import { EASE_MAX_ITEMS, type TrainParamsInput } from '../model/index.js';

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

const KNN_ONLY: Condition = { param: 'family', in: ['knn'] };
const EASE_ONLY: Condition = { param: 'family', in: ['ease'] };

/**
 * EASE's λ range, as multiples of the mean item popularity (the mean of XᵀX's diagonal for binary
 * customer rows, which λ is added to). Steck (2019) picked λ = 500, 1,000 and 200 on ML-20M, Netflix
 * and MSD: 1.0, 0.3 and 0.25 times their mean item popularity. The range spans two and a half decades
 * around that band (its geometric middle is 1×), because smaller shops estimate XᵀX with more noise
 * and can want relatively more shrinkage.
 */
export const EASE_LAMBDA_RELATIVE = { min: 0.02, max: 50 } as const;

/**
 * λ's absolute range when the data is not known (the pipeline's sweep grid draws points before it
 * reads the dataset): the relative range at a mean popularity of 100 buyers per book.
 */
const EASE_LAMBDA_DEFAULT = { min: 2, max: 5000 } as const;

/**
 * The default space: the model family first, then item-kNN's options (similarity, alpha, shrinkage
 * and minimum co-count apply to kNN only), the options both families share (neighbours kept, matrix
 * rows, heavy-buyer weighting, time decay, popularity penalty) and EASE's λ. `k` starts at the list
 * length scored (see {@link searchSpace}): a model keeping fewer neighbours than the list cannot fill
 * it from co-purchase.
 */
export const DEFAULT_SPACE: SearchSpace = [
  { name: 'family', kind: 'choice', values: ['knn', 'ease'] },
  {
    name: 'similarity',
    kind: 'choice',
    values: ['cosine', 'jaccard', 'lift', 'conditional'],
    when: KNN_ONLY,
  },
  { name: 'k', kind: 'int', min: 10, max: 400, log: true },
  { name: 'unit', kind: 'choice', values: ['customer', 'basket'] },
  { name: 'alpha', kind: 'float', min: 0, max: 1, when: { param: 'similarity', in: ['conditional'] } },
  {
    name: 'shrinkage',
    kind: 'float',
    min: 0.5,
    max: 200,
    log: true,
    off: { value: 0, share: 0.25 },
    when: KNN_ONLY,
  },
  { name: 'minCoCount', kind: 'int', min: 1, max: 5, when: KNN_ONLY },
  { name: 'heavyBuyerBeta', kind: 'float', min: 0.05, max: 2, off: { value: 0, share: 0.3 } },
  { name: 'halfLifeDays', kind: 'float', min: 7, max: 1500, log: true, off: { value: null, share: 0.4 } },
  // Ages from the newest purchase overall or the customer's own (no effect while decay is off).
  { name: 'decayReference', kind: 'choice', values: ['global', 'customer'] },
  // RP3beta-style penalty on the neighbour's popularity.
  { name: 'popularityBeta', kind: 'float', min: 0.05, max: 1, off: { value: 0, share: 0.4 } },
  { name: 'easeLambda', kind: 'float', ...EASE_LAMBDA_DEFAULT, log: true, when: EASE_ONLY },
];

/** What the space adapts to in the data: catalogue size (EASE's limit) and λ's scale. */
export interface CatalogueShape {
  /** Items in the training catalogue (the trainer's n). */
  readonly items: number;
  /** Mean distinct buyers per item that has any. */
  readonly meanPopularity: number;
}

/**
 * The space a search runs over: `base` with `k` from the list length up, minus the options the user
 * pinned (`fixed`), which every trial then takes as given. With the training `catalogue`, the family
 * row offers EASE only when the catalogue fits `EASE_MAX_ITEMS`, and λ's range is scaled to its mean
 * popularity ({@link EASE_LAMBDA_RELATIVE}).
 */
export function searchSpace(
  listK: number,
  fixed: Readonly<Record<string, unknown>> = {},
  base: SearchSpace = DEFAULT_SPACE,
  catalogue?: CatalogueShape,
): SearchSpace {
  return base
    .filter((d) => !(d.name in fixed))
    .map((d): Dimension => {
      if (d.name === 'k' && d.kind !== 'choice') return { ...d, min: Math.max(d.min, listK) };
      if (catalogue === undefined) return d;
      if (d.name === 'family' && d.kind === 'choice' && catalogue.items > EASE_MAX_ITEMS) {
        return { ...d, values: d.values.filter((v) => v !== 'ease') };
      }
      if (d.name === 'easeLambda' && d.kind !== 'choice') {
        const mean = Math.max(1, catalogue.meanPopularity);
        return {
          ...d,
          min: Number((EASE_LAMBDA_RELATIVE.min * mean).toPrecision(4)),
          max: Number((EASE_LAMBDA_RELATIVE.max * mean).toPrecision(4)),
        };
      }
      return d;
    });
}

/** The {@link CatalogueShape} of a popularity vector (distinct buyers per item). */
export function catalogueShape(popularity: ArrayLike<number>): CatalogueShape {
  let sum = 0;
  let bought = 0;
  for (let i = 0; i < popularity.length; i++) {
    if (popularity[i] > 0) {
      sum += popularity[i];
      bought++;
    }
  }
  return { items: popularity.length, meanPopularity: bought === 0 ? 0 : sum / bought };
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
