/**
 * The directory-manifest format on its own: how a directory artifact is listed, hashed and checked,
 * and the store's error type. For clients that build or check manifests without opening any store (the
 * control-plane API client a step pod loads), so they load no store code and no storage SDK.
 *
 * @example
 * import { encodeDirManifest } from '../store/manifest/index.js';
 * const bytes = encodeDirManifest(entries); // its sha256 names the directory
 */

export type { DirManifest, DirManifestEntry } from '../artifact-store.js';
export { assertSha256, isSha256 } from '../artifact-store.js';
export { DIR_MANIFEST_MEDIA_TYPE, encodeDirManifest, isSafeRelativePath } from '../dir-manifest.js';
export { StoreError } from '../errors.js';
