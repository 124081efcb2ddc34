/**
 * The artifact store on its own: content-addressed files and folders (a workspace folder today, S3
 * later), atomic writes, verified reads, and nothing of the metadata database. Commands that only
 * store or fetch bundles (`bookml train`, `bookml recommend`, `bookml serve --model latest`) enter
 * `store/` here, so they never load Kysely or a database driver. `store/index.ts` exports the same
 * names beside the database.
 *
 * @example
 * import { openArtifactStore } from '../store/artifacts/index.js';
 * const artifacts = await openArtifactStore({ workspace: resolveWorkspace() });
 * const { sha256 } = await artifacts.putDir('./bundle');
 * const dir = await artifacts.getDir(sha256); // every file verified
 */

export type {
  ArtifactRef,
  ArtifactSource,
  ArtifactStat,
  ArtifactStore,
  DirArtifactRef,
  DirManifest,
  DirManifestEntry,
} from '../artifact-store.js';
export { assertSha256, isSha256 } from '../artifact-store.js';
export { DIR_MANIFEST_MEDIA_TYPE, encodeDirManifest, isSafeRelativePath } from '../dir-manifest.js';
export { StoreError } from '../errors.js';
export type { FsArtifactStoreOptions } from '../fs-artifact-store.js';
export { FsArtifactStore } from '../fs-artifact-store.js';
export type { OpenArtifactStoreOptions } from '../open-artifact-store.js';
export { openArtifactStore } from '../open-artifact-store.js';
