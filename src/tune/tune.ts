import type { Interactions } from '../data/index.js';
import {
  DEFAULT_K,
  type EvalReport,
  evaluate,
  flatMetrics,
  itemPopularity,
  mostPopularBaseline,
  type Split,
  type SplitRule,
  splitInteractions,
  validationSplit,
} from '../eval/index.js';
import type { ItemKnn, TrainParams } from '../model/index.js';
import { type SearchOptions, type SearchResult, search, type TrialRecord } from './search.js';
import { catalogueShape, DEFAULT_SPACE, describeSpace, type SearchSpace, searchSpace } from './space.js';
import { evalRecommender, fitModel } from './trial.js';

/** Options of {@link tune}. */
export interface TuneOptions extends Omit<SearchOptions, 'space'> {
  /** The outer split; the validation split re-applies it inside the train side. @default leave-last-out */
  split?: SplitRule;
  /** List length scored. @default 10 */
  k?: number;
  /**
   * The space; @default `searchSpace(k, fixed, DEFAULT_SPACE, catalogue)`: both model families, k from
   * the list length up, EASE only when the training catalogue fits its limit.
   */
  space?: SearchSpace;
  /** Bootstrap resamples of the single test evaluation. @default 1000 */
  resamples?: number;
  /** Worker threads training the final models (not the trials). @default 1 */
  trainThreads?: number;
  /**
   * Reference searches run the same way (same validation split, trials and seed) over a restricted
   * space, e.g. `{ name: 'ease', fixed: { family: 'ease' } }`: each choice is refit and scored on the
   * test split next to the tuned model as `tuned-<name>`, so "tuned is at least as good as EASE with λ
   * picked the same way" is a paired CI, not two separate runs. @default []
   */
  versus?: readonly { readonly name: string; readonly fixed: Readonly<Record<string, unknown>> }[];
  /** Called with the phase and its progress: `search` (trials), `test` (users + resamples). */
  onPhase?: (phase: 'search' | 'test', done: number, total: number) => void;
}

/** The neighbours of "plain cosine", the reference the issue compares with. */
export const PLAIN_COSINE: TrainParams = {
  similarity: 'cosine',
  k: 50,
  unit: 'customer',
  alpha: 0.5,
  shrinkage: 0,
  minCoCount: 1,
  heavyBuyerBeta: 0,
  halfLifeDays: null,
};

/** What {@link tune} returns: plain JSON (the `--json` of `bookml tune`). */
export interface TuneResult {
  /** The chosen trial: its full parameters (schema defaults filled in) and validation metrics. */
  readonly best: {
    readonly trial: number;
    readonly params: TrainParams;
    readonly validation: Record<string, number>;
  };
  /** The chosen model on the test split, scored once: flat metrics with CIs and paired differences. */
  readonly test: Record<string, number>;
  readonly trials: readonly TrialRecord[];
  /** Trials that failed (each recorded with its error code); the search went on without them. */
  readonly failedTrials: number;
  readonly search: {
    readonly strategy: 'tpe';
    readonly seed: number;
    readonly trials: number;
    readonly space: Record<string, unknown>[];
    readonly fixed: Readonly<Record<string, unknown>>;
  };
  readonly split: {
    readonly rule: SplitRule['kind'];
    readonly lines: number;
    readonly trainLines: number;
    readonly validationUsers: number;
    readonly testUsers: number;
  };
  /** The reference searches (`versus`), each chosen on validation alone like the tuned model. */
  readonly versus: readonly {
    readonly name: string;
    readonly best: {
      readonly trial: number;
      readonly params: TrainParams;
      readonly validation: Record<string, number>;
    };
    readonly failedTrials: number;
    readonly fixed: Readonly<Record<string, unknown>>;
  }[];
  /** The test evaluation: tuned vs plain cosine vs most-popular, bootstrap CIs, paired differences. */
  readonly report: EvalReport;
}

/**
 * Tune item-kNN honestly: split off the test set, split the train side again by the same rule into a
 * validation split, search on validation only, then fit the chosen parameters on the whole train side
 * and score them on the test split exactly once, against plain cosine and most-popular.
 *
 * @example
 * const r = await tune(interactions, { trials: 60, seed: 1, split: { kind: 'leave-last-out' }, threads: 2 });
 * console.log(r.best.params, r.test.ndcg_at_10, r.test['ndcg_at_10_vs_most-popular']);
 */
