import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../core/index.js';
import { resolveWorkspace, type Workspace } from '../core/index.js';
import type { ArtifactStore } from './artifact-store.js';
import { StoreError } from './errors.js';
import { FsArtifactStore } from './fs-artifact-store.js';
import type { S3Settings } from './s3/s3-client.js';

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
  /** How to reach S3, for an `s3://` URL (the composition root resolves it). @default the SDK's defaults */
  s3?: S3Settings;
  /** The S3 store's local folder for spooled uploads and verified downloads. @default `<workspace>/artifact-cache` */
  cacheDir?: string;
}

/**
 * Opens the artifact store the configuration names: the workspace folder by default, another folder
 * with `file://` or a path, or a bucket with `s3://bucket/prefix` (the AWS SDK loads only then).
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
    const { parseS3Url, S3ArtifactStore } = await import('./s3/index.js');
    parseS3Url(raw, field);
    const workspace = options.workspace ?? resolveWorkspace(undefined, env);
    return S3ArtifactStore.open({
      url: raw,
      settings: options.s3 ?? {},
      cacheDir: options.cacheDir ?? join(workspace.root, 'artifact-cache'),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
  }
  if (raw.startsWith('file://')) return FsArtifactStore.open(fileURLToPath(raw), fsOptions);
  if (isAbsolute(raw)) return FsArtifactStore.open(resolve(raw), fsOptions);
  throw new StoreError('STORE_CONFIG_INVALID', `${field} must be file:///…, an absolute path or s3://…`, {
    field,
  });
}
