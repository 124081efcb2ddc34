import { writeFile } from 'node:fs/promises';
import type { ExposureReport } from '../../eval/index.js';
import { artifact, defineStep, param } from '../../pipeline/index.js';
import type { GateResult } from '../../registry/index.js';
import { EVAL_K, SIMILARITIES } from './params.js';

/**
 * One gate of the evaluation, in the registry's vocabulary (`metric_threshold`, `beat_baseline`): the
 * same names, numbers and rule the registry's policy applies when the version is promoted.
 */
export type EvaluationGate = GateResult;

/** Margin by which the model must beat most-popular: the registry policy's default for `beat_baseline`. */
export const BEAT_BASELINE_MARGIN = 0.001;

/** The `evaluation` artifact: what `register` records on the version. */
export interface EvaluationRecord {
  /** Every trainer parameter of the chosen configuration (the schema's defaults filled in). */
  readonly params: { readonly similarity: string; readonly k: number } & Readonly<Record<string, unknown>>;
  /** How the metrics were computed, so the registry can re-evaluate production the same way. */
  readonly evaluation: {
    readonly split: 'last-basket';
    readonly k: number;
    readonly seed: number;
    readonly resamples: number;
    /**
     * How exposure was measured (the registry's fairness gate reads the metrics): the long-tail rule,
     * and why exposure by author or genre does not apply when the dataset lacks them. Depends on the
     * dataset only, so two versions evaluated on the same data still compare as the same evaluation.
     */
    readonly fairness?: FairnessRecord;
  };
  /** Flat metrics of the model (`ndcg_at_10`, `ndcg_at_10_vs_most-popular`, `coverage`, …). */
  readonly metrics: Record<string, number>;
  readonly gates: readonly EvaluationGate[];
  readonly passed: boolean;
  readonly refit: { readonly modelId: string; readonly lines: number };
}

/** How the evaluation measured exposure (see {@link EvaluationRecord}). */
export interface FairnessRecord {
  readonly longTail: string;
  readonly headBooks: number;
  readonly notApplicable: Partial<Record<'author' | 'genre', string>>;
}

/** The fairness record of one recommender's exposure report. */
export function fairnessRecord(exposure: ExposureReport): FairnessRecord {
  const notApplicable: Partial<Record<'author' | 'genre', string>> = {};
  if ('notApplicable' in exposure.byAuthor) notApplicable.author = exposure.byAuthor.notApplicable;
  if ('notApplicable' in exposure.byGenre) notApplicable.genre = exposure.byGenre.notApplicable;
  return {
    longTail: `books outside the most bought ${Math.round(exposure.head.share * 100)} % (distinct train buyers)`,
    headBooks: exposure.head.books,
    notApplicable,
  };
}

/** The gates on a model's test metrics, as the registry's `metric_threshold` and `beat_baseline` judge them. */
export function evaluationGates(
  metrics: Readonly<Record<string, number>>,
  gates: { minNdcg: number; mustBeatPopular: boolean },
): EvaluationGate[] {
  const metric = `ndcg_at_${EVAL_K}`;
  const ndcg = metrics[metric];
  const fmt = (x: number) => x.toFixed(4);
  const out: EvaluationGate[] = [
    {
      gate: 'metric_threshold',
      passed: ndcg >= gates.minNdcg,
      value: ndcg,
      op: '>=',
      threshold: gates.minNdcg,
      detail: `${metric} ${fmt(ndcg)} vs minimum ${fmt(gates.minNdcg)}`,
    },
  ];
  if (gates.mustBeatPopular) {
    const popular = ndcg - metrics[`${metric}_vs_most-popular`];
    const threshold = popular + BEAT_BASELINE_MARGIN;
    out.push({
      gate: 'beat_baseline',
      passed: ndcg >= threshold,
      value: ndcg,
      op: '>=',
      threshold,
      detail: `${metric} ${fmt(ndcg)} vs most-popular ${fmt(popular)} + margin ${BEAT_BASELINE_MARGIN} = ${fmt(threshold)}`,
    });
  }
  return out;
}

/**
 * evaluate: the chosen (similarity, K) trained on the outer train side and compared on the test split with
 * the most-popular and random baselines (`src/eval` evaluate: bootstrap CIs, paired differences), then the
 * gates. The registered bundle is the same configuration refit on every line, so the served model has seen
 * each customer's latest basket; the test numbers describe the configuration (as a grid search's refit).
 */
