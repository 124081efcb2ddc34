import {
  type ArtifactOutputRef,
  definePipeline,
  eq,
  type ParamRefs,
  type PipelineBuilder,
  type Ref,
} from '../../pipeline/index.js';
import { evaluateStep } from './evaluate.js';
import { ingestStep } from './ingest.js';
import { RECOMMENDER_PARAMS, type SIMILARITIES } from './params.js';
import { promoteStep, registerStep } from './register.js';
import { pickBestStep, sweepGridStep, trainStep } from './sweep.js';
import { validateDataStep } from './validate-data.js';

/** What another refit (`recommender-sharded`'s) is given: the chosen point and the dataset. */
export interface RefitInputs {
  readonly similarity: Ref<(typeof SIMILARITIES)[number]>;
  readonly k: Ref<number>;
  readonly options: Ref<string>;
  readonly trainOptions: Ref<string>;
  readonly dataset: ArtifactOutputRef<'directory'>;
}

/** The recommender graph, shared by the pipelines that run it. */
export const recommenderGraph = {
  /**
   * Add the tasks. `refit`, when given, adds tasks producing the bundle `register` stores in place of
   * `evaluate`'s; it must be the same bytes (`pipeline-sharded.ts`).
   */
  build(
    p: ParamRefs<typeof RECOMMENDER_PARAMS>,
    b: PipelineBuilder,
    refit?: (inputs: RefitInputs) => ArtifactOutputRef<'directory'>,
  ): void {
    const ingest = b.task('ingest', ingestStep, {
      datasetUri: p.datasetUri,
      datasetMapping: p.datasetMapping,
      datasetDateFormat: p.datasetDateFormat,
    });
    const validate = b.task('validate', validateDataStep, { dataset: ingest.outputs.dataset });
    const grid = b
      .task('sweep-grid', sweepGridStep, {
        similarityGrid: p.similarityGrid,
        kGrid: p.kGrid,
        trials: p.trials,
        seed: p.seed,
      })
      .after(validate);
    const train = b.fanOut('train', trainStep, grid.outputs.grid, (point) => ({
      similarity: point.similarity,
      k: point.k,
      options: point.options,
      trainOptions: p.trainOptions,
      dataset: ingest.outputs.dataset,
    }));
    const best = b.task('pick-best', pickBestStep, {
      grid: train.items,
      ndcg: train.outputs.ndcg,
      modelIds: train.outputs.modelId,
    });
    const evaluate = b.task('evaluate', evaluateStep, {
      similarity: best.outputs.similarity,
      k: best.outputs.k,
      options: best.outputs.options,
      trainOptions: p.trainOptions,
      minNdcg: p.minNdcg,
      mustBeatPopular: p.mustBeatPopular,
      seed: p.seed,
      dataset: ingest.outputs.dataset,
    });
    const register = b
      .task('register', registerStep, {
        datasetHash: ingest.outputs.datasetHash,
        datasetSource: ingest.outputs.datasetSource,
        bundle:
          refit?.({
            similarity: best.outputs.similarity,
            k: best.outputs.k,
            options: best.outputs.options,
            trainOptions: p.trainOptions,
            dataset: ingest.outputs.dataset,
          }) ?? evaluate.outputs.bundle,
        evaluation: evaluate.outputs.evaluation,
        dataReport: validate.outputs.report,
        sweep: best.outputs.sweep,
        dataset: ingest.outputs.dataset,
      })
      .when(eq(evaluate.outputs.gate, 'passed'));
    b.task('promote', promoteStep, { version: register.outputs.version, alias: p.alias }).mutex(
      'recommender-promote',
    );
  },
};

/**
 * The recommender pipeline (DESIGN.md's loop):
 *
 * ```
 * ingest → validate → sweep-grid → train ×(similarity × K + tuner trials) → pick-best → evaluate → register → promote
 * ```
 *
 * `register` runs only when the evaluation gates passed (else it is Skipped and `promote` Omitted: the run
 * still succeeds, with the reason in `evaluate`'s outputs). `promote` holds the `recommender-promote` lock,
 * so two runs never move an alias at the same time while their training still runs in parallel.
 */
export const recommenderPipeline = definePipeline({
  name: 'recommender',
  description:
    'Train item-kNN over a similarity × K sweep plus tuner trials, evaluate against baselines, register and promote.',
  params: RECOMMENDER_PARAMS,
  timeoutSeconds: 4 * 3600,
  build: (p, b) => recommenderGraph.build(p, b),
});
