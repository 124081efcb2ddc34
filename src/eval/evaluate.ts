import type { Interactions } from '../data/index.js';
import {
  bootstrapMeans,
  checkBootstrapOptions,
  type Difference,
  type Interval,
  percentiles,
  toDifference,
} from './bootstrap.js';
import { checkK, EvaluationError } from './errors.js';
import { type ExposureCatalogue, type ExposureReport, exposureMetrics, exposureReport } from './exposure.js';
import { METRICS, type MetricName, type ScoredLists, scoreRecommender } from './metrics.js';
import { itemPopularity } from './popularity.js';
import type { Recommender } from './recommender.js';
import type { TestSet } from './test-set.js';

/** Default list length: what a shop shows under "customers who bought this also bought". */
export const DEFAULT_K = 10;

/** Input of {@link evaluate}. */
export interface EvaluateInput {
  /** The split's train side: item popularity for the popularity statistics is counted here. */
  train: Interactions;
  /** The split's held-out side (`splitInteractions(...).test`). */
  test: TestSet;
  /**
   * Recommenders by name, the model first; each ranks the whole catalogue (see `Recommender`).
   * Use non-numeric names: JavaScript lists integer-like keys first, whatever the insertion order.
   */
  recommenders: Readonly<Record<string, Recommender>>;
  /** The recommender compared against every other one. @default the first name */
  model?: string;
  /** List length, in [1, 1000] and at most the catalogue size. @default 10 */
  k?: number;
  /** Bootstrap seed. @default 42 */
  seed?: number;
  /** Bootstrap resamples of the users. @default 1000 */
  resamples?: number;
  /** Confidence level of every interval. @default 0.95 */
  confidence?: number;
  /** Called with (units done, units), a unit being one user's list or one resample. */
  onProgress?: (done: number, total: number) => void;
  /** The books' authors and genres (the dataset's catalogue), for exposure by group. */
  catalogue?: ExposureCatalogue;
}

/** One recommender's results. */
export interface RecommenderReport {
  readonly name: string;
  /** Mean over users and bootstrap CI, per metric. */
  readonly metrics: Record<MetricName, Interval>;
  /** Share of catalogue items in at least one list, in [0, 1]. */
  readonly coverage: number;
  readonly distinctItems: number;
  /** Mean distinct train buyers of a recommended item. */
  readonly meanPopularity: number;
  /** `meanPopularity` / the best seller's buyers, in [0, 1]. */
  readonly meanPopularityNorm: number;
  readonly meanListLength: number;
  /** Exposure of the catalogue in the lists: long-tail share, Gini by book, author, genre. */
  readonly exposure: ExposureReport;
}

/** The model against one other recommender: per metric, the paired difference model − other. */
export interface Comparison {
  readonly model: string;
  readonly baseline: string;
  readonly metrics: Record<MetricName, Difference>;
}

/** What {@link evaluate} returns: plain JSON-serialisable data. */
export interface EvalReport {
  readonly k: number;
  /** Evaluated customers. */
  readonly users: number;
  readonly catalogueSize: number;
  /** How held-out repeat purchases were treated (see `TestSet`). */
  readonly repeats: 'exclude' | 'keep';
  readonly relevance: 'binary';
  readonly resamples: number;
  readonly confidence: number;
  readonly seed: number;
  readonly metricNames: readonly MetricName[];
  readonly model: string;
  readonly recommenders: readonly RecommenderReport[];
  readonly comparisons: readonly Comparison[];
}

/**
 * Score every recommender on the test set over the full catalogue, put a bootstrap CI on every
 * metric and a paired bootstrap CI on the model's difference to every other recommender.
 *
 * Defaults are for implicit purchase data, not ratings: relevance is binary (bought / not), the
 * lists exclude what the customer already owns, k = 10, and the split you pass is expected to be
 * `splitInteractions(x)` (leave-last-basket-out, repeats excluded). All recommenders share one set
 * of bootstrap resamples, so every comparison is paired.
 *
 * @example
 * const { train, test } = splitInteractions(interactions);
 * const report = evaluate({ train, test, recommenders: {
 *   model: myRecommender, 'most-popular': mostPopularBaseline(train), random: randomBaseline(test.nItems) } });
 * console.log(report.comparisons[0].metrics.ndcg); // { difference, low, high, excludesZero, verdict }
 */
