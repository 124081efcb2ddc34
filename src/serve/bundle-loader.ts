import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  BUNDLE_MANIFEST,
  type BundleManifest,
  bundleCorrupt,
  bundleNotFound,
  type ModelBundle,
  parseBundle,
  parseBundleManifest,
} from '../model/index.js';

/** Bytes hashed between two yields to the event loop (about a quarter millisecond of sha256). */
const HASH_SLICE = 256 * 1024;
/** Bytes per read call: a 10,000-book bundle's largest file takes a few reads, each a loop turn. */
const READ_SLICE = 1024 * 1024;

/** Reads one whole file. The loader calls it once per file per load; tests count the calls. */
export type BundleFileReader = (path: string) => Promise<Buffer>;

/** Options of {@link loadVerifiedBundle}. */
export interface LoadBundleOptions {
  /**
   * The folder's files were checked against their hashes already: the artifact store does so when it
   * materialises a folder (`getDir`), so a source backed by it says so on its ref. The loader then
   * skips hashing; sizes and array shapes are still checked. Bundles enter the store right after
   * `writeBundle` (train, the pipeline's register step) or after a verified read (a migrated
   * workspace), so the store's hashes vouch for the manifest's.
   * @default false
   */
  verified?: boolean;
  /** @default reads the file asynchronously, 1 MiB per call, into its own aligned buffer */
  readFile?: BundleFileReader;
}

/**
 * Load a bundle for serving without stalling the requests the old model is answering. Each file
 * (the manifest, then every file it lists) is read once, asynchronously and in slices; unless the
 * folder is already `verified`, its sha256 is computed from those same bytes in 256 KiB slices with
 * yields between them (one synchronous pass would pause the server for tens of milliseconds on a
 * 10,000-book model). The `ModelBundle` is then built from the same buffers by `parseBundle`, which
 * checks sizes and shapes as `readBundle` does. Bundles are written once, by an atomic rename, so
 * the bytes checked are the bytes served.
 *
 * @example
 * const bundle = await loadVerifiedBundle('/srv/models/recommender-7');
 * const fetched = await loadVerifiedBundle(await artifacts.getDir(sha256), { verified: true });
 */
export async function loadVerifiedBundle(dir: string, opts: LoadBundleOptions = {}): Promise<ModelBundle> {
  const read = opts.readFile ?? readFileInSlices;
  let manifestBytes: Buffer;
  try {
    manifestBytes = await read(join(dir, BUNDLE_MANIFEST));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw bundleNotFound(dir);
    throw err;
  }
  const manifest = parseBundleManifest(manifestBytes, dir);
  const files: Record<string, Buffer> = {};
  for (const [name, meta] of Object.entries(manifest.files)) {
    await yieldToLoop();
    let bytes: Buffer;
    try {
      bytes = await read(join(dir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      throw bundleCorrupt(`${name} is missing from ${dir}`, name);
    }
    if (opts.verified !== true) await checkHash(bytes, meta, name, dir);
    files[name] = bytes;
  }
  return parseBundle(manifest, files, { verify: false, where: dir });
}

async function checkHash(
  bytes: Buffer,
  meta: BundleManifest['files'][string],
  name: string,
  dir: string,
): Promise<void> {
  const h = createHash('sha256');
  for (let at = 0; at < bytes.byteLength; at += HASH_SLICE) {
    if (at > 0) await yieldToLoop();
    h.update(bytes.subarray(at, at + HASH_SLICE));
  }
  if (bytes.byteLength !== meta?.bytes || h.digest('hex') !== meta.sha256) {
    throw bundleCorrupt(`${name} in ${dir} does not match its checksum: the bundle is damaged`, name);
  }
}

/**
 * The default reader: the file's size, one buffer of that size with an ArrayBuffer of its own (so
 * the typed-array views over it are aligned and nothing is copied), filled by 1 MiB reads.
 */
async function readFileInSlices(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const buf = Buffer.allocUnsafeSlow(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await fh.read(buf, at, Math.min(READ_SLICE, size - at), at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    // A file that shrank underfoot comes back short; the size check against the manifest refuses it.
    return at === size ? buf : buf.subarray(0, at);
  } finally {
    await fh.close();
  }
}
