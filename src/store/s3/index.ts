/**
 * S3 on its own: the artifact store in a bucket, the client settings the composition root resolves, and
 * fetching what an `s3://` dataset URI names. A separate door so that only a process configured for S3
 * loads the AWS SDK (`openArtifactStore` imports it on demand).
 *
 * @example
 * import { createS3Client, downloadS3, parseS3Url } from '../store/s3/index.js';
 * const file = await downloadS3(createS3Client(settings), parseS3Url(uri, 'datasetUri'), scratchDir);
 */

export type { S3ArtifactStoreOptions } from './s3-artifact-store.js';
export { S3ArtifactStore } from './s3-artifact-store.js';
export type { S3Location, S3Settings } from './s3-client.js';
export { createS3Client, parseS3Url } from './s3-client.js';
export { downloadS3 } from './s3-download.js';
