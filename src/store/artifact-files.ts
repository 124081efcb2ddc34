import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open, readdir, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isBookmlError } from '../core/index.js';
import type { ArtifactSource, DirArtifactRef, DirManifest, DirManifestEntry } from './artifact-store.js';
import { diskFullError, StoreError } from './errors.js';

/**
 * What every artifact store does the same way on the local side: reading a source's bytes, walking a
 * folder to store, checking a materialised folder against its manifest, and the shared errors.
 */

export async function* chunksOf(source: ArtifactSource): AsyncGenerator<Buffer> {
  if (source instanceof Uint8Array) {
    yield Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    return;
  }
  // Checked before `path`: an fs.ReadStream has a `path` property but is a stream.
  if (Symbol.asyncIterator in source) {
    for await (const chunk of source)
      yield typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    return;
  }
  try {
    for await (const chunk of createReadStream(source.path)) yield chunk as Buffer;
  } catch (e) {
    if (codeOf(e) === 'ENOENT' || codeOf(e) === 'EISDIR') {
      throw new StoreError(
        'STORE_ARTIFACT_NOT_FOUND',
        `${source.path} is not a readable file; check the path`,
        {
          field: 'path',
          cause: e,
        },
      );
    }
    throw e;
  }
}

/** Writes all of `buf` (a file handle's write may be short). */
export async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buf.length) {
    const { bytesWritten } = await fh.write(buf, offset, buf.length - offset);
    offset += bytesWritten;
  }
}

/** sha256 of a file, hex. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Makes a folder's entries durable (after a create or rename in it). */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** True when `path` is a folder. */
export async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** Regular files under `root`, as sorted `/`-separated relative paths; anything else is refused. */
export async function listFiles(
  root: string,
  field: string,
): Promise<{ path: string; executable: boolean }[]> {
  const out: { path: string; executable: boolean }[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      throw new StoreError('STORE_ARTIFACT_INVALID_DIR', `${dir} is not a readable folder (${codeOf(e)})`, {
        field,
        cause: e,
      });
    }
    for (const d of entries) {
      const abs = join(dir, d.name);
      const rel = relative(root, abs).split(sep).join('/');
      if (d.isDirectory()) await walk(abs);
      else if (d.isFile()) out.push({ path: rel, executable: ((await stat(abs)).mode & 0o111) !== 0 });
      else {
        throw new StoreError(
          'STORE_ARTIFACT_INVALID_DIR',
          `${rel} in ${root} is not a regular file or folder (symlink, socket or device); replace it with a copy or remove it`,
          { field },
        );
      }
    }
  };
  await walk(root);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Whether the folder `target` holds exactly the manifest's files with their bytes. */
export async function matches(target: string, manifest: DirManifest): Promise<boolean> {
  try {
    const files = await listFiles(target, 'dest');
    if (files.length !== manifest.entries.length) return false;
    for (const [i, e] of manifest.entries.entries()) {
      if (files[i]?.path !== e.path) return false;
      if ((await hashFile(join(target, ...e.path.split('/')))) !== e.sha256) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** The errno-style `code` of an error, if it has one. */
export function codeOf(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** The `STORE_ARTIFACT_NOT_FOUND` of an absent blob. */
export function notFound(sha256: string): StoreError {
  return new StoreError(
    'STORE_ARTIFACT_NOT_FOUND',
    `artifact ${sha256} is not in the store; re-run the step that produces it`,
    { field: 'sha256' },
  );
}

/** The `STORE_ARTIFACT_NOT_FOUND` a manifest gets when it lists blobs the store lacks. */
export function missingBlobs(missing: readonly string[]): StoreError {
  const some = missing.slice(0, 3).join(', ');
  return new StoreError(
    'STORE_ARTIFACT_NOT_FOUND',
    `the manifest lists ${missing.length} blob(s) the store does not have (${some}${missing.length > 3 ? ', …' : ''}); store them first`,
    { field: 'entries' },
  );
}

/** A stored manifest's ref, with its files' count and total size. */
export function dirRef(
  manifest: Omit<DirArtifactRef, 'kind' | 'files' | 'totalSize'>,
  entries: readonly DirManifestEntry[],
): DirArtifactRef {
  return {
    ...manifest,
    kind: 'dir',
    files: entries.length,
    totalSize: entries.reduce((n, e) => n + e.size, 0),
  };
}

/** sha256 of a buffer, hex. */
export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const TRANSIENT = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EIO', 'ETIMEDOUT', 'EINTR']);

/** A typed error for a failed local read or write: a full disk, a permission, or a (retryable) I/O fault. */
export function ioError(e: unknown, what: string): Error {
  if (isBookmlError(e)) return e;
  const full = diskFullError(e, what);
  if (full) return full;
  const code = codeOf(e);
  const hint = code === 'EACCES' || code === 'EPERM' ? 'fix the permissions' : 'retry';
  return new StoreError(
    'STORE_ARTIFACT_IO',
    `${what} failed (${code ?? (e as Error)?.message ?? e}); ${hint}`,
    {
      retryable: code !== undefined && TRANSIENT.has(code),
      cause: e,
    },
  );
}

/** Whether a process with that pid lives on this host. */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return codeOf(e) === 'EPERM';
  }
}

/**
 * Removes what writers that died left in `dir`: entries named by `pattern` (group 1 is the writer's pid)
 * whose writer is gone, or older than `staleMs` (another host's, on a shared disk).
 */
export async function sweepPartials(
  dir: string,
  pattern: RegExp,
  now: number,
  staleMs: number,
): Promise<void> {
  for (const name of await readdir(dir)) {
    const m = pattern.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    const s = await stat(path).catch(() => undefined);
    if (s === undefined) continue;
    if (!pidAlive(Number(m[1])) || now - s.mtimeMs > staleMs)
      await rm(path, { recursive: true, force: true });
  }
}
