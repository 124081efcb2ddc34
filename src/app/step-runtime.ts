import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, codeVersion } from '../core/index.js';
import type { StepRuntime } from '../pipeline/index.js';
import { resolveAppConfig } from './config.js';
import { datasetSources } from './dataset-sources.js';
import { localStepServices } from './local-runtime.js';
import { openStores } from './stores.js';

/**
 * The composition root of a step process — the one place a step process reads its environment. The
 * executor's step processes load this module by URL (`openStepRuntime`), and `bookml step` (what an Argo
 * container runs) calls it directly:
 *
 * - `BOOKML_API_URL` (+ `BOOKML_API_TOKEN`): the **remote** runtime, an HTTP client of the control plane;
 *   the pod holds a token, never database credentials.
 * - otherwise the **local** runtime on the workspace (`BOOKML_HOME`), its database
 *   (`BOOKML_DATABASE_URL`) and artifact store (`BOOKML_ARTIFACTS`).
 *
 * Either way dataset URIs are read here, with this process's S3 settings and claim mounts
 * (`BOOKML_S3_ENDPOINT`, `AWS_*`, `BOOKML_PVC_ROOT`; see `resolveAppConfig`).
 *
 * `BOOKML_GIT_SHA` / `BOOKML_VERSION` name the code when there is no git checkout (a container image).
 */
export async function openStepRuntime(options: {
  env: NodeJS.ProcessEnv;
  clock: Clock;
}): Promise<StepRuntime> {
  const { env, clock } = options;
  const code = codeVersion();
  const version = {
    version: env.BOOKML_VERSION || code.version,
    gitSha: code.gitSha ?? env.BOOKML_GIT_SHA ?? null,
  };
  const config = resolveAppConfig({ env });
  const url = env.BOOKML_API_URL;
  if (url !== undefined && url !== '') {
    const { openRemoteRuntime } = await import('./remote-runtime.js');
    return openRemoteRuntime({
      url,
      token: env.BOOKML_API_TOKEN,
      clock,
      codeVersion: version,
      cacheDir: join(env.BOOKML_CACHE_DIR || tmpdir(), 'bookml-cache'),
      fetchSource: datasetSources({ pvcRoot: config.pvcRoot, s3: config.s3 }),
    });
  }
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
  return {
    kind: 'local',
    services: localStepServices(stores, { codeVersion: version }),
    close: () => stores.close(),
  };
}

/** This module's URL, which the composition root hands to the executor for its step processes. */
export const STEP_RUNTIME_URL = import.meta.url;
