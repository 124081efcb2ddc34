/**
 * The control-plane API client: what a step pod loads to reach datasets, artifacts, the registry and the
 * event bus with a bearer token instead of database and store credentials. Light on purpose — Node's
 * `fetch`, `node:*` modules, bookml's error class and the artifact store's manifest format (its light
 * sub-door); no Fastify, no database stack, no registry.
 *
 * @example
 * import { ControlPlaneClient, downloadDir, uploadDir } from '../api/client/index.js';
 * const api = new ControlPlaneClient({ url: env.BOOKML_API_URL, token: env.BOOKML_API_TOKEN });
 * const bundle = await uploadDir(api, './bundle');               // uploads only what the store lacks
 * await api.registerVersion('recommender', { artifactUri: bundle.uri, artifactHash: bundle.sha256 });
 * await downloadDir(api, bundle.sha256, './copy');               // verified, renamed into place whole
 */

export { downloadDir, downloadFile, hashFile, uploadDir, uploadFile } from './artifact-transfer.js';
export { ControlPlaneError, isRetryableStatus } from './client-error.js';
export type { BlobBody, ControlPlaneClientOptions } from './control-plane-client.js';
export { ControlPlaneClient } from './control-plane-client.js';
export type {
  BlobLookup,
  DatasetInfo,
  DatasetSourceInfo,
  DatasetSummary,
  Manifest,
  ManifestEntry,
  PromotionInfo,
  RegisterVersionRequest,
  StoredBlob,
  StoredDir,
  VersionInfo,
  WhoamiInfo,
} from './wire-types.js';
