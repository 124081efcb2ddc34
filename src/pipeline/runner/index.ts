/**
 * The step runner: what one step process runs, locally (a child of the executor) and in an Argo container
 * (`bookml step`) alike — parse the invocation, load the catalogue and the runtime, run the step, write its
 * outputs. Light on purpose: it never loads the engine or the compiler.
 *
 * @example
 * import { loadCatalog, loadStepRuntime, parseStepArgs, runStepInvocation } from '../pipeline/runner/index.js';
 * const runtime = await loadStepRuntime(runtimeUrl, { env: process.env, clock: systemClock });
 * await runStepInvocation(await loadCatalog(catalogUrl), parseStepArgs(argv), { clock: systemClock, services: runtime.services });
 */

export type { StepInvocation } from '../definition/step-io.js';
export {
  decodeTaskInputs,
  encodeStepOutputs,
  formatStepArgs,
  parseStepArgs,
  STEP_EXIT_CODES,
} from '../definition/step-io.js';
export type { PipelineCatalog } from './catalog.js';
export { catalogFromModule, catalogOf, catalogUrl, loadCatalog } from './catalog.js';
export type { StepRunOptions } from './step-runner.js';
export { runStepInvocation } from './step-runner.js';
export type { StepRuntimeModule } from './step-runtime.js';
export { loadStepRuntime, noRuntime } from './step-runtime.js';
