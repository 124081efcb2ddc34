import type { Clock } from '../../core/index.js';
import type { StepRuntime, StepServices } from '../definition/step-services.js';
import { ExecutorError } from '../executor/errors.js';

/**
 * How a step process gets its runtime. The executor sits below the composition root, so it never imports
 * it: it is handed a module URL and each step process loads it (as it loads the catalogue). The module
 * exports `openStepRuntime`; it is the step process's own composition root, and the only code there that
 * reads the environment.
 */
export interface StepRuntimeModule {
  openStepRuntime(options: { env: NodeJS.ProcessEnv; clock: Clock }): Promise<StepRuntime>;
}

/**
 * Load the runtime module at `url` and open a runtime, or {@link noRuntime} when no URL is given.
 * @example const runtime = await loadStepRuntime(process.argv[3], { env: process.env, clock: systemClock });
 */
export async function loadStepRuntime(
  url: string | undefined,
  options: { env: NodeJS.ProcessEnv; clock: Clock },
): Promise<StepRuntime> {
  if (url === undefined || url === '') return noRuntime();
  let mod: Partial<StepRuntimeModule>;
  try {
    mod = (await import(url)) as Partial<StepRuntimeModule>;
  } catch (e) {
    throw new ExecutorError(
      'RUN_RUNTIME_INVALID',
      `cannot load the step runtime ${url}: ${(e as Error).message}`,
      {
        field: 'runtime',
        cause: e,
      },
    );
  }
  if (typeof mod.openStepRuntime !== 'function') {
    throw new ExecutorError('RUN_RUNTIME_INVALID', `${url} exports no openStepRuntime()`, {
      field: 'runtime',
    });
  }
  return mod.openStepRuntime(options);
}

/**
 * Services for an executor started without a runtime (tests of the engine alone): every port fails with
 * `RUN_NO_RUNTIME`, naming it, so a step that needs one says why instead of reaching for a store.
 */
export function noRuntime(): StepRuntime {
  const missing = (port: string) => (): never => {
    throw new ExecutorError(
      'RUN_NO_RUNTIME',
      `ctx.${port} is not available: this executor was started without a step runtime`,
      { field: port },
    );
  };
  const services: StepServices = {
    datasets: {
      current: missing('datasets'),
      get: missing('datasets'),
      add: missing('datasets'),
      fetchSource: missing('datasets'),
    },
    artifacts: {
      put: missing('artifacts'),
      putDir: missing('artifacts'),
      get: missing('artifacts'),
      getDir: missing('artifacts'),
    },
    registry: { registerVersion: missing('registry'), promote: missing('registry') },
    events: { publish: missing('events') },
    codeVersion: { version: 'unknown', gitSha: null },
  };
  return { kind: 'local', services, close: async () => {} };
}
