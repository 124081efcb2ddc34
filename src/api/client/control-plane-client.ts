import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { API_ERRORS } from '../errors.js';
import {
  badResponse,
  ControlPlaneError,
  displayUrl,
  errorFromResponse,
  unreachable,
} from './client-error.js';
import type {
  BlobLookup,
  DatasetInfo,
  DatasetSourceInfo,
  DatasetSummary,
  Manifest,
  PromotionInfo,
  RegisterVersionRequest,
  StoredBlob,
  StoredDir,
  VersionInfo,
  WhoamiInfo,
} from './wire-types.js';

/** Options of {@link ControlPlaneClient}. */
export interface ControlPlaneClientOptions {
  /** The control plane's base URL, e.g. `http://bookml-api.bookstore-ml:8470` (`BOOKML_API_URL`). */
  url: string;
  /** Bearer token (`BOOKML_API_TOKEN`); omit for a loopback control plane without tokens. */
  token?: string | undefined;
  /** Longest wait for a JSON call, in ms; blob transfers are not limited (they end with the step). @default 120_000 */
  timeoutMs?: number;
  /** The fetch to use (tests). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Blob uploads: bytes in memory, or a stream read once. */
export type BlobBody = Uint8Array | AsyncIterable<Uint8Array>;

/** At most this many hashes per lookup (the route's limit). */
const LOOKUP_BATCH = 10_000;

/**
 * A typed client of the control-plane API (`/api/v1`) with a bearer token: what a step pod uses instead
 * of database and store credentials. Non-2xx answers throw a {@link ControlPlaneError} carrying the
 * server's `code`, `field`, `status` and message; network failures throw `API_UNREACHABLE` naming the
 * URL (never the token). Both say whether retrying can help.
 *
 * @example
 * const api = new ControlPlaneClient({ url: 'http://127.0.0.1:8470', token: 'step-secret' });
 * const { missing } = await api.lookupBlobs([sha]);
 * if (missing.length > 0) await api.uploadBlob(sha, bytes);
 * const v = await api.registerVersion('recommender', { artifactUri, artifactHash: sha, idempotencyKey: `bundle:${sha}` });
 */
export class ControlPlaneClient {
  /** The base URL, without a trailing slash. */
  readonly url: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: ControlPlaneClientOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new ControlPlaneError(API_ERRORS.API_CONFIG_INVALID.code, 'the control-plane URL is not a URL', {
        status: API_ERRORS.API_CONFIG_INVALID.status,
        field: 'url',
      });
    }
    if (base.username !== '' || base.password !== '') {
      throw new ControlPlaneError(
        API_ERRORS.API_CONFIG_INVALID.code,
        'the control-plane URL must not carry credentials; give the token as BOOKML_API_TOKEN',
        { status: API_ERRORS.API_CONFIG_INVALID.status, field: 'url' },
      );
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new ControlPlaneError(
        API_ERRORS.API_CONFIG_INVALID.code,
        `the control-plane URL must be http:// or https://, got ${base.protocol}`,
        { status: API_ERRORS.API_CONFIG_INVALID.status, field: 'url' },
      );
    }
    this.url = base.href.replace(/\/+$/, '');
    this.#token = options.token === '' ? undefined : options.token;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** The caller and its roles. */
  whoami(): Promise<WhoamiInfo> {
    return this.#json('GET', '/api/v1/whoami');
  }

