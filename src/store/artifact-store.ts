import type { Readable } from 'node:stream';
import { StoreError } from './errors.js';

/**
 * Bytes to store: a buffer, a stream (any async iterable of chunks, e.g. a `Readable`), or a file
 * named by `{ path }` (an object, so a path is never mistaken for content).
 */
export type ArtifactSource = Uint8Array | AsyncIterable<Uint8Array | string> | { readonly path: string };

/** Where a stored blob is and what it is. `size` is the blob's own byte count. */
export interface ArtifactRef {
  sha256: string;
  size: number;
  /** Where the bytes live: `file:///…/artifacts/sha256/ab/cdef…`, or `s3://bucket/prefix/sha256/ab/cdef…`. */
  uri: string;
  /** `dir` when the blob is a directory manifest (see {@link DirManifest}). */
  kind: 'file' | 'dir';
}

/** A stored directory: `sha256` names its manifest; `files` and `totalSize` describe its content. */
export interface DirArtifactRef extends ArtifactRef {
  kind: 'dir';
  files: number;
  /** Sum of the files' sizes, in bytes. */
  totalSize: number;
}

/** Options of {@link ArtifactStore.put}. */
export interface PutOptions {
  /**
   * The sha256 the bytes must hash to (a client's upload). On a mismatch nothing is stored and the put
   * fails with `STORE_ARTIFACT_INVALID_HASH` (field `sha256`), so bytes damaged in transit never land
   * under any name. An S3 store gets the same from the `x-amz-checksum-sha256` it sends.
   */
  expectSha256?: string;
}

/** Size and location of a blob, without reading it. */
export interface ArtifactStat {
  sha256: string;
  size: number;
  uri: string;
}

/** One file of a directory artifact; `path` is relative, `/`-separated, normalised. */
export interface DirManifestEntry {
  path: string;
  sha256: string;
  size: number;
  executable: boolean;
}

/** A directory artifact's manifest: files sorted by path, each stored as its own blob. */
export interface DirManifest {
  format: 'bookml.dir/v1';
  entries: DirManifestEntry[];
}

/**
 * Content-addressed blob storage: a blob's name is the sha256 of its bytes. Writes are atomic (a
 * crash leaves the whole blob or nothing) and idempotent (putting the same bytes twice stores one
 * blob). Every read verifies the hash and raises `STORE_ARTIFACT_CORRUPT` on a mismatch.
 *
 * Implementations: {@link FsArtifactStore} (workspace folder). An S3 implementation must pass the
 * same contract suite (`artifact-store.contract.ts`).
 *
 * @example
 * const ref = await store.put(Buffer.from('hello'));
 * const path = await store.get(ref.sha256); // verified
 */
export interface ArtifactStore {
  /** `fs` or `s3`. */
  readonly kind: string;
  /** The store's root, as a URI. */
  readonly location: string;
  /** Stores bytes; returns their sha256, size and URI. */
  put(source: ArtifactSource, options?: PutOptions): Promise<ArtifactRef>;
  /**
   * Stores a directory: each regular file as a blob, then a manifest listing them (the directory's
   * sha256 is the manifest's). Symlinks and special files are refused; empty folders are not kept.
   */
  putDir(dir: string): Promise<DirArtifactRef>;
  /**
   * Stores the manifest of a directory whose file blobs are already stored (a client that uploaded them
   * one by one). Paths must be safe (relative, normalised, unique); every listed blob must be present,
   * else nothing is stored and it fails with `STORE_ARTIFACT_NOT_FOUND` (field `entries`) naming them.
   * With `expectSha256`, the canonical manifest must hash to it (`STORE_ARTIFACT_INVALID_HASH`).
   */
  putManifest(entries: readonly DirManifestEntry[], options?: PutOptions): Promise<DirArtifactRef>;
  /** Whether the blob exists (without verifying it). */
  has(sha256: string): Promise<boolean>;
  /** Size and URI, or `undefined` when absent (without verifying). */
  stat(sha256: string): Promise<ArtifactStat | undefined>;
  /** The whole blob in memory, verified. For small blobs (manifests, reports). */
  read(sha256: string): Promise<Buffer>;
  /** A stream of the blob that fails with `STORE_ARTIFACT_CORRUPT` at its end if the bytes do not match. */
  open(sha256: string): Promise<Readable>;
  /** A local file holding the verified blob. Read-only: never write to it. */
  get(sha256: string): Promise<string>;
  /** A local folder holding the verified directory; `dest` (absent or empty) or a cache folder. */
  getDir(sha256: string, dest?: string): Promise<string>;
  /** The verified manifest of a directory artifact. */
  readDirManifest(sha256: string): Promise<DirManifest>;
  /** The URI a blob has (or would have) in this store. */
  uriOf(sha256: string): string;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** True for a lowercase hex sha256. */
export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && SHA256.test(value);
}

/** Throws `STORE_ARTIFACT_INVALID_HASH` unless `value` is a lowercase hex sha256. */
export function assertSha256(value: unknown, field = 'sha256'): string {
  if (!isSha256(value)) {
    throw new StoreError(
      'STORE_ARTIFACT_INVALID_HASH',
      `${field} must be 64 lowercase hex characters (a sha256), got ${JSON.stringify(String(value).slice(0, 80))}`,
      { field },
    );
  }
  return value;
}
