import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { encodeDirManifest, isSafeRelativePath, StoreError } from '../../store/manifest/index.js';
import { badResponse, ControlPlaneError } from './client-error.js';
import type { ControlPlaneClient } from './control-plane-client.js';
import type { ManifestEntry, StoredBlob, StoredDir } from './wire-types.js';

/**
 * Moving files and directories between a local folder and the control plane's content-addressed store.
 * Uploads send only what the store lacks (one lookup, then the missing blobs, then the manifest), so
 * re-uploading a bundle or dataset costs a hash of each file and one request. Downloads land in a temp
 * sibling, every byte hashed against its name, and are renamed into place whole.
 */

/** sha256 and byte size of a local file. */
export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/**
 * Store one local file, uploading it only when the store lacks it.
 * @example const blob = await uploadFile(api, 'report.json');
 */
export async function uploadFile(api: ControlPlaneClient, path: string): Promise<StoredBlob> {
  const { sha256, size } = await hashFile(path).catch((e) => {
    throw new StoreError('STORE_ARTIFACT_NOT_FOUND', `${path} is not a readable file; check the path`, {
      field: 'path',
      cause: e,
    });
  });
  const { present } = await api.lookupBlobs([sha256]);
  const known = present.find((p) => p.sha256 === sha256);
  if (known !== undefined) return { sha256, size, uri: known.uri, kind: 'file' };
  return api.uploadBlob(sha256, createReadStream(path));
}

/**
 * Store a local directory: each regular file as a blob (only those the store lacks), then its manifest,
 * whose sha256 names the directory. Symlinks and special files are refused; empty folders are not kept.
 * `include` keeps only the files it accepts (by relative `/`-separated path).
 * @example const bundle = await uploadDir(api, ctx.outputPath('bundle'));
 */
export async function uploadDir(
  api: ControlPlaneClient,
  dir: string,
  options: { include?: (path: string) => boolean } = {},
): Promise<StoredDir> {
  const root = resolve(dir);
  const entries: ManifestEntry[] = [];
  for (const f of await listFiles(root)) {
    if (options.include !== undefined && !options.include(f.path)) continue;
    entries.push({ path: f.path, ...(await hashFile(join(root, f.path))), executable: f.executable });
  }
  const { missing } = await api.lookupBlobs([...new Set(entries.map((e) => e.sha256))]);
  for (const sha256 of missing) {
    const e = entries.find((x) => x.sha256 === sha256) as ManifestEntry;
    await api.uploadBlob(sha256, createReadStream(join(root, e.path)));
  }
  const manifest = encodeDirManifest(entries);
  const sha256 = createHash('sha256').update(manifest).digest('hex');
  return api.putManifest(sha256, JSON.parse(manifest.toString('utf8')));
}

/**
 * Download blob `sha256` to `dest` (absent): written to a temp sibling, hashed, then renamed, read-only.
 * @example await downloadFile(api, sha, join(cacheDir, `${sha}.blob`));
 */
export async function downloadFile(api: ControlPlaneClient, sha256: string, dest: string): Promise<void> {
  const partial = partialName(dest);
  await mkdir(dirname(dest), { recursive: true });
  try {
    await fetchVerified(api, { sha256, size: undefined, executable: false }, partial);
    await rename(partial, dest);
  } catch (e) {
    await rm(partial, { force: true });
    throw e;
  }
}

/**
 * Download directory `sha256` into `dest` (absent): the manifest (checked against its name and for safe
 * paths), then every file, each hashed, in a temp sibling renamed into place whole. When another process
 * put the same directory there first, theirs is kept.
 * @example await downloadDir(api, bundleSha, join(cacheDir, bundleSha));
 */
export async function downloadDir(api: ControlPlaneClient, sha256: string, dest: string): Promise<void> {
  const manifest = await api.getManifest(sha256);
  const actual = createHash('sha256')
    .update(encodeDirManifest(manifest.entries ?? []))
    .digest('hex');
  if (manifest.format !== 'bookml.dir/v1' || actual !== sha256) {
    throw badResponse(`the manifest served for directory ${sha256} hashes to ${actual}; try again`);
  }
  const bad = manifest.entries.find((e) => !isSafeRelativePath(e.path));
  if (bad !== undefined) {
    throw badResponse(`directory ${sha256} lists an unsafe path ${JSON.stringify(bad.path)}; refusing it`);
  }
  const partial = partialName(dest);
  await mkdir(partial, { recursive: true });
  try {
    for (const e of manifest.entries) await fetchVerified(api, e, join(partial, ...e.path.split('/')));
    await rename(partial, dest);
  } catch (e) {
    await rm(partial, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    // Someone else materialised the same directory first: theirs is as good as ours.
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await isDir(dest))) return;
    throw e;
  }
}

/** Stream one blob into `to`, hashing as it goes; the file is left read-only. */
async function fetchVerified(
  api: ControlPlaneClient,
  e: { sha256: string; size: number | undefined; executable: boolean },
  to: string,
): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  const { stream } = await api.downloadBlob(e.sha256);
  const hash = createHash('sha256');
  let size = 0;
  const out = await open(to, 'wx');
  try {
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
      await out.write(chunk as Buffer);
    }
    await out.sync();
  } catch (err) {
    if (err instanceof ControlPlaneError) throw err;
    // A cut connection (the server found its copy corrupt, or the network dropped) is worth a retry.
    throw badResponse(`downloading blob ${e.sha256} was cut off (${(err as Error).message}); try again`);
  } finally {
    await out.close();
  }
  const actual = hash.digest('hex');
  if (actual !== e.sha256 || (e.size !== undefined && size !== e.size)) {
    throw badResponse(`blob ${e.sha256} arrived as ${size} bytes hashing to ${actual}; try again`);
  }
  await chmod(to, e.executable ? 0o555 : 0o444);
}

/** Regular files under `root`, as sorted `/`-separated relative paths; anything else is refused. */
async function listFiles(root: string): Promise<{ path: string; executable: boolean }[]> {
  const out: { path: string; executable: boolean }[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      throw localError(`${dir} is not a readable folder`, 'dir', e);
    }
    for (const d of entries) {
      const abs = join(dir, d.name);
      const rel = relative(root, abs).split(sep).join('/');
      if (d.isDirectory()) await walk(abs);
      else if (d.isFile()) out.push({ path: rel, executable: ((await stat(abs)).mode & 0o111) !== 0 });
      else {
        throw localError(
          `${rel} in ${root} is not a regular file or folder (symlink, socket or device); replace it with a copy or remove it`,
          'dir',
        );
      }
    }
  };
  await walk(root);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The codes the local store raises for what it cannot read or keep, so both runtimes fail alike. */
function localError(message: string, field: string, cause?: unknown): StoreError {
  return new StoreError('STORE_ARTIFACT_INVALID_DIR', message, { field, cause });
}

function partialName(dest: string): string {
  return `${dest}.${process.pid}.${randomBytes(6).toString('hex')}.partial`;
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
