import { writeFile } from 'node:fs/promises';
import { artifact, defineStep, param } from '../../pipeline/index.js';
import { EVAL_K, SIMILARITIES } from './params.js';

/** One gate of the evaluation: a named comparison and whether it held. */
export interface EvaluationGate {
  readonly name: 'min_ndcg' | 'beat_most_popular';
  readonly value: number;
  readonly op: '>=' | '>';
  readonly threshold: number;
  readonly pass: boolean;
}

/** The `evaluation` artifact: what `register` records on the version. */
export interface EvaluationRecord {
  readonly params: { readonly similarity: string; readonly k: number };
  /** How the metrics were computed, so the registry can re-evaluate production the same way. */
  readonly evaluation: {
    readonly split: 'last-basket';
    readonly k: number;
    readonly seed: number;
    readonly resamples: number;
  };
  /** Flat metrics of the model (`ndcg_at_10`, `ndcg_at_10_vs_most-popular`, `coverage`, …). */
  readonly metrics: Record<string, number>;
  readonly gates: readonly EvaluationGate[];
  readonly passed: boolean;
  readonly refit: { readonly modelId: string; readonly lines: number };
}

/** The gates on a model's test metrics. */
export function evaluationGates(
  metrics: Readonly<Record<string, number>>,
  gates: { minNdcg: number; mustBeatPopular: boolean },
): EvaluationGate[] {
  const ndcg = metrics[`ndcg_at_${EVAL_K}`];
  const out: EvaluationGate[] = [
    { name: 'min_ndcg', value: ndcg, op: '>=', threshold: gates.minNdcg, pass: ndcg >= gates.minNdcg },
  ];
  if (gates.mustBeatPopular) {
    const diff = metrics[`ndcg_at_${EVAL_K}_vs_most-popular`];
    out.push({ name: 'beat_most_popular', value: diff, op: '>', threshold: 0, pass: diff > 0 });
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
  version: '1',
  description: `Test-split NDCG@${EVAL_K} vs most-popular and random, gates, and the refit bundle.`,
  inputs: {
    params: {
      similarity: param.enum(SIMILARITIES),
      k: param.integer({ min: EVAL_K, max: 1000 }),
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
  run: async (ctx, { similarity, k, minNdcg, mustBeatPopular, seed, resamples, dataset }) => {
    const [{ evaluate, flatMetrics, mostPopularBaseline, randomBaseline }, fit] = await Promise.all([
      import('../../eval/index.js'),
      import('./model-fit.js'),
    ]);
    const { asEvalRecommender, fitKnn, loadSplit, writeModelBundle } = fit;
    const { loaded, outer } = await loadSplit(dataset);
    const knn = await fitKnn(outer.train, similarity, k);
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
    });
    const metrics = flatMetrics(report);
    const gates = evaluationGates(metrics, { minNdcg, mustBeatPopular });
    const passed = gates.every((g) => g.pass);

    const refit = await fitKnn(loaded.interactions, similarity, k);
    const bundle = ctx.outputPath('bundle');
    const manifest = writeModelBundle(bundle, refit, loaded, ctx);
    const record: EvaluationRecord = {
      params: { similarity, k },
      evaluation: { split: 'last-basket', k: EVAL_K, seed, resamples },
      metrics,
      gates,
      passed,
      refit: { modelId: manifest.modelId, lines: loaded.interactions.length },
    };
    const evaluation = ctx.outputPath('evaluation');
    await writeFile(evaluation, `${JSON.stringify({ ...record, report }, null, 2)}\n`);
    const line = gates.map(
      (g) => `${g.name} ${g.value.toFixed(4)} ${g.op} ${g.threshold} ${g.pass ? 'ok' : 'FAILED'}`,
    );
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
