import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type Clock, systemClock } from '../../core/index.js';
import {
  chunksOf,
  codeOf,
  dirRef,
  hashFile,
  ioError,
  isDir,
  listFiles,
  matches,
  missingBlobs,
  notFound,
  sha256Of,
  sweepPartials,
  writeAll,
} from '../artifact-files.js';
import {
  type ArtifactRef,
  type ArtifactSource,
  type ArtifactStat,
  type ArtifactStore,
  assertSha256,
  type DirArtifactRef,
  type DirManifest,
  type DirManifestEntry,
  type PutOptions,
} from '../artifact-store.js';
import { decodeDirManifest, encodeDirManifest } from '../dir-manifest.js';
import { StoreError } from '../errors.js';
import { createS3Client, isMissingKey, parseS3Url, type S3Settings, s3Error } from './s3-client.js';

const DAY_MS = 86_400_000;

/** Options of {@link S3ArtifactStore.open}. */
export interface S3ArtifactStoreOptions {
  /** `s3://bucket/prefix`: blobs live under `<prefix>/sha256/ab/cdef…`. */
  url: string;
  settings: S3Settings;
  /**
   * A local folder for uploads being hashed and for verified downloads (`get`/`getDir` hand out local
   * paths). A cache: deleting it loses nothing.
   */
  cacheDir: string;
  /** Time for quarantine names. @default systemClock */
  clock?: Clock;
  /** Blobs checked or uploaded at once by `putDir`/`putManifest`. @default 8 */
  concurrency?: number;
}

