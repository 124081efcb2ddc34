import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSafeRelativePath } from '../store/manifest/index.js';
import type { S3Settings } from '../store/s3/index.js';

/**
 * Where a dataset URI's bytes are, made local: the step port `datasets.fetchSource` on both runtimes
 * (in a step pod, the pod's own mounts and S3 settings). Locally readable URIs are handed back as paths;
 * `s3://` is downloaded into the folder given.
 */
export type FetchSource = (uri: string, into: string) => Promise<string>;

/** What {@link datasetSources} reads from: the composition root's configuration. */
export interface DatasetSourcesConfig {
  /** Where claims are mounted: `pvc://<claim>/<path>` is `<pvcRoot>/<claim>/<path>`. */
  readonly pvcRoot: string;
  /** How to reach S3 (the same settings as an `s3://` artifact store). */
  readonly s3: S3Settings;
}

/** Where claims are mounted unless `BOOKML_PVC_ROOT` says otherwise. */
export const DEFAULT_PVC_ROOT = '/mnt/pvc';

const CLAIM = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The dataset URIs a runtime can read: `file:///x` (this machine), `file:x`, `/x`,
 * `pvc://<claim>/<path>` (a PersistentVolumeClaim mounted at `<pvcRoot>/<claim>`), `s3://<bucket>/<key>`
 * (an object, or every object under a prefix). A URI that names nothing fails with `DATA_NOT_FOUND`.
 * @example const path = await datasetSources({ pvcRoot: '/mnt/pvc', s3: {} })('pvc://exports/orders.csv', scratch);
 */
export function datasetSources(config: DatasetSourcesConfig): FetchSource {
  let client: Promise<import('@aws-sdk/client-s3').S3Client> | undefined;
  return async (uri, into) => {
    if (uri.startsWith('s3://')) {
      const s3 = await import('../store/s3/index.js');
      const at = s3.parseS3Url(uri, 'datasetUri');
      client ??= Promise.resolve(s3.createS3Client(config.s3));
      try {
        return await s3.downloadS3(await client, at, into);
      } catch (e) {
        if ((e as { code?: unknown }).code === 'STORE_ARTIFACT_NOT_FOUND') throw await notFound(uri);
        throw e;
      }
    }
    const path = localPath(uri, config.pvcRoot);
    if (path === undefined || (await stat(path).catch(() => undefined)) === undefined) {
      throw await notFound(uri);
    }
    return path;
  };
}

/** The local path a `file:`, `pvc://` or absolute URI names; `undefined` for anything else. */
function localPath(uri: string, pvcRoot: string): string | undefined {
  if (uri.startsWith('pvc://')) {
    const [claim = '', ...rest] = uri.slice('pvc://'.length).split('/');
    const path = rest.join('/');
    if (!CLAIM.test(claim) || !isSafeRelativePath(path)) return undefined;
    return join(pvcRoot, claim, ...rest);
  }
  if (uri.startsWith('file://')) {
    try {
      return fileURLToPath(uri);
    } catch {
      return undefined; // another host's file, or a malformed URI
    }
  }
  if (uri.startsWith('file:')) return uri.slice('file:'.length) || undefined;
  if (uri.startsWith('/')) return uri;
  return undefined;
}

/** The data layer's own error, loaded on demand: a step pod that reads no URI never loads the data layer. */
async function notFound(uri: string): Promise<Error> {
  const { DataNotFoundError } = await import('../data/index.js');
  return new DataNotFoundError(uri);
}
