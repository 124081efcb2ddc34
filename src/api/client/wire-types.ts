/**
 * What the control plane's routes answer, as the client reads them. Plain types on purpose: the zod
 * schemas they mirror (`v1/schemas.ts`) pull in the registry, and a step pod loads only this folder.
 */

/** A stored blob (`kind: 'file'`) or directory manifest (`kind: 'dir'`). */
export interface StoredBlob {
  readonly sha256: string;
  readonly size: number;
  /** Where the bytes live in the control plane's store (`file:///…`, `s3://…`). */
  readonly uri: string;
  readonly kind: 'file' | 'dir';
}

/** A stored directory: its manifest blob, how many files and their total size in bytes. */
export interface StoredDir extends StoredBlob {
  readonly kind: 'dir';
  readonly files: number;
  readonly totalSize: number;
}

/** Which of the asked blobs the store holds. */
export interface BlobLookup {
  readonly present: readonly { readonly sha256: string; readonly size: number; readonly uri: string }[];
  readonly missing: readonly string[];
}

/** One file of a directory artifact; `path` is relative, `/`-separated, normalised. */
export interface ManifestEntry {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  readonly executable: boolean;
}

/** A directory artifact's manifest. */
export interface Manifest {
  readonly format: 'bookml.dir/v1';
  readonly entries: readonly ManifestEntry[];
}

/** How a dataset came to be. */
export interface DatasetSourceInfo {
  readonly kind: 'synthetic' | 'csv' | 'jsonl' | 'postgres' | 'files';
  readonly uri: string;
  readonly options?: unknown;
}

/** A dataset as listed. */
export interface DatasetSummary {
  readonly hash: string;
  readonly source: DatasetSourceInfo;
  readonly counts: {
    readonly books: number;
    readonly customers: number;
    readonly orders: number;
    readonly orderLines: number;
  };
  readonly current?: boolean;
}

/** A dataset and the directory artifact holding its files. */
export interface DatasetInfo extends DatasetSummary {
  readonly artifact: StoredDir;
}

/** What registering a version sends (the author is the token's principal, never a field). */
export interface RegisterVersionRequest {
  readonly artifactUri: string;
  readonly artifactHash?: string;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly tags?: Readonly<Record<string, string>>;
  readonly description?: string;
  readonly lineage?: Readonly<Record<string, unknown>>;
  readonly idempotencyKey?: string;
  /** The pipeline run and task registering. */
  readonly run?: { readonly id: string; readonly task: string };
}

/** A registered version, as far as a step needs it. */
export interface VersionInfo {
  readonly model: string;
  readonly version: number;
  readonly artifactUri: string;
  readonly artifactHash: string | null;
  readonly sourceRun: string | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly [key: string]: unknown;
}

/** What a promotion did. */
export interface PromotionInfo {
  readonly status: 'moved' | 'unchanged' | 'pending-approval' | 'already-done';
  readonly model: string;
  readonly alias: string;
  readonly version: number;
  readonly fromVersion: number | null;
  readonly [key: string]: unknown;
}

/** The caller as the control plane sees it. */
export interface WhoamiInfo {
  readonly id: string;
  readonly roles: readonly string[];
  readonly auth: string;
}
