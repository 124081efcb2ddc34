import { S3Client, type S3ServiceException } from '@aws-sdk/client-s3';
import { isBookmlError } from '../../core/index.js';
import { StoreError } from '../errors.js';

/**
 * How to reach S3 or an S3-compatible server (MinIO, s3rver). The composition root resolves it from
 * `BOOKML_S3_*` and the standard `AWS_*` variables; nothing under `store/` reads the environment.
 * Without `credentials` the SDK's default chain applies (web identity on Kubernetes, an instance role).
 */
export interface S3Settings {
  /** `http://minio:9000`; absent: AWS's own endpoint for the region. */
  readonly endpoint?: string | undefined;
  /** @default us-east-1 */
  readonly region?: string | undefined;
  /** Address buckets as `<endpoint>/<bucket>` rather than `<bucket>.<endpoint>` (MinIO, s3rver). @default true with an endpoint */
  readonly forcePathStyle?: boolean | undefined;
  readonly credentials?:
    | {
        readonly accessKeyId: string;
        readonly secretAccessKey: string;
        readonly sessionToken?: string | undefined;
      }
    | undefined;
}

/** A bucket and a key (or key prefix) in it. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * `s3://bucket/some/key` → `{ bucket, key: 'some/key' }` (key `''` for the bucket itself). The key is
 * kept as written, so a trailing `/` still says "a prefix".
 * @throws StoreError `STORE_CONFIG_INVALID` naming `field`
 * @example parseS3Url('s3://models/bookml/') // { bucket: 'models', key: 'bookml/' }
 */
export function parseS3Url(url: string, field: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  const bucket = m?.[1] ?? '';
  const key = m?.[2] ?? '';
  if (!m || !BUCKET.test(bucket) || key.startsWith('/') || key.split('/').some((s) => s === '..')) {
    throw new StoreError(
      'STORE_CONFIG_INVALID',
      `${field} must be s3://<bucket>/<key or prefix> with a valid bucket name (3–63 lowercase letters, digits, dots, dashes) and no ".." in the key`,
      { field },
    );
  }
  return { bucket, key };
}

/**
 * An S3 client for `settings`. Request checksums are only sent where S3 requires them: bookml sends its
 * own `x-amz-checksum-sha256` on every upload and verifies every download against the blob's name.
 */
export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region ?? 'us-east-1',
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    forcePathStyle: settings.forcePathStyle ?? settings.endpoint !== undefined,
    ...(settings.credentials === undefined ? {} : { credentials: { ...settings.credentials } }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  });
}

type SdkError = Partial<S3ServiceException> & { code?: string; Code?: string };

/** True when the SDK error says "no such key" (GetObject's NoSuchKey, HeadObject's bare 404). */
export function isMissingKey(e: unknown): boolean {
  const err = e as SdkError | null;
  if (err === null || typeof err !== 'object') return false;
  if (err.name === 'NoSuchBucket' || err.Code === 'NoSuchBucket') return false;
  return err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404;
}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken']);

/**
 * A typed store error for a failed S3 call: an absent bucket is configuration, a refusal is credentials
 * (not retryable), a network fault, throttling or a 5xx is retryable. Never a raw SDK error.
 */
export function s3Error(e: unknown, what: string, where: string, field = 'BOOKML_ARTIFACTS'): StoreError {
  if (isBookmlError(e)) return e as StoreError;
  const err = (e ?? {}) as SdkError;
  const name = err.name ?? err.Code ?? err.code ?? 'Error';
  const status = err.$metadata?.httpStatusCode;
  if (name === 'NoSuchBucket' || err.Code === 'NoSuchBucket') {
    return new StoreError(
      'STORE_CONFIG_INVALID',
      `${what}: the bucket of ${where} does not exist; create it or fix ${field}`,
      { field, cause: e },
    );
  }
  if (DENIED.has(name) || name === 'CredentialsProviderError' || status === 403) {
    return new StoreError(
      'STORE_ARTIFACT_IO',
      `${what}: S3 refused access to ${where} (${name}); check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and the bucket policy`,
      { retryable: false, cause: e },
    );
  }
  const retryable =
    NETWORK.has(err.code ?? '') ||
    name === 'TimeoutError' ||
    name === 'SlowDown' ||
    err.$retryable !== undefined ||
    (status !== undefined && status >= 500);
  return new StoreError(
    'STORE_ARTIFACT_IO',
    `${what} at ${where} failed (${name}${status ? ` ${status}` : ''}); ${retryable ? 'retry' : 'check the S3 endpoint and settings'}`,
    { retryable, cause: e },
  );
}
