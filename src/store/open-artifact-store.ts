import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../core/index.js';
import { resolveWorkspace, type Workspace } from '../core/index.js';
import type { ArtifactStore } from './artifact-store.js';
import { StoreError } from './errors.js';
import { FsArtifactStore } from './fs-artifact-store.js';

/** Options of {@link openArtifactStore}. */
export interface OpenArtifactStoreOptions {
  /** @default resolveWorkspace(undefined, env) */
  workspace?: Workspace;
  /** `file:///…`, an absolute path, or `s3://bucket/prefix`. @default env.BOOKML_ARTIFACTS, else `<workspace>/artifacts` */
  url?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default systemClock */
  clock?: Clock;
}

/**
 * Opens the artifact store the configuration names: the workspace folder by default, another folder
 * with `file://` or a path. `s3://` is recognised and refused until an S3 implementation exists.
 * @example const store = await openArtifactStore({ workspace: resolveWorkspace() });
 */
export async function openArtifactStore(options: OpenArtifactStoreOptions = {}): Promise<ArtifactStore> {
  const env = options.env ?? process.env;
  const field = options.url !== undefined ? 'url' : 'BOOKML_ARTIFACTS';
  const raw = options.url ?? env.BOOKML_ARTIFACTS;
  const fsOptions = options.clock === undefined ? {} : { clock: options.clock };
  if (raw === undefined || raw === '') {
    return FsArtifactStore.open(
      (options.workspace ?? resolveWorkspace(undefined, env)).artifactsDir,
      fsOptions,
    );
  }
  if (raw.startsWith('s3://')) {
    throw new StoreError(
      'STORE_CONFIG_INVALID',
      `${field} names an S3 store, which this build of bookml cannot use yet; unset it to keep artifacts in the workspace`,
      { field },
    );
  }
  if (raw.startsWith('file://')) return FsArtifactStore.open(fileURLToPath(raw), fsOptions);
  if (isAbsolute(raw)) return FsArtifactStore.open(resolve(raw), fsOptions);
  throw new StoreError('STORE_CONFIG_INVALID', `${field} must be file:///…, an absolute path or s3://…`, {
    field,
  });
}
