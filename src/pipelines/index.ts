/**
 * The pipelines bookml ships, built with `pipeline/`: today the recommender (ingest → validate → sweep over
 * similarity × K → pick-best → evaluate → register → promote), looked up by name for `bookml run submit`
 * and `bookml pipeline compile`.
 *
 * @example
 * import { getPipeline } from '../pipelines/index.js';
 * import { compileToArgo, toYaml } from '../pipeline/index.js';
 * const recommender = getPipeline('recommender');
 * console.log(await toYaml(compileToArgo(recommender.spec, { image: 'registry.example.com/bookml:0.1.0' })));
 */

export { getPipeline, PIPELINES, pipelineNames } from './catalog.js';
export type { PipelinesErrorCode } from './errors.js';
export { PIPELINES_ERRORS, PipelinesError } from './errors.js';
export type { EvaluationGate, EvaluationRecord } from './recommender/evaluate.js';
export { evaluationGates } from './recommender/evaluate.js';
export { gateEvidence } from './recommender/gate-evidence.js';
export {
  DATASET_URI_FORMS,
  EVAL_K,
  MODEL_NAME,
  RECOMMENDER_PARAMS,
} from './recommender/params.js';
export { recommenderPipeline } from './recommender/pipeline.js';
export type { SweepResult } from './recommender/sweep.js';
export { rankSweep } from './recommender/sweep.js';
