import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import type { Workspace } from '../core/index.js';
import { type Clock, systemClock } from '../core/index.js';
import { checkDatasetHeaders, datasetHash, hasDatasetFiles, inspectDatasetDir } from './dataset-inspect.js';
import type { WrittenFiles } from './dataset-writer.js';
import { DataAmbiguousRefError, DataNoDatasetError, DataNotFoundError } from './errors.js';
import { DATASET_FILES, type DatasetManifest } from './schema.js';

/**
 * Datasets in the workspace: `<workspace>/datasets/<first 16 hex of hash>/` holds the four CSV
 * files and `dataset.json`, read-only once written. A dataset is built in a temp folder under the
 * workspace's tmp dir, fsynced, then renamed into place, so a crash leaves it whole or absent.
 * `<workspace>/datasets/CURRENT` names the current dataset by its full hash.
 */

/** A dataset found on disk: its folder and its manifest. */
export interface StoredDataset {
  hash: string;
  dir: string;
  manifest: DatasetManifest;
}

/** Where a dataset came from: recorded in the manifest, not part of the hash. */
export type DatasetSource = DatasetManifest['source'];

const MANIFEST = 'dataset.json';
const CURRENT = 'CURRENT';

/** A fresh folder under the workspace's tmp dir, on the same file system as the datasets. */
export function newTempDir(ws: Workspace, prefix = 'dataset-'): string {
  mkdirSync(ws.tmpDir, { recursive: true });
  return mkdtempSync(join(ws.tmpDir, prefix));
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Move written files (in a temp folder of this workspace) into the store. When a dataset with the
 * same hash exists, it is the same content: it is kept (with its first `createdAt`) and the temp
 * folder is removed.
 */
export function commitDataset(
  ws: Workspace,
  written: WrittenFiles,
  source: DatasetSource,
  clock: Clock = systemClock,
): StoredDataset {
  const hash = datasetHash(written.files);
  const dir = join(ws.datasetsDir, hash.slice(0, 16));
  if (existsSync(join(dir, MANIFEST))) {
    rmSync(written.dir, { recursive: true, force: true });
    return readStored(dir);
  }
  const manifest = manifestOf(written, hash, source, clock);
  writeFileSync(join(written.dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const f of [...DATASET_FILES, MANIFEST]) {
    const p = join(written.dir, f);
    fsyncPath(p);
    chmodSync(p, 0o444);
  }
  fsyncPath(written.dir);
  mkdirSync(ws.datasetsDir, { recursive: true });
  try {
    renameSync(written.dir, dir);
  } catch (e) {
    // Another writer put the same content in place first: theirs is as good as ours.
    const code = (e as NodeJS.ErrnoException).code;
    if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !existsSync(join(dir, MANIFEST))) throw e;
    rmSync(written.dir, { recursive: true, force: true });
    return readStored(dir);
  }
  fsyncPath(ws.datasetsDir);
  return { hash, dir, manifest };
}

/**
 * Produce a dataset straight into the store: `write` fills a fresh temp folder (e.g. with
 * `generateSynthetic`) and the result is committed; on failure the temp folder is removed.
 * @example const ds = await writeDataset(ws, { kind: 'synthetic', uri: 'synthetic:seed=42' }, (dir) => generateSynthetic(dir));
 */
export async function writeDataset(
  ws: Workspace,
  source: DatasetSource | ((written: WrittenFiles) => DatasetSource),
  write: (dir: string) => Promise<WrittenFiles>,
  clock: Clock = systemClock,
): Promise<StoredDataset> {
  const tmp = newTempDir(ws);
  try {
    const written = await write(tmp);
    return commitDataset(
      ws,
      { ...written, dir: tmp },
      typeof source === 'function' ? source(written) : source,
      clock,
    );
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Add the four CSV files of a folder to the store (copied, checked, hashed).
 * @example const ds = addDatasetDir(ws, './my-export', { kind: 'files', uri: './my-export' });
 */
export function addDatasetDir(
  ws: Workspace,
  srcDir: string,
  source: DatasetSource,
  opts: { clock?: Clock; onProgress?: (doneBytes: number, totalBytes: number) => void } = {},
): StoredDataset {
  const tmp = newTempDir(ws);
  try {
    for (const f of DATASET_FILES) {
      if (existsSync(join(srcDir, f))) copyFileSync(join(srcDir, f), join(tmp, f));
    }
    // Inspect the copies, not the originals: what is hashed is exactly what is stored.
    const written = inspectDatasetDir(tmp, opts.onProgress);
    return commitDataset(ws, written, source, opts.clock);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

function readStored(dir: string): StoredDataset {
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as DatasetManifest;
  return { hash: manifest.hash, dir, manifest };
}

/** Every dataset in the workspace, oldest first, with the current one flagged. */
export function listDatasets(ws: Workspace): Array<StoredDataset & { current: boolean }> {
  if (!existsSync(ws.datasetsDir)) return [];
  const current = readCurrent(ws);
  const out: Array<StoredDataset & { current: boolean }> = [];
  for (const name of readdirSync(ws.datasetsDir)) {
    const dir = join(ws.datasetsDir, name);
    if (!existsSync(join(dir, MANIFEST))) continue;
    const ds = readStored(dir);
    out.push({ ...ds, current: ds.hash === current });
  }
  return out.sort((a, b) =>
    a.manifest.createdAt < b.manifest.createdAt ? -1 : a.manifest.createdAt > b.manifest.createdAt ? 1 : 0,
  );
}

function readCurrent(ws: Workspace): string | undefined {
  const p = join(ws.datasetsDir, CURRENT);
  return existsSync(p) ? readFileSync(p, 'utf8').trim() || undefined : undefined;
}

/**
 * Find a dataset: `undefined` → the current one; a hex prefix (4+ chars) of a stored dataset's
 * hash; or a folder holding the four CSV files (its manifest is computed when it has none).
 */
export function resolveDataset(ws: Workspace, ref?: string, clock: Clock = systemClock): StoredDataset {
  const found = locateDataset(ws, ref);
  if (found.stored) return readStored(found.dir);
  const dir = found.dir;
  const written = inspectDatasetDir(dir);
  const hash = datasetHash(written.files);
  return { hash, dir, manifest: manifestOf(written, hash, { kind: 'files', uri: dir }, clock) };
}

function manifestOf(
  written: WrittenFiles,
  hash: string,
  source: DatasetSource,
  clock: Clock,
): DatasetManifest {
  return {
    format: 'bookml-dataset/1',
    hash,
    files: written.files,
    counts: written.counts,
    itemIdKind: written.itemIdKind,
    source,
    createdAt: new Date(clock.now()).toISOString(),
  };
}

/**
 * The folder {@link resolveDataset} would name, without computing the manifest of a folder that
 * has none: for a caller about to load the dataset, whose load hashes the files anyway (computing
 * it first read and hashed every file a second time: 3.5 s at 20M order lines). Such a folder's
 * headers are checked as resolveDataset checks them (the load alone would take any column order).
 * @example const { interactions } = await loadDataset(resolveDatasetDir(ws, flags.dataset));
 */
export function resolveDatasetDir(ws: Workspace, ref?: string): string {
  const found = locateDataset(ws, ref);
  if (!found.stored) checkDatasetHeaders(found.dir);
  return found.dir;
}

/** Where a reference points: a folder, and whether it is a stored dataset (it has a manifest). */
function locateDataset(ws: Workspace, ref: string | undefined): { dir: string; stored: boolean } {
  if (ref === undefined) {
    const hash = readCurrent(ws);
    if (hash === undefined) throw new DataNoDatasetError();
    const dir = join(ws.datasetsDir, hash.slice(0, 16));
    if (!existsSync(join(dir, MANIFEST))) throw new DataNotFoundError(hash);
    return { dir, stored: true };
  }
  if (/^[0-9a-f]{4,64}$/i.test(ref)) {
    const matches = listDatasets(ws).filter((d) => d.hash.startsWith(ref.toLowerCase()));
    if (matches.length > 1) throw new DataAmbiguousRefError(ref, matches.length);
    if (matches.length === 1) return { dir: matches[0].dir, stored: true };
  }
  const dir = resolve(ref);
  if (existsSync(dir) && statSync(dir).isDirectory() && hasDatasetFiles(dir)) {
    return { dir, stored: existsSync(join(dir, MANIFEST)) };
  }
  throw new DataNotFoundError(ref);
}

/** Make a stored dataset the current one (written atomically: temp file, fsync, rename). */
export function setCurrentDataset(ws: Workspace, ref: string): StoredDataset {
  const ds = resolveDataset(ws, ref);
  if (!ds.dir.startsWith(ws.datasetsDir)) throw new DataNotFoundError(ref);
  const tmp = join(ws.datasetsDir, `.${CURRENT}.${process.pid}.tmp`);
  writeFileSync(tmp, `${ds.hash}\n`);
  fsyncPath(tmp);
  renameSync(tmp, join(ws.datasetsDir, CURRENT));
  fsyncPath(ws.datasetsDir);
  return ds;
}
