import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { type Clock, systemClock } from '../core/index.js';
import {
  chunksOf,
  codeOf,
  dirRef,
  fsyncDir,
  hashFile,
  ioError,
  isDir,
  listFiles,
  matches,
  missingBlobs,
  notFound,
  sweepPartials,
  writeAll,
} from './artifact-files.js';
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
} from './artifact-store.js';
import { decodeDirManifest, encodeDirManifest } from './dir-manifest.js';
import { StoreError } from './errors.js';

/** Options of {@link FsArtifactStore.open}. */
export interface FsArtifactStoreOptions {
  /** Temp files older than this are removed on open even if a process with their pid lives (another host on a shared disk), in ms. @default 86_400_000 */
  staleTempMs?: number;
  /** Time for staleness and quarantine names. @default systemClock */
  clock?: Clock;
}

const TEMP_NAME = /^(\d+)\.[0-9a-f]+\.partial$/;
const DIR_PARTIAL = /^[0-9a-f]{64}\.(\d+)\.[0-9a-f]+\.partial$/;

/**
 * The artifact store on a local (or mounted) folder:
 * `<root>/sha256/ab/cdef…` (blobs, read-only), `<root>/tmp/` (writes in progress),
 * `<root>/dirs/<sha>/` (materialised directory artifacts, rebuilt when they stop matching),
 * `<root>/quarantine/` (blobs that failed verification, kept for inspection).
 *
 * @example
 * const store = await FsArtifactStore.open(resolveWorkspace().artifactsDir);
 * const { sha256 } = await store.put({ path: 'model.bin' });
 */
export class FsArtifactStore implements ArtifactStore {
  readonly kind = 'fs';
  readonly root: string;
  readonly location: string;
  readonly #clock: Clock;

  private constructor(root: string, clock: Clock) {
    this.root = root;
    this.location = pathToFileURL(root).href;
    this.#clock = clock;
  }

  /** Creates the layout if needed and removes temp files left by writers that died. */
  static async open(root: string, options: FsArtifactStoreOptions = {}): Promise<FsArtifactStore> {
    const store = new FsArtifactStore(resolve(root), options.clock ?? systemClock);
    try {
      for (const d of ['sha256', 'tmp', 'dirs', 'quarantine'])
        await mkdir(join(store.root, d), { recursive: true });
      await fsyncDir(store.root);
      await store.#collectGarbage(options.staleTempMs ?? 86_400_000);
    } catch (e) {
      throw ioError(e, `opening the artifact store at ${store.root}`);
    }
    return store;
  }

  uriOf(sha256: string): string {
    return pathToFileURL(this.#blobPath(assertSha256(sha256))).href;
  }

  async put(source: ArtifactSource, options: PutOptions = {}): Promise<ArtifactRef> {
    const expected =
      options.expectSha256 === undefined ? undefined : assertSha256(options.expectSha256, 'sha256');
    const tmp = join(this.root, 'tmp', `${process.pid}.${randomBytes(8).toString('hex')}.partial`);
    const hash = createHash('sha256');
    let size = 0;
    let fh: FileHandle | undefined;
    try {
      // Mode 0444: the fd stays writable, the committed blob is read-only for everyone after.
      fh = await open(tmp, 'wx', 0o444);
      for await (const chunk of chunksOf(source)) {
        hash.update(chunk);
        size += chunk.length;
        await writeAll(fh, chunk);
      }
      await fh.sync();
      await fh.close();
      fh = undefined;
      const sha256 = hash.digest('hex');
      if (expected !== undefined && sha256 !== expected) {
        throw new StoreError(
          'STORE_ARTIFACT_INVALID_HASH',
          `the bytes hash to ${sha256}, not ${expected}; nothing was stored — send them again`,
          { field: 'sha256' },
        );
      }
      await this.#commit(tmp, sha256, size);
      return { sha256, size, uri: this.uriOf(sha256), kind: 'file' };
    } catch (e) {
      await fh?.close().catch(() => {});
      await rm(tmp, { force: true }).catch(() => {});
      throw ioError(e, 'storing an artifact');
    }
  }

  async putDir(dir: string): Promise<DirArtifactRef> {
    const root = resolve(dir);
    const files = await listFiles(root, 'dir');
    const entries: DirManifestEntry[] = [];
    for (const f of files) {
      const ref = await this.put({ path: join(root, f.path) });
      entries.push({ path: f.path, sha256: ref.sha256, size: ref.size, executable: f.executable });
    }
    return this.putManifest(entries);
  }

  async putManifest(entries: readonly DirManifestEntry[], options: PutOptions = {}): Promise<DirArtifactRef> {
    const bytes = encodeDirManifest(entries);
    // Decoding the canonical bytes applies the same path and entry checks a reader will.
    decodeDirManifest(bytes, options.expectSha256 ?? 'manifest');
    const missing: string[] = [];
    for (const e of entries) if (!(await this.has(e.sha256))) missing.push(e.sha256);
    if (missing.length > 0) throw missingBlobs(missing);
    return dirRef(await this.put(bytes, options), entries);
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.stat(sha256)) !== undefined;
  }

