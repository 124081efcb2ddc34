import type { ArtifactRef } from '../../store/index.js';

/**
 * What step code may reach besides its inputs: datasets, artifacts, the model registry and the event bus.
 * These are ports, shaped as JSON in and JSON out, so that one step runs unchanged on two runtimes:
 * **local** (in-process handles on the workspace's store; the executor and tests) and **remote** (an HTTP
 * client of the control-plane API with a token; a step pod on Kubernetes, which holds no database
 * credentials). Step code never opens a store, reads the environment or touches the file system outside
 * the folders its context names.
 */

/** How a dataset came to be: recorded on it, never part of its hash. */
export interface StepDatasetSource {
  readonly kind: 'synthetic' | 'csv' | 'jsonl' | 'postgres' | 'files';
  readonly uri: string;
  readonly options?: unknown;
}

/** A content-hashed dataset, held in a local folder (the four CSV files and `dataset.json`). */
export interface StepDataset {
  /** sha256 naming the dataset's content. */
  readonly hash: string;
  /** A local folder with the dataset's files. Read-only. */
  readonly dir: string;
  readonly source: StepDatasetSource;
  readonly counts: {
    readonly books: number;
    readonly customers: number;
    readonly orders: number;
    readonly orderLines: number;
  };
}

/** The datasets of the workspace (locally) or of the control plane (remotely). */
export interface StepDatasets {
  /** The current dataset, or `undefined` when none was made current yet. */
  current(): Promise<StepDataset | undefined>;
  /** The dataset whose hash starts with `ref` (4–64 hex characters); `DATA_NOT_FOUND` otherwise. */
  get(ref: string): Promise<StepDataset>;
  /**
   * Add the dataset files a step wrote into `dir` (the four CSVs, as the data layer writes them). The
   * content is hashed and stored; adding the same content twice returns the same dataset
   * (`created: false`). `makeCurrent` also makes it the current dataset.
   */
  add(
    dir: string,
    source: StepDatasetSource,
    options?: { makeCurrent?: boolean },
  ): Promise<StepDataset & { readonly created: boolean }>;
  /**
   * A local path holding what a dataset source URI names, to `add` or import: `file:` URIs and absolute
   * paths as they are, `pvc://<claim>/<path>` where the runtime mounts that claim, `s3://<bucket>/<key>`
   * downloaded into the folder `into` (an object as a file, a prefix as a folder). `DATA_NOT_FOUND` when
   * the URI names nothing.
   */
  fetchSource(uri: string, into: string): Promise<string>;
  /**
   * A local folder where parsed datasets are kept between steps (`loadDataset`'s `cacheDir`): the
   * workspace's `dataset-cache/` locally; undefined where steps share no disk (a pod per step).
   */
  parsedCacheDir(): Promise<string | undefined>;
}

/** A blob or directory in the content-addressed artifact store (the store's own record of it). */
export type StoredArtifact = Pick<ArtifactRef, 'sha256' | 'uri' | 'kind' | 'size'>;

/** The content-addressed artifact store: every write atomic, every read verified against its hash. */
export interface StepArtifacts {
  /** Store one file. */
  put(file: string): Promise<StoredArtifact>;
  /** Store a directory (each file a blob, plus a manifest whose hash names the directory). */
  putDir(dir: string): Promise<StoredArtifact>;
  /** A local, verified, read-only copy of file `sha256`. */
  get(sha256: string): Promise<string>;
  /** A local, verified, read-only copy of directory `sha256`. */
  getDir(sha256: string): Promise<string>;
}

