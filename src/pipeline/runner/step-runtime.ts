import type { Clock } from '../../core/index.js';
import type { StepCodeVersion, StepRuntime, StepServices } from '../definition/step-services.js';
import { ExecutorError } from '../executor/errors.js';

/**
 * How a step process gets its runtime. The executor sits below the composition root, so it never imports
 * it: it is handed a module URL and each step process loads it (as it loads the catalogue). The module
 * exports `openStepRuntime`; it is the step process's own composition root, and the only code there that
 * reads the environment.
 */
export interface StepRuntimeModule {
  openStepRuntime(options: { env: NodeJS.ProcessEnv; clock: Clock }): Promise<StepRuntime>;
  /**
   * Optional: do, ahead of need, the work of opening a runtime that reads no environment (a warm step
   * process calls it while it waits for its job). It must open nothing and read no secret.
   */
  warmStepRuntime?(): void;
  /**
   * Optional: the code version `openStepRuntime` would report, without opening anything. A module that
   * has it is opened on a step's first call to a port ({@link lazyRuntime}), so a step that calls none
   * never loads the stores.
   */
  stepCodeVersion?(env: NodeJS.ProcessEnv): StepCodeVersion;
}

/**
 * Import the runtime module at `url` (no runtime is opened): undefined when no URL is given. A warm step
 * process imports it before its job arrives, so the job pays only for opening it.
 */
export async function importStepRuntime(url: string | undefined): Promise<StepRuntimeModule | undefined> {
  if (url === undefined || url === '') return undefined;
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
  return mod as StepRuntimeModule;
}

/** Open a runtime from a module {@link importStepRuntime} gave, or {@link noRuntime} without one. */
export function openRuntimeOf(
  mod: StepRuntimeModule | undefined,
  options: { env: NodeJS.ProcessEnv; clock: Clock },
): Promise<StepRuntime> {
  return mod === undefined ? Promise.resolve(noRuntime()) : mod.openStepRuntime(options);
}

/**
 * A runtime that opens the module's on the first call to one of its ports, when the module can say its
 * code version without opening (`stepCodeVersion`); otherwise it is opened now, as {@link openRuntimeOf}.
 */
export function lazyRuntime(
  mod: StepRuntimeModule | undefined,
  options: { env: NodeJS.ProcessEnv; clock: Clock },
): Promise<StepRuntime> {
  if (mod?.stepCodeVersion === undefined) return openRuntimeOf(mod, options);
  let opened: Promise<StepRuntime> | undefined;
  const open = () => {
    opened ??= mod.openStepRuntime(options);
    return opened;
  };
  type Ports = Omit<StepServices, 'codeVersion'>;
  // Every method of the port is listed (the type says so), each forwarding to the opened runtime's.
  const port = <P extends keyof Ports>(name: P, methods: Record<keyof Ports[P], true>): Ports[P] => {
    const out: Record<string, unknown> = {};
    for (const m of Object.keys(methods)) {
      out[m] = async (...args: unknown[]) => {
        const target = (await open()).services[name] as unknown as Record<
          string,
          (...a: unknown[]) => unknown
        >;
        return target[m](...args);
      };
    }
    return out as unknown as Ports[P];
  };
  const services: StepServices = {
    datasets: port('datasets', {
      current: true,
      get: true,
      add: true,
      fetchSource: true,
      parsedCacheDir: true,
    }),
    artifacts: port('artifacts', { put: true, putDir: true, get: true, getDir: true }),
    registry: port('registry', { registerVersion: true, promote: true }),
    events: port('events', { publish: true }),
    codeVersion: mod.stepCodeVersion(options.env),
  };
  return Promise.resolve({
    kind: 'local',
    services,
    close: async () => {
      if (opened !== undefined) await (await opened).close();
    },
  });
}

/**
 * Load the runtime module at `url` and open a runtime, or {@link noRuntime} when no URL is given.
 * @example const runtime = await loadStepRuntime(process.argv[3], { env: process.env, clock: systemClock });
 */
export async function loadStepRuntime(
  url: string | undefined,
  options: { env: NodeJS.ProcessEnv; clock: Clock },
): Promise<StepRuntime> {
  return openRuntimeOf(await importStepRuntime(url), options);
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
      parsedCacheDir: missing('datasets'),
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
