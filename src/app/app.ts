import { type Clock, codeVersion, systemClock, type Workspace } from '../core/index.js';
import type { PipelineCatalog } from '../pipeline/executor/index.js';
import type { StepServices } from '../pipeline/index.js';
import { type AppConfig, lineageCodeVersion } from './config.js';
import { localStepServices } from './local-runtime.js';
import { BUILT_IN_CATALOG_URL } from './step-bundle.js';
import { type OpenStores, openStores } from './stores.js';

/**
 * bookml's services, built from one configuration: the stores (metadata database, artifact store,
 * registry, event log — each opened on first use), the pipeline catalogue, and the steps' local runtime.
 * The hosted surfaces (executor, control plane, serving) are components over one `App`; `Host` runs any
 * subset of them in one process.
 */
export interface App {
  readonly config: AppConfig;
  readonly workspace: Workspace;
  readonly clock: Clock;
  readonly stores: OpenStores;
  /** The pipeline catalogue and the URL its step processes load it from. */
  catalog(): Promise<{ catalog: PipelineCatalog; url: string }>;
  /** The step ports over this process's stores (what in-process steps and the control plane use). */
  stepServices(): StepServices;
  /** Close what was opened. */
  close(): Promise<void>;
}

/**
 * Build the services of one process. Nothing is opened until asked for.
 * @example const app = createApp(resolveAppConfig({ env: process.env }));
 */
export function createApp(config: AppConfig, options: { clock?: Clock } = {}): App {
  const clock = options.clock ?? systemClock;
  const stores = openStores({
    workspace: config.workspace,
    databaseUrl: config.databaseUrl,
    artifactsUrl: config.artifactsUrl,
    natsUrl: config.natsUrl,
    redisUrl: config.redisUrl,
    s3: config.s3,
    pvcRoot: config.pvcRoot,
    clock,
  });
  let catalog: Promise<{ catalog: PipelineCatalog; url: string }> | undefined;
  let services: StepServices | undefined;
  return {
    config,
    workspace: config.workspace,
    clock,
    stores,
    catalog: () => {
      catalog ??= (async () => {
        const { catalogUrl, loadCatalog } = await import('../pipeline/runner/index.js');
        const url = catalogUrl(config.pipelinesUrl ?? BUILT_IN_CATALOG_URL);
        return { catalog: await loadCatalog(url), url };
      })();
      return catalog;
    },
    stepServices: () => {
      services ??= localStepServices(stores, {
        codeVersion: lineageCodeVersion(codeVersion(), config.image),
      });
      return services;
    },
    close: () => stores.close(),
  };
}
