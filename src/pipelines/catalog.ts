import type { Pipeline } from '../pipeline/index.js';
import { PipelinesError } from './errors.js';
import { recommenderPipeline } from './recommender/pipeline.js';
import { shardedRecommenderPipeline } from './recommender/pipeline-sharded.js';

/** Every pipeline bookml ships, by name (`bookml run submit <name>`, `bookml pipeline compile <name>`). */
export const PIPELINES: Readonly<Record<string, Pipeline>> = Object.freeze({
  [recommenderPipeline.name]: recommenderPipeline as unknown as Pipeline,
  [shardedRecommenderPipeline.name]: shardedRecommenderPipeline as unknown as Pipeline,
});

/** Pipeline names, sorted. */
export function pipelineNames(): string[] {
  return Object.keys(PIPELINES).sort();
}

/**
 * The pipeline called `name`; `PIPELINES_NOT_FOUND` (404) listing the valid names otherwise.
 * @example getPipeline('recommender').spec.tasks.length; // 8
 */
export function getPipeline(name: string): Pipeline {
  const p = Object.hasOwn(PIPELINES, name) ? PIPELINES[name] : undefined;
  if (p === undefined) {
    throw new PipelinesError(
      'PIPELINES_NOT_FOUND',
      `no pipeline "${name}" (pipelines: ${pipelineNames().join(', ')})`,
      { field: 'pipeline' },
    );
  }
  return p;
}