  /** Which blobs the store holds; asks in batches the route accepts. */
  async lookupBlobs(sha256s: readonly string[]): Promise<BlobLookup> {
    const present: BlobLookup['present'][number][] = [];
    const missing: string[] = [];
    for (let i = 0; i < sha256s.length; i += LOOKUP_BATCH) {
      const part = await this.#json<BlobLookup>('POST', '/api/v1/artifacts/lookup', {
        sha256: sha256s.slice(i, i + LOOKUP_BATCH),
      });
      present.push(...part.present);
      missing.push(...part.missing);
    }
    return { present, missing };
  }

  /** Upload a blob; the server refuses it (`STORE_ARTIFACT_INVALID_HASH`) unless its bytes hash to `sha256`. */
  uploadBlob(sha256: string, body: BlobBody): Promise<StoredBlob> {
    const stream = body instanceof Uint8Array ? undefined : Readable.toWeb(Readable.from(body));
    return this.#json('PUT', `/api/v1/artifacts/${sha256}`, undefined, {
      body: stream ?? (body as Uint8Array),
      contentType: 'application/octet-stream',
      timed: false,
    });
  }

  /**
   * Download a blob as a stream, with its size when the server sent one. The server cuts the stream if
   * its copy no longer matches; the caller still hashes what it receives.
   */
  async downloadBlob(sha256: string): Promise<{ stream: Readable; size: number | undefined }> {
    const res = await this.#send('GET', `/api/v1/artifacts/${sha256}`, { timed: false });
    if (res.body === null) throw badResponse(`GET ${displayUrl(res.url)} answered without a body`);
    const length = res.headers.get('content-length');
    return {
      stream: Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>),
      size: length === null ? undefined : Number(length),
    };
  }

  /** Upload a directory manifest; refused unless every blob it lists is stored and it hashes to `sha256`. */
  putManifest(sha256: string, manifest: Manifest): Promise<StoredDir> {
    return this.#json('PUT', `/api/v1/artifacts/${sha256}/manifest`, manifest);
  }

  /** A directory manifest, as the store verified it. */
  getManifest(sha256: string): Promise<Manifest> {
    return this.#json('GET', `/api/v1/artifacts/${sha256}/manifest`);
  }

  /** Every dataset, the current one flagged. */
  async listDatasets(): Promise<DatasetSummary[]> {
    return (await this.#json<{ datasets: DatasetSummary[] }>('GET', '/api/v1/datasets')).datasets;
  }

  /** The current dataset, or `undefined` when none was made current. */
  async currentDataset(): Promise<DatasetInfo | undefined> {
    const { dataset } = await this.#json<{ dataset: DatasetInfo | null }>('GET', '/api/v1/datasets/current');
    return dataset ?? undefined;
  }

  /** The dataset whose hash starts with `ref` (4–64 hex characters). */
  getDataset(ref: string): Promise<DatasetInfo> {
    return this.#json('GET', `/api/v1/datasets/${encodeURIComponent(ref)}`);
  }

  /** Add the dataset held by directory artifact `artifact` (uploaded before). */
  addDataset(input: {
    artifact: string;
    source: DatasetSourceInfo;
    makeCurrent?: boolean | undefined;
  }): Promise<DatasetInfo & { readonly created: boolean }> {
    return this.#json('POST', '/api/v1/datasets', input);
  }

  /** Publish an event; returns its id. */
  publishEvent(topic: string, payload: Readonly<Record<string, unknown>>): Promise<{ id: string }> {
    return this.#json('POST', '/api/v1/events', { topic, payload });
  }

  /**
   * Materialise a feature version of customer histories from a JSONL blob already uploaded to the
   * artifact store (one `{"customer", "entries": [{"book", "time"}]}` per line).
   */
  materialiseOnline(input: {
    view: string;
    version: string;
    source: string;
    artifact: string;
  }): Promise<{ customers: number; entries: number; store: string }> {
    return this.#json('POST', '/api/v1/online/materialise', input);
  }

  /** Register a version of `model` (idempotent by `idempotencyKey`). */
  registerVersion(model: string, input: RegisterVersionRequest): Promise<VersionInfo> {
    return this.#json('POST', `/api/v1/models/${encodeURIComponent(model)}/versions`, input);
  }

  /** Move `alias` of `model` to a version through the gates the control plane runs. */
  promote(
    model: string,
    alias: string,
    input: { version: number; reason?: string | undefined; runId?: string | undefined },
  ): Promise<PromotionInfo> {
    return this.#json(
      'PUT',
      `/api/v1/models/${encodeURIComponent(model)}/aliases/${encodeURIComponent(alias)}`,
      input,
    );
  }

  async #json<T>(
    method: string,
    path: string,
    json?: unknown,
    raw?: { body: Uint8Array | ReadableStream<Uint8Array>; contentType: string; timed: boolean },
  ): Promise<T> {
    const res = await this.#send(method, path, {
      timed: raw?.timed ?? true,
      ...(raw !== undefined
        ? { body: raw.body, contentType: raw.contentType }
        : json !== undefined
          ? { body: JSON.stringify(json), contentType: 'application/json' }
          : {}),
    });
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw badResponse(
        `${method} ${displayUrl(res.url || this.url + path)} answered ${res.status} with a body that is not JSON`,
      );
    }
  }

  async #send(
    method: string,
    path: string,
    options: {
      body?: string | Uint8Array | ReadableStream<Uint8Array>;
      contentType?: string;
      timed: boolean;
    },
  ): Promise<Response> {
    const url = `${this.url}${path}`;
    const headers: Record<string, string> = { accept: 'application/json, application/octet-stream' };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    if (options.contentType !== undefined) headers['content-type'] = options.contentType;
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method,
        headers,
        ...(options.body !== undefined ? { body: options.body } : {}),
        // A streamed request body must say so (WHATWG fetch); harmless for the others.
        ...(options.body instanceof ReadableStream ? { duplex: 'half' } : {}),
        ...(options.timed ? { signal: AbortSignal.timeout(this.#timeoutMs) } : {}),
      } as RequestInit);
    } catch (e) {
      throw unreachable(method, url, e);
    }
    if (!res.ok) throw await errorFromResponse(method, url, res);
    return res;
  }
}
