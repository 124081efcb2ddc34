import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { artifact, defineStep, param } from '../../pipeline/index.js';
import { PipelinesError } from '../errors.js';
import { EVAL_K, SIMILARITIES } from './params.js';

/**
 * The sweep: one training per point, each scored by NDCG@10 on a validation split carved out of the outer
 * train side (the test split stays unseen until `evaluate`), reduced to the best point. The points are the
 * similarity × K grid plus `trials` points the tuner (`src/tune`, as `bookml tune`) draws over its whole
 * option space — one fan-out of trials, as Katib runs them; `options` carries a point's other options as
 * JSON (`{}` on the grid), so a new row of the tuner's table needs no change here.
 */

const gridPoint = {
  similarity: param.enum(SIMILARITIES),
  k: param.integer({ min: EVAL_K, max: 1000 }),
  options: param.string(),
};

/** The tuner's points for the sweep: seeded draws over its option space (similarity and K included). */
export async function tunerPoints(
  trials: number,
  seed: number,
): Promise<{ similarity: (typeof SIMILARITIES)[number]; k: number; options: string }[]> {
  const { Rng } = await import('../../core/index.js');
  const { decode, proposeTpe, searchSpace } = await import('../../tune/index.js');
  const space = searchSpace(EVAL_K);
  const rng = new Rng(seed);
  // No history yet: the TPE's proposals are its seeded random start.
  return Array.from({ length: trials }, () => {
    const { similarity, k, ...rest } = decode(space, proposeTpe(space, [], rng));
    return {
      // An EASE point draws no similarity: the trainer's default stands in (EASE does not read it).
      similarity: (similarity ?? 'cosine') as (typeof SIMILARITIES)[number],
      k: Math.min(1000, Number(k)),
      options: JSON.stringify(rest),
    };
  });
}

/**
 * sweep-grid: the product of the similarity and K grids as one list, so the sweep can fan out over it on
 * both targets (Argo's `withParam` takes one JSON list; it has no product of two).
 */
export const sweepGridStep = defineStep({
  name: 'sweep-grid',
  version: '1',
  description: "The sweep points: similarity grid × K grid, similarity first, then the tuner's trials.",
  inputs: {
    params: {
      similarityGrid: param.list(param.enum(SIMILARITIES)),
      kGrid: param.list(param.integer({ min: EVAL_K, max: 1000 })),
      trials: param.integer({ default: 0, min: 0, max: 200 }),
      seed: param.integer({ default: 42, min: 0 }),
    },
  },
  outputs: { params: { grid: param.list(gridPoint, { minItems: 1 }) } },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 60,
  run: async (_ctx, { similarityGrid, kGrid, trials, seed }) => ({
    // Duplicates in a grid would train the same model twice and tie with themselves.
    grid: [
      ...[...new Set(similarityGrid)].flatMap((similarity) =>
        [...new Set(kGrid)].map((k) => ({ similarity, k, options: '{}' })),
      ),
      ...(await tunerPoints(trials, seed)),
    ],
  }),
});

/** train: one sweep point — fit on the validation split's train side, score NDCG@10 on its held-out side. */
export const trainStep = defineStep({
  name: 'train',
  // 3: the validation split rewinds each customer to before their held-out moment; EASE points; a
  // point the data cannot train (EASE past its limit) is recorded as failed, not the run.
  version: '3',
  description: 'Train one sweep point (item-kNN or EASE) and score NDCG@10 on the validation split.',
  inputs: {
    params: { ...gridPoint, trainOptions: param.string({ default: '{}' }) },
    artifacts: { dataset: artifact.directory() },
  },
  outputs: {
    params: { ndcg: param.number({ min: 0, max: 1 }), modelId: param.string() },
    artifacts: {
      bundle: artifact.directory({ description: 'model bundle trained on the validation train side' }),
    },
  },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 1800,
  retry: { limit: 1, backoff: { durationSeconds: 10, factor: 2, maxDurationSeconds: 600 }, retryOn: 'error' },
  run: async (ctx, { similarity, k, options, trainOptions, dataset }) => {
    const [{ itemPopularity, scoreRecommender, validationSplit }, fit] = await Promise.all([
      import('../../eval/index.js'),
      import('./model-fit.js'),
    ]);
    const { asEvalRecommender, fitKnn, loadSplit, parseTrainOptions, pointParams, writeModelBundle } = fit;
    const { loaded, outer } = await loadSplit(dataset, await ctx.datasets.parsedCacheDir());
    const inner = validationSplit(outer);
    const params = pointParams(similarity, k, options, parseTrainOptions(trainOptions));
    const fitted = await fitKnn(inner.train, params).catch((e: unknown) => failedPoint(e));
    if ('failed' in fitted) {
      // A point the data cannot train (EASE past its catalogue limit: the grid is drawn before the
      // data is read) is recorded as failed and ranked last, as `bookml tune` records a failed trial.
      const bundle = ctx.outputPath('bundle');
      await mkdir(bundle, { recursive: true });
      await writeFile(join(bundle, 'failed.json'), `${JSON.stringify(fitted.failed, null, 2)}\n`);
      ctx.log.warn(`${similarity} k=${k} ${options}: failed (${fitted.failed.code}), ranked last`, {
        message: fitted.failed.message,
      });
      return { ndcg: 0, modelId: `${FAILED_PREFIX}${fitted.failed.code}`, bundle };
    }
    const knn = fitted;
    const scored = scoreRecommender(inner.test, asEvalRecommender(knn), {
      k: EVAL_K,
      popularity: itemPopularity(inner.train),
      name: `${similarity}-k${k}`,
    });
    const bundle = ctx.outputPath('bundle');
    const manifest = writeModelBundle(bundle, knn, loaded, ctx);
    ctx.log.info(
      `${similarity} k=${k} ${options}: validation NDCG@${EVAL_K} ${scored.mean.ndcg.toFixed(4)}`,
      {
        users: inner.test.nUsers,
        modelId: manifest.modelId,
      },
    );
    return { ndcg: scored.mean.ndcg, modelId: manifest.modelId, bundle };
  },
});