/** What a step registers: a stored bundle, its metrics, parameters and lineage. */
export interface StepRegisterVersion {
  readonly model: string;
  /** The bundle, as stored by {@link StepArtifacts.putDir}. */
  readonly artifact: { readonly sha256: string; readonly uri: string };
  readonly metrics: Readonly<Record<string, number>>;
  readonly params: Readonly<Record<string, unknown>>;
  readonly tags?: Readonly<Record<string, string>>;
  readonly lineage: {
    readonly dataset?: { readonly uri: string; readonly hash: string; readonly validation?: unknown };
    readonly codeVersion?: {
      readonly version?: string;
      readonly gitSha?: string | null;
      readonly image?: string;
      readonly imageDigest?: string | null;
    };
    readonly evaluation?: Readonly<Record<string, unknown>>;
    /** The search that chose the parameters (space, trials, choice). */
    readonly tuning?: Readonly<Record<string, unknown>>;
    /** The online features materialised for the version (feature view, version, store, counts). */
    readonly online?: Readonly<Record<string, unknown>>;
  };
  /** Registering twice with the same key returns the first version. */
  readonly idempotencyKey: string;
}

/** The outcome of an alias move through the registry's gates. */
export interface StepPromotion {
  readonly status: 'moved' | 'unchanged' | 'pending-approval' | 'already-done';
  readonly fromVersion: number | null;
}

/**
 * The model registry as a step sees it. Who acts is the runtime's business (locally the pipeline's own
 * identity; remotely the token's), and so is the gate evidence of a promotion (measured by bookml, never
 * supplied by the step).
 */
export interface StepRegistry {
  /** Register a version, linked to this run and node. */
  registerVersion(
    input: StepRegisterVersion,
    run: { readonly runId: string; readonly taskId: string },
  ): Promise<{ readonly model: string; readonly version: number }>;
  /** Move `alias` to `version` through the gates; `production` may record a pending approval instead. */
  promote(input: {
    readonly model: string;
    readonly version: number;
    readonly alias: string;
    readonly runId: string;
    readonly reason: string;
  }): Promise<StepPromotion>;
}

/** The event bus: at-least-once delivery, consumers idempotent by event id. */
export interface StepEvents {
  /** Publish `payload` on `topic` (`dataset.ready`, `model.registered`, …); returns the event id. */
  publish(topic: string, payload: Readonly<Record<string, unknown>>): Promise<{ readonly id: string }>;
}

/** One customer's history as a step hands it to the online store: distinct books with their newest time. */
export interface StepCustomerHistory {
  readonly customer: string;
  readonly entries: readonly { readonly book: string; readonly time: number }[];
}

/**
 * The online store as a step sees it (Feast's `materialize`): write a feature version of customer
 * histories, batched by the store, listed once whole. Serving reads it per request.
 */
export interface StepOnline {
  /** Returns what was written and where (`store`: `redis` or `db`, the metadata database). */
  materialise(
    ref: { readonly view: string; readonly version: string },
    source: string,
    histories: Iterable<StepCustomerHistory>,
  ): Promise<{ readonly customers: number; readonly entries: number; readonly store: string }>;
}

/** Which code is running the step: recorded in lineage. */
export interface StepCodeVersion {
  readonly version: string;
  readonly gitSha: string | null;
  /** The container image the step runs in (`BOOKML_IMAGE`), when the pod knows it. */
  readonly image?: string;
  /** Its digest (`sha256:…`) when the reference is pinned (`repo@sha256:…`), else null. */
  readonly imageDigest?: string | null;
}

/** Every port a step may use; a runtime builds them (lazily: a step that never calls one pays nothing). */
export interface StepServices {
  readonly datasets: StepDatasets;
  readonly artifacts: StepArtifacts;
  readonly registry: StepRegistry;
  readonly events: StepEvents;
  readonly codeVersion: StepCodeVersion;
  /** The online store (remotely: through the control plane); absent where a runtime has none. */
  readonly online?: StepOnline;
}

/** A runtime's services and how to release them when the step process ends. */
export interface StepRuntime {
  /** `local` (in-process handles on a workspace) or `remote` (the control-plane API). */
  readonly kind: 'local' | 'remote';
  readonly services: StepServices;
  close(): Promise<void>;
}
