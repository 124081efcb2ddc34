import type { Engine } from '../pipeline/executor/index.js';
import type { App } from './app.js';
import type { Component } from './host.js';
import { stepProcessFiles } from './step-bundle.js';

/** Options of {@link executorComponent}. */
export interface ExecutorComponentOptions {
  /** Most steps running at once. @default 4 */
  parallelism?: number;
  /** Let a step process that succeeded run the next step. @default false */
  reuseProcesses?: boolean;
  /** Stop after this long with nothing to run, in ms. @default never */
  idleExitMs?: number;
  /** How often the executor heartbeats, in ms. @default the engine's */
  heartbeatMs?: number;
  /** Most runs this executor owns at once (others on the store take the rest). @default the engine's */
  maxRuns?: number;
  /** How long a claimed run stays this executor's without a heartbeat, in ms. @default the engine's */
  leaseMs?: number;
  /** The environment step processes inherit (their declared variables and cache keys read it). */
  env: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** The running executor component: the engine once started (`null` before, or when it could not start). */
export interface ExecutorComponent extends Component {
  readonly engine: Engine | null;
}

/**
 * The local executor as a hosted component. Its step processes load bookml's step runtime module and
 * inherit the store configuration of this process, so they work on the same workspace, database and
 * artifact store. Other executors may serve the same store: runs are shared through leases.
 */
export function executorComponent(app: App, options: ExecutorComponentOptions): ExecutorComponent {
  let engine: Engine | null = null;
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => {
    resolveEnded = resolve;
  });
  const log = options.log ?? (() => {});
  return {
    name: 'executor',
    get engine() {
      return engine;
    },
    ended,
    start: async () => {
      const [{ Engine }, { catalog, url }, db, artifacts] = await Promise.all([
        import('../pipeline/executor/index.js'),
        app.catalog(),
        app.stores.db(),
        app.stores.artifacts(),
      ]);
      const { config } = app;
      const files = stepProcessFiles(url);
      const e = new Engine({
        db,
        artifacts,
        workspace: app.workspace,
        catalog,
        catalogUrl: files.catalogUrl,
        runtimeUrl: files.runtimeUrl,
        ...(files.stepEntry === undefined ? {} : { stepEntry: files.stepEntry }),
        parallelism: options.parallelism ?? 4,
        reuseProcesses: options.reuseProcesses === true,
        ...(options.idleExitMs === undefined ? {} : { idleExitMs: options.idleExitMs }),
        ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
        ...(options.maxRuns === undefined ? {} : { maxRuns: options.maxRuns }),
        ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
        clock: app.clock,
        env: {
          ...options.env,
          BOOKML_HOME: app.workspace.root,
          ...(config.databaseUrl ? { BOOKML_DATABASE_URL: config.databaseUrl } : {}),
          ...(config.artifactsUrl ? { BOOKML_ARTIFACTS: config.artifactsUrl } : {}),
          ...(config.natsUrl ? { BOOKML_NATS_URL: config.natsUrl } : {}),
          ...(config.redisUrl ? { BOOKML_REDIS_URL: config.redisUrl } : {}),
        },
        log,
      });
      await e.start();
      engine = e;
      log(`executor generation ${e.generation} (pid ${process.pid}) started`);
      void e.stopped.then(resolveEnded);
    },
    stop: async () => {
      if (engine === null) return;
      await engine.close();
      log(`executor generation ${engine.generation} stopped`);
    },
  };
}
