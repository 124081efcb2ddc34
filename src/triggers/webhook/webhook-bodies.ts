import type { IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { TriggersError } from '../errors.js';

/** The body of `POST /recommender-dataset-ready`, as the original EventSource took it. */
export interface DatasetReadyBody {
  /** A CSV/JSONL export or a dataset folder: a path, a `file://`, `s3://bucket/key` or `pvc://claim/path` URI. */
  dataset_uri: string;
  /**
   * The export's content hash when the sender knows it (sha256, hex): the `dataset-ready` sensor
   * dedupes on it, so the same data never starts a second run. Without it the run still trains
   * nothing twice (its steps are cached by the data's content).
   */
  dataset_hash?: string;
}

/** What the webhook publishes on `dataset.ready`. */
export interface DatasetReadyPayload {
  /** As the sender wrote it. */
  dataset_uri: string;
  /** The file it names: the `file://` URI decoded, or the path as given (an `s3://`/`pvc://` URI too: the ingest step reads those). */
  path: string;
  /** As the sender gave it, if it did. */
  dataset_hash?: string;
}

/** JSON schema of {@link DatasetReadyBody}: unknown keys are refused, not dropped. */
export const DATASET_READY_BODY_SCHEMA = {
  type: 'object',
  required: ['dataset_uri'],
  additionalProperties: false,
  properties: {
    dataset_uri: { type: 'string', minLength: 1, maxLength: 4096 },
    dataset_hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
} as const;

/** `POST /events/:source` takes any JSON object. */
export const SOURCE_EVENT_BODY_SCHEMA = { type: 'object' } as const;

/** The path parameter of `POST /events/:source`. */
export const SOURCE_PARAMS_SCHEMA = {
  type: 'object',
  required: ['source'],
  properties: { source: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' } },
} as const;

/** The 202 answer. */
export const ACCEPTED_SCHEMA = {
  type: 'object',
  required: ['event_id'],
  additionalProperties: false,
  properties: { event_id: { type: 'string' } },
} as const;

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** Remote forms the ingest step reads itself (`s3://bucket/key`, `pvc://claim/path`). */
const REMOTE =
  /^(?:s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]|pvc:\/\/[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)\/[^\0]+$/;

/**
 * The file a dataset URI names: a `file://` URI (local host only) decoded to its path, or a path as
 * given; an `s3://bucket/key` or `pvc://claim/path` URI as given (the step that ingests it fetches it).
 * Any other scheme is refused; the message never repeats the value.
 * @throws TriggersError 400 `TRIGGERS_BAD_REQUEST`, field `dataset_uri`
 * @example datasetPath('file:///data/orders%202026.csv') // '/data/orders 2026.csv'
 */
export function datasetPath(uri: string): string {
  const bad = (why: string) =>
    new TriggersError('TRIGGERS_BAD_REQUEST', `dataset_uri ${why}`, { field: 'dataset_uri' });
  if (uri.trim() === '' || uri.includes('\0')) throw bad('must be a non-empty path or file:// URI');
  if (/^file:/i.test(uri)) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw bad('is not a valid file:// URI');
    }
    if (url.host !== '' && url.host !== 'localhost')
      throw bad('must name a file on this machine (file:///path)');
    try {
      return fileURLToPath(url);
    } catch {
      throw bad('is not a valid file:// URI');
    }
  }
  if (REMOTE.test(uri)) return uri;
  if (/^(?:s3|pvc):/i.test(uri)) throw bad('must be s3://NAME/KEY or pvc://CLAIM/PATH (lowercase DNS names)');
  if (SCHEME.test(uri))
    throw bad('must be a path or a file://, s3:// or pvc:// URI; other schemes (http, …) are not read');
  return uri;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

/**
 * The optional `Idempotency-Key` header: 1–128 visible ASCII characters.
 * @throws TriggersError 400 `TRIGGERS_BAD_REQUEST`, field `idempotency-key`
 */
export function idempotencyKey(headers: IncomingHttpHeaders): string | undefined {
  const value = headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
    throw new TriggersError(
      'TRIGGERS_BAD_REQUEST',
      'Idempotency-Key must be one header of 1–128 visible ASCII characters',
      { field: 'idempotency-key' },
    );
  }
  return value;
}
