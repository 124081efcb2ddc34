import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, codeVersion } from '../core/index.js';
import type { StepCodeVersion, StepRuntime } from '../pipeline/index.js';
import { imageRefOf, lineageCodeVersion } from './image-ref.js';

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
 *
 * Importing this module is cheap on purpose (the configuration, the stores and the datasets are imported
 * when a runtime is opened): a warm step process imports it before its job, and the executor's step
 * processes open the runtime only when a step first calls a port (`stepCodeVersion`, `lazyRuntime`), so a
 * step that needs no service never pays for loading them.
 */
export async function openStepRuntime(options: {
  env: NodeJS.ProcessEnv;
  clock: Clock;
}): Promise<StepRuntime> {
  const { env, clock } = options;
  const [{ resolveAppConfig }, { datasetSources }] = await Promise.all([
    import('./config.js'),
    import('./dataset-sources.js'),
  ]);
  const config = resolveAppConfig({ env });
  const version = stepCodeVersion(env);
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
  const [{ localStepServices }, { openStores }] = await Promise.all([
    import('./local-runtime.js'),
    import('./stores.js'),
  ]);
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

/** The code version (and image, `BOOKML_IMAGE`) a runtime opened on `env` reports; no store is opened. */
export function stepCodeVersion(env: NodeJS.ProcessEnv): StepCodeVersion {
  const code = codeVersion();
  return lineageCodeVersion(
    { version: env.BOOKML_VERSION || code.version, gitSha: code.gitSha ?? env.BOOKML_GIT_SHA ?? null },
    env.BOOKML_IMAGE ? imageRefOf(env.BOOKML_IMAGE) : undefined,
  );
}

/**
 * Ahead of need, in a warm step process (no environment yet): what opening a runtime does that does not
 * depend on it — asking git for the code's version, once, so the step does not wait for it.
 */
export function warmStepRuntime(): void {
  codeVersion();
}

/** This module's URL, which the composition root hands to the executor for its step processes. */
export const STEP_RUNTIME_URL = import.meta.url;