export async function tune(x: Interactions, opts: TuneOptions): Promise<TuneResult> {
  const k = opts.k ?? DEFAULT_K;
  const fixed = opts.fixed ?? {};
  const outer = splitInteractions(x, opts.split ?? { kind: 'leave-last-out' });
  const { train, rule, heldOutShare, heldOutTime } = outer;
  const shape = catalogueShape(itemPopularity(outer.train));
  const space = opts.space ?? searchSpace(k, fixed, DEFAULT_SPACE, shape);
  const versus = opts.versus ?? [];
  const searches = 1 + versus.length;
  const searchOn = (s: SearchSpace, pinned: Readonly<Record<string, unknown>>, i: number) =>
    searchValidation({ train, rule, heldOutShare, heldOutTime }, k, {
      ...opts,
      space: s,
      fixed: pinned,
      onProgress: opts.onPhase && ((d, t) => opts.onPhase!('search', i * t + d, searches * t)),
    });
  const found = await searchOn(space, fixed, 0);
  const refs = [];
  for (const [i, v] of versus.entries()) {
    const pinned = { ...fixed, ...v.fixed };
    refs.push({
      ...v,
      fixed: pinned,
      found: await searchOn(searchSpace(k, pinned, DEFAULT_SPACE, shape), pinned, i + 1),
    });
  }

  const threads = opts.trainThreads ?? 1;
  const chosen = await fitModel(outer.train, found.best.params, threads);
  const plain = await fitModel(outer.train, PLAIN_COSINE, threads);
  const refModels: ItemKnn[] = [];
  for (const r of refs) refModels.push(await fitModel(outer.train, r.found.best.params, threads));
  const report = evaluate({
    train: outer.train,
    test: outer.test,
    recommenders: {
      tuned: evalRecommender(chosen),
      ...Object.fromEntries(refs.map((r, i) => [`tuned-${r.name}`, evalRecommender(refModels[i])])),
      'plain-cosine': evalRecommender(plain),
      'most-popular': mostPopularBaseline(outer.train),
    },
    k,
    seed: opts.seed,
    resamples: opts.resamples,
    onProgress: opts.onPhase && ((d, t) => opts.onPhase!('test', d, t)),
  });
  return {
    best: { trial: found.best.number, params: chosen.params, validation: found.best.validation },
    test: testMetrics(report),
    trials: found.trials,
    failedTrials: found.failed,
    search: { strategy: 'tpe', seed: opts.seed, trials: opts.trials, space: describeSpace(space), fixed },
    split: {
      rule: outer.rule.kind,
      lines: x.length,
      trainLines: outer.train.length,
      validationUsers: found.validationUsers,
      testUsers: outer.test.nUsers,
    },
    versus: refs.map((r, i) => ({
      name: r.name,
      best: { trial: r.found.best.number, params: refModels[i].params, validation: r.found.best.validation },
      failedTrials: r.found.failed,
      fixed: r.fixed,
    })),
    report,
  };
}

/**
 * The search on the validation split carved from `train` by `rule` — the part of tuning that decides.
 * It takes only the outer train side, its rule and each customer's held-out time (when to rewind to,
 * never which item was held out): the test set cannot reach it.
 */
export async function searchValidation(
  outerTrain: Pick<Split, 'train' | 'rule' | 'heldOutShare' | 'heldOutTime'>,
  k: number,
  opts: SearchOptions,
): Promise<SearchResult & { validationUsers: number }> {
  const inner = validationSplit(outerTrain);
  const result = await search({ train: inner.train, test: inner.test, k }, opts);
  return { ...result, validationUsers: inner.test.nUsers };
}

/** The tuned model's flat metrics, plus the paired CI of each difference to the other two. */
function testMetrics(report: EvalReport): Record<string, number> {
  const out = flatMetrics(report, 'tuned');
  for (const c of report.comparisons) {
    for (const m of report.metricNames) {
      const key = `${m === 'hitRate' ? 'hit_rate' : m}_at_${report.k}_vs_${c.baseline}`;
      out[`${key}_low`] = c.metrics[m].low;
      out[`${key}_high`] = c.metrics[m].high;
    }
  }
  return out;
}