/** One point of the sweep with its score, best first in the `sweep` artifact. */
export interface SweepResult {
  readonly similarity: (typeof SIMILARITIES)[number];
  readonly k: number;
  /** The point's other options as JSON (`{}` for a grid point). */
  readonly options?: string;
  readonly ndcg: number;
  readonly modelId: string;
}

/** The model id a failed sweep point reports: this prefix and the failure's code. */
export const FAILED_PREFIX = 'failed:';

/** Errors a sweep point may fail with and the sweep go on: the data, not the run, rules the point out. */
const POINT_FAILURES = new Set(['MODEL_EASE_TOO_LARGE']);

function failedPoint(e: unknown): { failed: { code: string; message: string } } {
  const err = e as { code?: unknown; message?: string };
  if (typeof err.code !== 'string' || !POINT_FAILURES.has(err.code)) throw e;
  return { failed: { code: err.code, message: err.message ?? String(e) } };
}

/**
 * The reducer's rule: highest NDCG@10; on a tie the smaller K (a smaller model that is as good), then the
 * earlier grid point, so the choice never depends on the order children finished in. Failed points last.
 */
export function rankSweep(results: readonly SweepResult[]): SweepResult[] {
  const failed = (r: SweepResult) => (r.modelId.startsWith(FAILED_PREFIX) ? 1 : 0);
  return results
    .map((r, i) => ({ r, i }))
    .sort((a, b) => failed(a.r) - failed(b.r) || b.r.ndcg - a.r.ndcg || a.r.k - b.r.k || a.i - b.i)
    .map(({ r }) => r);
}

/** The `sweep` artifact: what lineage records of the search. */
export interface SweepRecord {
  readonly metric: string;
  readonly split: 'validation';
  readonly strategy: string;
  readonly space: Record<string, unknown>[];
  readonly ranked: readonly SweepResult[];
  readonly choice: SweepResult;
}

/** pick-best: the reducer of the sweep. */
export const pickBestStep = defineStep({
  name: 'pick-best',
  version: '2',
  description: 'Pick the sweep point with the best validation NDCG@10.',
  inputs: {
    params: {
      grid: param.list(gridPoint),
      ndcg: param.list(param.number()),
      modelIds: param.list(param.string()),
    },
  },
  outputs: {
    params: {
      similarity: gridPoint.similarity,
      k: gridPoint.k,
      options: gridPoint.options,
      ndcg: param.number(),
      modelId: param.string(),
    },
    artifacts: {
      sweep: artifact.file({
        description: 'the search space, every sweep point with its score (best first) and the choice (JSON)',
      }),
    },
  },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 60,
  run: async (ctx, { grid, ndcg, modelIds }) => {
    if (grid.length === 0 || ndcg.length !== grid.length || modelIds.length !== grid.length) {
      throw new PipelinesError(
        'PIPELINES_BAD_INPUT',
        `the sweep has ${grid.length} points but ${ndcg.length} scores and ${modelIds.length} models`,
        { field: 'ndcg' },
      );
    }
    const ranked = rankSweep(grid.map((g, i) => ({ ...g, ndcg: ndcg[i], modelId: modelIds[i] })));
    const sweep = ctx.outputPath('sweep');
    const best = ranked[0];
    if (best.modelId.startsWith(FAILED_PREFIX)) {
      throw new PipelinesError(
        'PIPELINES_BAD_INPUT',
        `every sweep point failed (${best.modelId.slice(FAILED_PREFIX.length)}): nothing to evaluate`,
        { field: 'trainOptions' },
      );
    }
    const { describeSpace, searchSpace } = await import('../../tune/index.js');
    const record: SweepRecord = {
      metric: `ndcg_at_${EVAL_K}`,
      split: 'validation',
      strategy: 'grid + tuner random start (seeded)',
      space: describeSpace(searchSpace(EVAL_K)),
      ranked,
      choice: best,
    };
    await writeFile(sweep, `${JSON.stringify(record, null, 2)}\n`);
    ctx.log.info(
      `best: ${best.similarity} k=${best.k} ${best.options ?? '{}'} (NDCG@${EVAL_K} ${best.ndcg.toFixed(4)})`,
    );
    return {
      similarity: best.similarity,
      k: best.k,
      options: best.options ?? '{}',
      ndcg: best.ndcg,
      modelId: best.modelId,
      sweep,
    };
  },
});