export const evaluateStep = defineStep({
  name: 'evaluate',
  // 2: gates in the registry's vocabulary (metric_threshold, beat_baseline) — cached evaluations of 1 differ.
  // 3: every trainer option of the chosen point (`options`), and all of them in the record's params.
  // 4: exposure of the lists (long-tail share, Gini by book / author / genre) in the metrics.
  version: '4',
  description: `Test-split NDCG@${EVAL_K} vs most-popular and random, gates, and the refit bundle.`,
  inputs: {
    params: {
      similarity: param.enum(SIMILARITIES),
      k: param.integer({ min: EVAL_K, max: 1000 }),
      options: param.string({ default: '{}' }),
      trainOptions: param.string({ default: '{}' }),
      minNdcg: param.number({ min: 0, max: 1 }),
      mustBeatPopular: param.boolean(),
      seed: param.integer({ min: 0 }),
      resamples: param.integer({ default: 1000, min: 10, max: 100_000 }),
    },
    artifacts: { dataset: artifact.directory() },
  },
  outputs: {
    params: {
      gate: param.enum(['passed', 'failed']),
      ndcg: param.number(),
      ndcgVsPopular: param.number(),
      modelId: param.string(),
    },
    artifacts: {
      bundle: artifact.directory({ description: 'the configuration refit on the whole dataset' }),
      evaluation: artifact.file({ description: 'metrics, gates and the full evaluation report (JSON)' }),
    },
  },
  pure: true,
  retrySafe: true,
  timeoutSeconds: 3600,
  run: async (
    ctx,
    { similarity, k, options, trainOptions, minNdcg, mustBeatPopular, seed, resamples, dataset },
  ) => {
    const [{ evaluate, flatMetrics, mostPopularBaseline, randomBaseline }, fit] = await Promise.all([
      import('../../eval/index.js'),
      import('./model-fit.js'),
    ]);
    const { asEvalRecommender, fitKnn, loadSplit, parseTrainOptions, pointParams, writeModelBundle } = fit;
    const { loaded, outer } = await loadSplit(dataset, await ctx.datasets.parsedCacheDir());
    const params = pointParams(similarity, k, options, parseTrainOptions(trainOptions));
    const knn = await fitKnn(outer.train, params);
    const report = evaluate({
      train: outer.train,
      test: outer.test,
      recommenders: {
        'item-knn': asEvalRecommender(knn),
        'most-popular': mostPopularBaseline(outer.train),
        random: randomBaseline(outer.test.nItems, seed + 1),
      },
      k: EVAL_K,
      seed,
      resamples,
      catalogue: loaded.catalogue,
    });
    const metrics = flatMetrics(report);
    const model = report.recommenders.find((r) => r.name === report.model)!;
    const gates = evaluationGates(metrics, { minNdcg, mustBeatPopular });
    const passed = gates.every((g) => g.passed);

    const refit = await fitKnn(loaded.interactions, params);
    const bundle = ctx.outputPath('bundle');
    const manifest = writeModelBundle(bundle, refit, loaded, ctx);
    const record: EvaluationRecord = {
      params: { ...knn.params },
      evaluation: {
        split: 'last-basket',
        k: EVAL_K,
        seed,
        resamples,
        fairness: fairnessRecord(model.exposure),
      },
      metrics,
      gates,
      passed,
      refit: { modelId: manifest.modelId, lines: loaded.interactions.length },
    };
    const evaluation = ctx.outputPath('evaluation');
    await writeFile(evaluation, `${JSON.stringify({ ...record, report }, null, 2)}\n`);
    const line = gates.map((g) => `${g.gate} ${g.passed ? 'ok' : 'FAILED'}: ${g.detail}`);
    ctx.log.info(`gate ${passed ? 'passed' : 'failed'}: ${line.join('; ')}`, { users: report.users });
    return {
      gate: passed ? ('passed' as const) : ('failed' as const),
      ndcg: metrics[`ndcg_at_${EVAL_K}`],
      ndcgVsPopular: metrics[`ndcg_at_${EVAL_K}_vs_most-popular`],
      modelId: manifest.modelId,
      bundle,
      evaluation,
    };
  },
});