export function evaluate(input: EvaluateInput): EvalReport {
  const { train, test } = input;
  const k = input.k ?? DEFAULT_K;
  checkK(k, test.nItems);
  // Checked before the lists are scored: scoring a model can take a while.
  const { resamples, confidence, seed } = checkBootstrapOptions(input);
  const names = Object.keys(input.recommenders);
  if (names.length === 0) {
    throw new EvaluationError('EVAL_NO_RECOMMENDERS', 'give at least one recommender to evaluate', {
      field: 'recommenders',
    });
  }
  const model = input.model ?? names[0];
  if (!names.includes(model)) {
    throw new EvaluationError(
      'EVAL_NO_RECOMMENDERS',
      `model "${model}" is not among the recommenders (${names.join(', ')})`,
      { field: 'model' },
    );
  }
  if (train.itemIds.length !== test.nItems) {
    throw new EvaluationError(
      'EVAL_CATALOGUE_MISMATCH',
      `train has ${train.itemIds.length} items, the test set ${test.nItems}: pass both sides of the same split`,
      { field: 'train' },
    );
  }
  if (test.nUsers === 0) {
    throw new EvaluationError(
      'EVAL_EMPTY_TEST_SET',
      'the test set has no user: no customer has both a train history and a new held-out item; ' +
        'split with another rule or a different cut',
      { field: 'test' },
    );
  }

  const popularity = itemPopularity(train);
  const total = test.nUsers * names.length + resamples;
  const scored: ScoredLists[] = names.map((name, r) =>
    scoreRecommender(test, input.recommenders[name], {
      k,
      popularity,
      name,
      onProgress: input.onProgress && ((done) => input.onProgress!(r * test.nUsers + done, total)),
    }),
  );

  // One bootstrap over every recommender × metric; a comparison's draws are the differences of
  // two recommenders' draws in the same resample, which is what makes them paired.
  const series: Float64Array[] = [];
  for (const sc of scored) for (const metric of METRICS) series.push(sc.perUser[metric]);
  const base = test.nUsers * names.length;
  const { means, resampled } = bootstrapMeans(series, {
    resamples,
    confidence,
    seed,
    onProgress: input.onProgress && ((done) => input.onProgress!(base + done, total)),
  });
  const at = (r: number, metric: number) => r * METRICS.length + metric;

  const recommenders: RecommenderReport[] = scored.map((sc, r) => {
    const metrics = {} as Record<MetricName, Interval>;
    METRICS.forEach((metric, j) => {
      const i = at(r, j);
      metrics[metric] = { mean: means[i], ...percentiles(Float64Array.from(resampled[i]), confidence) };
    });
    return {
      name: names[r],
      metrics,
      coverage: sc.coverage,
      distinctItems: sc.distinctItems,
      meanPopularity: sc.meanPopularity,
      meanPopularityNorm: sc.meanPopularityNorm,
      meanListLength: sc.meanListLength,
      exposure: exposureReport(sc.exposure, popularity, input.catalogue),
    };
  });
  const mi = names.indexOf(model);
  const comparisons: Comparison[] = names
    .filter((n) => n !== model)
    .map((other) => {
      const oi = names.indexOf(other);
      const metrics = {} as Record<MetricName, Difference>;
      METRICS.forEach((metric, j) => {
        const a = resampled[at(mi, j)];
        const b = resampled[at(oi, j)];
        const draws = new Float64Array(resamples);
        for (let r = 0; r < resamples; r++) draws[r] = a[r] - b[r];
        metrics[metric] = toDifference({
          mean: means[at(mi, j)] - means[at(oi, j)],
          ...percentiles(draws, confidence),
        });
      });
      return { model, baseline: other, metrics };
    });

  return {
    k,
    users: test.nUsers,
    catalogueSize: test.nItems,
    repeats: test.repeats,
    relevance: 'binary',
    resamples,
    confidence,
    seed,
    metricNames: METRICS,
    model,
    recommenders,
    comparisons,
  };
}

/**
 * One recommender's numbers from a report as flat keys, the shape a metrics store (MLflow's
 * `log-batch`) takes: `ndcg_at_10`, `ndcg_at_10_low`, `ndcg_at_10_high`, …, `coverage`,
 * `mean_popularity`, `mean_popularity_norm`, and for the model `ndcg_at_10_vs_most-popular` (difference).
 *
 * @example
 * flatMetrics(report).ndcg_at_10 // the model's NDCG@10
 */
export function flatMetrics(report: EvalReport, name: string = report.model): Record<string, number> {
  const r = report.recommenders.find((x) => x.name === name);
  if (r === undefined) {
    throw new EvaluationError('EVAL_NO_RECOMMENDERS', `no recommender "${name}" in the report`, {
      field: 'name',
    });
  }
  const out: Record<string, number> = {};
  for (const metric of METRICS) {
    const key = `${metricKey(metric)}_at_${report.k}`;
    out[key] = r.metrics[metric].mean;
    out[`${key}_low`] = r.metrics[metric].low;
    out[`${key}_high`] = r.metrics[metric].high;
    for (const c of report.comparisons) {
      if (c.model === name) out[`${key}_vs_${c.baseline}`] = c.metrics[metric].difference;
    }
  }
  out.coverage = r.coverage;
  out.mean_popularity = r.meanPopularity;
  out.mean_popularity_norm = r.meanPopularityNorm;
  // Reports written before exposure was measured have none.
  if (r.exposure !== undefined) Object.assign(out, exposureMetrics(r.exposure));
  return out;
}

function metricKey(metric: MetricName): string {
  return metric === 'hitRate' ? 'hit_rate' : metric;
}