  async stat(sha256: string): Promise<ArtifactStat | undefined> {
    const path = this.#blobPath(assertSha256(sha256));
    try {
      const s = await stat(path);
      return { sha256, size: s.size, uri: pathToFileURL(path).href };
    } catch (e) {
      if (codeOf(e) === 'ENOENT') return undefined;
      throw ioError(e, `reading artifact ${sha256}`);
    }
  }

  async read(sha256: string): Promise<Buffer> {
    const path = this.#blobPath(assertSha256(sha256));
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw this.#readError(e, sha256);
    }
    await this.#check(sha256, createHash('sha256').update(bytes).digest('hex'), path);
    return bytes;
  }

  async open(sha256: string): Promise<Readable> {
    const path = this.#blobPath(assertSha256(sha256));
    if (!(await this.has(sha256))) throw notFound(sha256);
    const hash = createHash('sha256');
    const verifier = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
      flush: (cb) => {
        this.#check(sha256, hash.digest('hex'), path).then(() => cb(), cb);
      },
    });
    pipeline(createReadStream(path), verifier).catch((e) => verifier.destroy(this.#readError(e, sha256)));
    return verifier;
  }

  async get(sha256: string): Promise<string> {
    const path = this.#blobPath(assertSha256(sha256));
    await this.#check(
      sha256,
      await hashFile(path).catch((e) => Promise.reject(this.#readError(e, sha256))),
      path,
    );
    return path;
  }

  async readDirManifest(sha256: string): Promise<DirManifest> {
    return decodeDirManifest(await this.read(sha256), sha256);
  }

  async getDir(sha256: string, dest?: string): Promise<string> {
    const manifest = await this.readDirManifest(sha256);
    const target = dest === undefined ? join(this.root, 'dirs', sha256) : resolve(dest);
    try {
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
        for (const e of manifest.entries) await this.#copyVerified(e, join(partial, ...e.path.split('/')));
        await mkdir(partial, { recursive: true });
        await rename(partial, target);
      } catch (e) {
        await rm(partial, { recursive: true, force: true });
        // Another process materialised the same directory first: theirs is as good as ours.
        if (!['ENOTEMPTY', 'EEXIST'].includes(codeOf(e) ?? '')) throw e;
      }
      return target;
    } catch (e) {
      throw ioError(e, `materialising directory artifact ${sha256}`);
    }
  }

  #blobPath(sha256: string): string {
    return join(this.root, 'sha256', sha256.slice(0, 2), sha256.slice(2));
  }

  // Atomic publish: the temp file is complete and fsynced; rename is atomic on one filesystem; the
  // directory fsync makes the new name survive a power cut.
  async #commit(tmp: string, sha256: string, size: number): Promise<void> {
    const final = this.#blobPath(sha256);
    const existing = await stat(final).catch(() => undefined);
    if (existing?.size === size) {
      await rm(tmp, { force: true });
      return;
    }
    const shard = dirname(final);
    const created = await mkdir(shard, { recursive: true });
    if (created !== undefined) await fsyncDir(dirname(shard));
    await rename(tmp, final);
    await fsyncDir(shard);
  }

  async #check(sha256: string, actual: string, path: string): Promise<void> {
    if (actual === sha256) return;
    // Move it aside: has() turns false, so the next put of the right bytes heals the store.
    await rename(path, join(this.root, 'quarantine', `${sha256}.${this.#clock.now()}`)).catch(() => {});
    throw new StoreError(
      'STORE_ARTIFACT_CORRUPT',
      `artifact ${sha256} is corrupt (its bytes hash to ${actual}); it was moved to ${join(this.root, 'quarantine')} — re-run the step that produced it or restore it from a copy`,
      { field: 'sha256' },
    );
  }

  async #copyVerified(entry: DirManifestEntry, to: string): Promise<void> {
    const from = this.#blobPath(entry.sha256);
    await mkdir(dirname(to), { recursive: true });
    const hash = createHash('sha256');
    const out = await open(to, 'wx', entry.executable ? 0o755 : 0o644);
    try {
      for await (const chunk of createReadStream(from)) {
        hash.update(chunk as Buffer);
        await writeAll(out, chunk as Buffer);
      }
    } catch (e) {
      throw this.#readError(e, entry.sha256);
    } finally {
      await out.close();
    }
    await this.#check(entry.sha256, hash.digest('hex'), from);
  }

  #readError(e: unknown, sha256: string): Error {
    return codeOf(e) === 'ENOENT' ? notFound(sha256) : ioError(e, `reading artifact ${sha256}`);
  }

  async #collectGarbage(staleTempMs: number): Promise<void> {
    const now = this.#clock.now();
    await sweepPartials(join(this.root, 'tmp'), TEMP_NAME, now, staleTempMs);
    await sweepPartials(join(this.root, 'dirs'), DIR_PARTIAL, now, staleTempMs);
  }
}