/**
 * The artifact store in an S3 bucket (AWS, MinIO, or s3rver in the tests), with the filesystem store's
 * contract: a blob's key is its sha256, so writes are idempotent and concurrent writers of the same
 * bytes agree. An upload is hashed first (buffers in memory, streams spooled to the cache folder) and
 * sent once, to its final key, with its `x-amz-checksum-sha256`: S3 makes an object visible only whole,
 * and refuses bytes that do not match, so no partial or misnamed object is ever readable. Every read is
 * verified; a blob that fails is moved to `<prefix>/quarantine/` so the next put of the right bytes heals it.
 *
 * @example
 * const store = await S3ArtifactStore.open({ url: 's3://bookml/artifacts', settings: {}, cacheDir: '/tmp/c' });
 * const { uri } = await store.putDir('./bundle'); // s3://bookml/artifacts/sha256/ab/cdef…
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly kind = 's3';
  readonly location: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #cache: string;
  readonly #clock: Clock;
  readonly #concurrency: number;

  private constructor(options: S3ArtifactStoreOptions, client: S3Client) {
    const { bucket, key } = parseS3Url(options.url, 'BOOKML_ARTIFACTS');
    this.#bucket = bucket;
    this.#prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
    this.location = `s3://${bucket}/${this.#prefix}`.replace(/\/$/, '');
    this.#client = client;
    this.#cache = resolve(options.cacheDir);
    this.#clock = options.clock ?? systemClock;
    this.#concurrency = options.concurrency ?? 8;
  }

  /** Checks the bucket answers and prepares the cache folder. */
  static async open(options: S3ArtifactStoreOptions): Promise<S3ArtifactStore> {
    const store = new S3ArtifactStore(options, createS3Client(options.settings));
    try {
      await store.#client.send(new HeadBucketCommand({ Bucket: store.#bucket }));
    } catch (e) {
      // HeadBucket has no body, so an absent bucket is a bare 404.
      if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
        throw s3Error({ name: 'NoSuchBucket' }, 'opening the artifact store', store.location);
      }
      throw s3Error(e, 'opening the artifact store', store.location);
    }
    try {
      for (const d of ['tmp', 'sha256', 'dirs']) await mkdir(join(store.#cache, d), { recursive: true });
      // Spools and half-built folders of processes that died: the cache is ours to tidy.
      const now = store.#clock.now();
      await sweepPartials(join(store.#cache, 'tmp'), /^(\d+)\.[0-9a-f]+\.partial$/, now, DAY_MS);
      await sweepPartials(
        join(store.#cache, 'dirs'),
        /^[0-9a-f]{64}\.(\d+)\.[0-9a-f]+\.partial$/,
        now,
        DAY_MS,
      );
    } catch (e) {
      throw ioError(e, `preparing the artifact cache at ${store.#cache}`);
    }
    return store;
  }

  uriOf(sha256: string): string {
    return `s3://${this.#bucket}/${this.#key(assertSha256(sha256))}`;
  }

  async put(source: ArtifactSource, options: PutOptions = {}): Promise<ArtifactRef> {
    const expected =
      options.expectSha256 === undefined ? undefined : assertSha256(options.expectSha256, 'sha256');
    const spool = await this.#hashed(source);
    try {
      if (expected !== undefined && spool.sha256 !== expected) {
        throw new StoreError(
          'STORE_ARTIFACT_INVALID_HASH',
          `the bytes hash to ${spool.sha256}, not ${expected}; nothing was stored — send them again`,
          { field: 'sha256' },
        );
      }
      const existing = await this.stat(spool.sha256);
      if (existing?.size !== spool.size) {
        const body = spool.bytes ?? createReadStream(spool.path as string);
        const put = new PutObjectCommand({
          Bucket: this.#bucket,
          Key: this.#key(spool.sha256),
          Body: body,
          ContentLength: spool.size,
          ContentType: 'application/octet-stream',
          ChecksumSHA256: Buffer.from(spool.sha256, 'hex').toString('base64'),
        });
        await this.#client.send(put).catch((e) => {
          throw s3Error(e, 'storing an artifact', this.uriOf(spool.sha256));
        });
      }
      return { sha256: spool.sha256, size: spool.size, uri: this.uriOf(spool.sha256), kind: 'file' };
    } finally {
      if (spool.temp) await rm(spool.path as string, { force: true });
    }
  }

  async putDir(dir: string): Promise<DirArtifactRef> {
    const root = resolve(dir);
    const files = await listFiles(root, 'dir');
    const refs = await this.#each(files, (f) => this.put({ path: join(root, ...f.path.split('/')) }));
    const entries = files.map((f, i) => ({
      path: f.path,
      sha256: refs[i].sha256,
      size: refs[i].size,
      executable: f.executable,
    }));
    return this.putManifest(entries);
  }

  async putManifest(entries: readonly DirManifestEntry[], options: PutOptions = {}): Promise<DirArtifactRef> {
    const bytes = encodeDirManifest(entries);
    // Decoding the canonical bytes applies the same path and entry checks a reader will.
    decodeDirManifest(bytes, options.expectSha256 ?? 'manifest');
    const present = await this.#each(entries, (e) => this.has(e.sha256));
    const missing = entries.filter((_, i) => !present[i]).map((e) => e.sha256);
    if (missing.length > 0) throw missingBlobs(missing);
    return dirRef(await this.put(bytes, options), entries);
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.stat(sha256)) !== undefined;
  }

  async stat(sha256: string): Promise<ArtifactStat | undefined> {
    const key = this.#key(assertSha256(sha256));
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return { sha256, size: head.ContentLength ?? 0, uri: this.uriOf(sha256) };
    } catch (e) {
      if (isMissingKey(e)) return undefined;
      throw s3Error(e, `reading artifact ${sha256}`, this.uriOf(sha256));
    }
  }

  async read(sha256: string): Promise<Buffer> {
    const body = await this.#get(sha256);
    const bytes = Buffer.from(await body.transformToByteArray());
    await this.#check(sha256, sha256Of(bytes));
    return bytes;
  }

  async open(sha256: string): Promise<Readable> {
    const body = await this.#get(sha256);
    const hash = createHash('sha256');
    const verifier = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
      flush: (cb) => {
        this.#check(sha256, hash.digest('hex')).then(() => cb(), cb);
      },
    });
    pipeline(body, verifier).catch((e) =>
      verifier.destroy(s3Error(e, `reading artifact ${sha256}`, this.uriOf(sha256))),
    );
    return verifier;
  }

  async get(sha256: string): Promise<string> {
    const path = join(this.#cache, 'sha256', assertSha256(sha256).slice(0, 2), sha256.slice(2));
    // Only whole, verified downloads are ever renamed to this name.
    if ((await stat(path).catch(() => undefined)) !== undefined) return path;
    await mkdir(dirname(path), { recursive: true });
    const partial = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.partial`;
    try {
      await this.#download(sha256, partial, 0o444);
      await rename(partial, path);
    } catch (e) {
      await rm(partial, { force: true });
      throw e;
    }
    return path;
  }

  async readDirManifest(sha256: string): Promise<DirManifest> {
    return decodeDirManifest(await this.read(sha256), sha256);
  }

  async getDir(sha256: string, dest?: string): Promise<string> {
    const manifest = await this.readDirManifest(sha256);
    const target = dest === undefined ? join(this.#cache, 'dirs', sha256) : resolve(dest);
    if (await isDir(target)) {
      if (dest === undefined && (await matches(target, manifest))) return target;
      if (dest !== undefined && (await readdir(target)).length > 0) {
        throw new StoreError(
          'STORE_ARTIFACT_INVALID_DIR',
          `${target} is not empty; give a new or empty folder`,
          {
            field: 'dest',
          },
        );
      }
      await rm(target, { recursive: true, force: true });
    }
    const partial = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.partial`;
    try {
      await mkdir(partial, { recursive: true });
      await this.#each(manifest.entries, async (e) => {
        const to = join(partial, ...e.path.split('/'));
        await mkdir(dirname(to), { recursive: true });
        await copyFile(await this.get(e.sha256), to);
        await chmod(to, e.executable ? 0o755 : 0o644);
      });
      await rename(partial, target);
    } catch (e) {
      await rm(partial, { recursive: true, force: true });
      // Another process materialised the same directory first: theirs is as good as ours.
      if (!['ENOTEMPTY', 'EEXIST'].includes(codeOf(e) ?? '')) throw e;
    }
    return target;
  }

  #key(sha256: string): string {
    return `${this.#prefix}sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`;
  }

  /** The object's body; `STORE_ARTIFACT_NOT_FOUND` when there is none. */
  async #get(sha256: string) {
    const key = this.#key(assertSha256(sha256));
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      if (out.Body === undefined) throw notFound(sha256);
      return out.Body as Readable & { transformToByteArray(): Promise<Uint8Array> };
    } catch (e) {
      if (isMissingKey(e)) throw notFound(sha256);
      throw s3Error(e, `reading artifact ${sha256}`, this.uriOf(sha256));
    }
  }

  /** Downloads blob `sha256` to `to`, verifying it on the way. */
  async #download(sha256: string, to: string, mode: number): Promise<void> {
    const body = await this.#get(sha256);
    const hash = createHash('sha256');
    const out = await open(to, 'wx', mode);
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        hash.update(chunk);
        await writeAll(out, chunk);
      }
    } catch (e) {
      throw s3Error(e, `reading artifact ${sha256}`, this.uriOf(sha256));
    } finally {
      await out.close();
    }
    await this.#check(sha256, hash.digest('hex'));
  }

  /** The source's sha256 and size, and where its bytes are now (memory, its own file, or a spool file). */
  async #hashed(
    source: ArtifactSource,
  ): Promise<{ sha256: string; size: number; bytes?: Buffer; path?: string; temp: boolean }> {
    if (source instanceof Uint8Array) {
      const bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
      return { sha256: sha256Of(bytes), size: bytes.length, bytes, temp: false };
    }
    if (!(Symbol.asyncIterator in source)) {
      // A file is read twice (hash, then upload); the checksum header makes S3 refuse it if it changed.
      const path = resolve(source.path);
      for await (const _ of chunksOf({ path })) break; // a missing file fails as the fs store's does
      const size = (await stat(path)).size;
      return { sha256: await hashFile(path), size, path, temp: false };
    }
    const path = join(this.#cache, 'tmp', `${process.pid}.${randomBytes(8).toString('hex')}.partial`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      await pipeline(
        Readable.from(chunksOf(source)),
        new Transform({
          transform(chunk: Buffer, _enc, cb) {
            hash.update(chunk);
            size += chunk.length;
            cb(null, chunk);
          },
        }),
        createWriteStream(path, { flags: 'wx' }),
      );
    } catch (e) {
      await rm(path, { force: true });
      throw ioError(e, 'storing an artifact');
    }
    return { sha256: hash.digest('hex'), size, path, temp: true };
  }

  async #check(sha256: string, actual: string): Promise<void> {
    if (actual === sha256) return;
    const key = this.#key(sha256);
    const aside = `${this.#prefix}quarantine/${sha256}.${this.#clock.now()}`;
    // Move it aside: has() turns false, so the next put of the right bytes heals the store.
    try {
      await this.#client.send(
        new CopyObjectCommand({ Bucket: this.#bucket, Key: aside, CopySource: `${this.#bucket}/${key}` }),
      );
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
    } catch {
      // Best effort: the read still fails below.
    }
    throw new StoreError(
      'STORE_ARTIFACT_CORRUPT',
      `artifact ${sha256} is corrupt (its bytes hash to ${actual}); it was moved to s3://${this.#bucket}/${aside} — re-run the step that produced it or restore it from a copy`,
      { field: 'sha256' },
    );
  }

  /** `fn` over `items`, at most `concurrency` at once, results in order. */
  async #each<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, items.length) }, worker));
    return out;
  }
}
