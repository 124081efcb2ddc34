import { Rng } from '../core/index.js';
import { METRICS, type MetricName } from '../eval/index.js';
import { TuneError } from './errors.js';
import { type TrialFailure, type TrialOutcome, TrialPool } from './pool.js';
import { decode, type SearchSpace, type TrialParams } from './space.js';
import { type Observation, proposeTpe, type TpeOptions } from './tpe.js';
import type { TrialData, TrialScore } from './trial.js';

/** Options of {@link search}. */
export interface SearchOptions {
  /** Trials to run (distinct points; a repeated point is scored once and recorded again). */
  trials: number;
  /** Seed of the search: the same seed, data and space give the same trials. */
  seed: number;
  /** The space searched (see `searchSpace`). */
  space: SearchSpace;
  /** Options every trial takes as given (pinned by the user). @default {} */
  fixed?: Readonly<Record<string, unknown>>;
  /** Worker threads running trials side by side. @default 1 */
  threads?: number;
  /**
   * Trials proposed together from the same history, then run in parallel. Fixed, not the thread
   * count, so a search gives the same trials on any machine. @default 4
   */
  batch?: number;
  tpe?: TpeOptions;
  /** Called after each trial finishes, with (trials done, trials). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * One trial as reported: its parameters and its validation metrics (`ndcg_at_10`, …); a trial that
 * failed has no metrics (`validation` is `{}`) and says why in `error`.
 */
export interface TrialRecord {
  readonly number: number;
  readonly params: TrialParams;
  readonly validation: Record<string, number>;
  readonly error?: TrialFailure;
}

/**
 * The score a failed trial gives the search: below every NDCG, so the estimator files it with the
 * bad trials and proposes away from it.
 */
const FAILED_SCORE = -1;

/** What {@link search} returns: every trial in order and the chosen one. */
export interface SearchResult {
  readonly trials: readonly TrialRecord[];
  /** Highest validation NDCG@k among the trials that succeeded; ties go to the earlier trial. */
  readonly best: TrialRecord;
  /** Trials that failed (recorded with their error code; the search went on). */
  readonly failed: number;
}

/** Most trials one search may run. */
export const MAX_TRIALS = 10_000;

/**
 * A seeded TPE search over `space`, every trial trained and scored on `data` (a validation split) and
 * nothing else: the outer test set is not an input, so it cannot influence what is chosen.
 *
 * @example
 * const inner = validationSplit(splitInteractions(x, { kind: 'leave-last-out' }));
 * const { best } = await search({ train: inner.train, test: inner.test, k: 10 }, { trials: 60, seed: 1, space: searchSpace(10) });
 */
export async function search(data: TrialData, opts: SearchOptions): Promise<SearchResult> {
  checkSearchOptions(opts);
  const fixed = opts.fixed ?? {};
  const batch = opts.batch ?? 4;
  const rng = new Rng(opts.seed);
  const pool = new TrialPool(data, Math.max(1, Math.floor(opts.threads ?? 1)));
  const history: Observation[] = [];
  const trials: TrialRecord[] = [];
  const seen = new Map<string, Promise<TrialOutcome>>();
  // Trials of the current batch finished so far, for the progress bar.
  let running = 0;
  try {
    while (trials.length < opts.trials) {
      const n = Math.min(batch, opts.trials - trials.length);
      const points = Array.from({ length: n }, () => proposeTpe(opts.space, history, rng, fixed, opts.tpe));
      const params = points.map((u) => decode(opts.space, u, fixed));
      const outcomes = await Promise.all(
        params.map((p) => {
          const key = canonical(p);
          let s = seen.get(key);
          if (s === undefined) {
            s = pool.run(p).then((outcome) => {
              opts.onProgress?.(Math.min(opts.trials, trials.length + ++running), opts.trials);
              return outcome;
            });
            seen.set(key, s);
          }
          return s;
        }),
      );
      running = 0;
      points.forEach((u, i) => {
        const o = outcomes[i];
        const number = trials.length;
        if ('score' in o) {
          history.push({ u, params: params[i], score: o.score.ndcg });
          trials.push({ number, params: params[i], validation: flatScore(o.score, data.k) });
        } else {
          history.push({ u, params: params[i], score: FAILED_SCORE });
          trials.push({ number, params: params[i], validation: {}, error: o.error });
        }
      });
      opts.onProgress?.(trials.length, opts.trials);
    }
  } finally {
    await pool.close();
  }
  return { trials, best: pickBest(trials, data.k), failed: trials.filter((t) => t.error).length };
}

/**
 * The rule: highest validation NDCG@k among the trials that succeeded, ties to the earlier trial.
 * TUNE_ALL_TRIALS_FAILED (naming the first failure's code) when none did.
 */
export function pickBest(trials: readonly TrialRecord[], k: number): TrialRecord {
  const key = `ndcg_at_${k}`;
  let best: TrialRecord | undefined;
  for (const t of trials) {
    if (t.error) continue;
    if (best === undefined || t.validation[key] > best.validation[key]) best = t;
  }
  if (best === undefined) {
    const first = trials[0]?.error;
    throw new TuneError(
      'TUNE_ALL_TRIALS_FAILED',
      `every one of the ${trials.length} trials failed; the first with ${first?.code}: ${first?.message}`,
      { field: 'params' },
    );
  }
  return best;
}

/** Metric means under the flat report keys: `hit_rate_at_10`, `precision_at_10`, …, `ndcg_at_10`. */
export function flatScore(score: TrialScore, k: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of METRICS) out[`${metricKey(m)}_at_${k}`] = score[m];
  return out;
}

function metricKey(m: MetricName): string {
  return m === 'hitRate' ? 'hit_rate' : m;
}

/** Parameters with sorted keys, so two decodings of the same point compare equal. */
function canonical(p: TrialParams): string {
  return JSON.stringify(
    Object.keys(p)
      .sort()
      .map((k) => [k, p[k]]),
  );
}

export function checkSearchOptions(opts: {
  trials: number;
  seed: number;
  threads?: number;
  batch?: number;
}): void {
  const bad = (field: string, msg: string) => new TuneError('TUNE_BAD_OPTIONS', msg, { field });
  if (!Number.isInteger(opts.trials) || opts.trials < 1 || opts.trials > MAX_TRIALS) {
    throw bad('trials', `trials must be an integer in [1, ${MAX_TRIALS}], got ${opts.trials}`);
  }
  if (!Number.isInteger(opts.seed) || opts.seed < 0) {
    throw bad('seed', `the seed must be an integer ≥ 0, got ${opts.seed}`);
  }
  if (
    opts.threads !== undefined &&
    !(Number.isInteger(opts.threads) && opts.threads >= 1 && opts.threads <= 64)
  ) {
    throw bad('threads', `threads must be an integer in [1, 64], got ${opts.threads}`);
  }
  if (opts.batch !== undefined && !(Number.isInteger(opts.batch) && opts.batch >= 1 && opts.batch <= 64)) {
    throw bad('batch', `the batch must be an integer in [1, 64], got ${opts.batch}`);
  }
}
