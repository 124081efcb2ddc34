import { createHash } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  renameSync,
  statfsSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Interactions, ItemCatalogue } from './interactions.js';
import type { LoadedDataset, LoadIssues } from './load-interactions.js';
import { DATASET_FILES, type DatasetManifest } from './schema.js';

/**
 * The parsed form of a dataset folder, kept so the next load reads typed arrays instead of parsing
 * CSV again: every sweep point, shard and evaluation of a run loads the same dataset, and parsing is
 * most of a load (54 % of a 100M-line training). One file per folder and content: a JSON header
 * (ids, catalogue, manifest, issues) and the line columns as raw little-endian arrays, each read
 * straight into its own typed array. A lenient load (the validate step's) and a strict one give the
 * same result unless the lenient one counted something a strict load refuses, so one entry serves
 * both: a strict load that finds such counts in the entry parses the files, to fail as it always did.
 *
 * Trust: an entry is written only after a load that hashed the files (against `dataset.json` when the
 * folder has one), from the files' state taken before that load read them, and only if the files were
 * not changed while it did; it is used only while every file of the folder is the same file (inode)
 * with the size, modification and change times it had then (the change time cannot be set back: a
 * copy that keeps times, `cp -p` or `rsync -t`, is still a miss). Anything else (a missing, unreadable,
 * truncated or foreign entry) is a miss, and the load parses the CSVs as before. Writing is best
 * effort: a read-only or full disk costs the next load its parse, nothing more.
 */

/** The entry format and the parse it holds: bump when `loadDataset`'s result changes for the same files. */
const MAGIC = 'BKMLDC02';
/** Entries kept in a cache folder (each about the size of its CSVs); the least recently used go first. */
const KEEP = 4;
/** An unfinished write older than this is a writer that died: its file is removed. */
const STALE_WRITE_MS = 60 * 60 * 1000;
/** Largest single read or write (Node refuses one past 2 GiB). */
const CHUNK = 1 << 30;

const COLUMNS = ['customer', 'item', 'basket', 'qty', 'time'] as const;
/** Bytes of one line in the columns: four Int32 and the Float64 time. */
const BYTES_PER_LINE = 4 * 4 + 8;
type Column = (typeof COLUMNS)[number];

/** What says a file is unchanged: the same inode, size, modification and change times. */
interface FileState {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

/** The state of the folder's files, as {@link folderState} takes it. */
export type FolderState = Readonly<Record<string, FileState>>;

interface Header {
  readonly key: string;
  readonly sources: FolderState;
  readonly length: number;
  readonly nBaskets: number;
  readonly itemIdsNumeric: boolean;
  readonly itemIds: readonly string[];
  readonly customerIds: readonly string[];
  readonly catalogue: ItemCatalogue;
  readonly manifest: DatasetManifest;
  readonly issues: LoadIssues;
}

const SOURCE_FILES = [...DATASET_FILES, 'dataset.json'] as const;

/**
 * The folder and, when it has a `dataset.json`, its content hash. A folder without one (`data generate
 * --out`, a user's own) is named by its path alone: its files were hashed by the load that wrote the
 * entry, and the sizes and times say whether they are still those.
 */
function entryKey(dir: string, manifest: DatasetManifest | undefined): string {
  return createHash('sha256')
    .update(`${MAGIC}\0${realpathSync(dir)}\0${manifest?.hash ?? 'no dataset.json'}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * The state of the folder's files. A load takes it before it reads them: an entry then records what
 * was read, even when a file changes while the load runs (the write compares again and gives up).
 */
export function folderState(dir: string): FolderState {
  const out: Record<string, FileState> = {};
  for (const f of SOURCE_FILES) {
    const s = statSync(join(dir, f), { throwIfNoEntry: false });
    // No dataset.json is a state too: one written later changes the folder.
    out[f] =
      s === undefined
        ? { ino: -1, size: -1, mtimeMs: -1, ctimeMs: -1 }
        : { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs };
  }
  return out;
}

function sameState(a: FolderState, b: FolderState): boolean {
  return SOURCE_FILES.every((f) => {
    const x = a[f];
    const y = b[f];
    return (
      x !== undefined &&
      y !== undefined &&
      x.ino === y.ino &&
      x.size === y.size &&
      x.mtimeMs === y.mtimeMs &&
      x.ctimeMs === y.ctimeMs
    );
  });
}

/**
 * The cached parse of `dir`, or undefined (a miss) when there is none that can be trusted. `now` is
 * the folder's state as the caller just took it ({@link folderState}).
 */
export function readCachedDataset(
  cacheDir: string,
  dir: string,
  manifest: DatasetManifest | undefined,
  strict: boolean,
  now: FolderState,
): LoadedDataset | undefined {
  let fd: number | undefined;
  try {
    const key = entryKey(dir, manifest);
    const path = join(cacheDir, `${key}.bin`);
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const fixed = Buffer.alloc(MAGIC.length + 4);
    readFully(fd, fixed, 0);
    if (fixed.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
    const headerBytes = fixed.readUInt32LE(MAGIC.length);
    const headerBuf = Buffer.alloc(headerBytes);
    readFully(fd, headerBuf, fixed.length);
    const h = JSON.parse(headerBuf.toString('utf8')) as Header;
    if (h.key !== key || !sameState(h.sources, now)) return undefined;
    if (strict && strictRefuses(h.issues)) return undefined;
    let pos = align8(fixed.length + headerBytes);
    const cols = {} as Record<Column, Int32Array | Float64Array>;
    for (const c of COLUMNS) {
      const arr = c === 'time' ? new Float64Array(h.length) : new Int32Array(h.length);
      const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
      if (pos + bytes.byteLength > size) return undefined;
      readFully(fd, bytes, pos);
      pos = align8(pos + bytes.byteLength);
      cols[c] = arr;
    }
    markUsed(path);
    const interactions: Interactions = {
      length: h.length,
      customer: cols.customer as Int32Array,
      item: cols.item as Int32Array,
      basket: cols.basket as Int32Array,
      time: cols.time as Float64Array,
      qty: cols.qty as Int32Array,
      itemIds: h.itemIds,
      itemIdsNumeric: h.itemIdsNumeric,
      customerIds: h.customerIds,
      nBaskets: h.nBaskets,
    };
    // A folder without a dataset.json is named by where it was loaded from, as a parse names it.
    const about = manifest ?? { ...h.manifest, source: { kind: 'files' as const, uri: dir } };
    return { interactions, catalogue: h.catalogue, manifest: about, issues: h.issues };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Keep the parse of `dir` for the next load (best effort: any failure leaves no entry behind).
 * `before` is the folder's state taken before the load read it; nothing is written if it changed since.
 * One writer per entry: processes that parsed the same folder at once (a sweep's points) leave the
 * write to the first, and nothing is written when the disk could not hold the entry twice over.
 */
export function writeCachedDataset(
  cacheDir: string,
  dir: string,
  stored: DatasetManifest | undefined,
  before: FolderState,
  loaded: LoadedDataset,
): void {
  let tmp: string | undefined;
  let fd: number | undefined;
  try {
    if (!sameState(before, folderState(dir))) return;
    mkdirSync(cacheDir, { recursive: true });
    const key = entryKey(dir, stored);
    const path = join(cacheDir, `${key}.bin`);
    const x = loaded.interactions;
    const fs = statfsSync(cacheDir);
    if (fs.bavail * fs.bsize < 2 * x.length * BYTES_PER_LINE) return;
    const header: Header = {
      key,
      sources: before,
      length: x.length,
      nBaskets: x.nBaskets,
      itemIdsNumeric: x.itemIdsNumeric,
      itemIds: x.itemIds,
      customerIds: x.customerIds,
      catalogue: loaded.catalogue,
      manifest: loaded.manifest,
      issues: loaded.issues,
    };
    const headerBuf = Buffer.from(JSON.stringify(header), 'utf8');
    const fixed = Buffer.alloc(MAGIC.length + 4);
    fixed.write(MAGIC, 0, 'latin1');
    fixed.writeUInt32LE(headerBuf.byteLength, MAGIC.length);
    // Exclusive: another writer of this entry holds the name until it renames or dies.
    fd = openSync(`${path}.tmp`, 'wx');
    tmp = `${path}.tmp`;
    let pos = writeFully(fd, fixed, 0);
    pos = writeFully(fd, headerBuf, pos);
    for (const c of COLUMNS) {
      const arr = x[c];
      pos = writeFully(fd, Buffer.alloc(align8(pos) - pos), pos);
      pos = writeFully(fd, new Uint8Array(arr.buffer, arr.byteOffset, x.length * arr.BYTES_PER_ELEMENT), pos);
    }
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
    tmp = undefined;
    prune(cacheDir);
  } catch {
    // A cache: the next load parses the files.
  } finally {
    if (fd !== undefined) closeSync(fd);
    if (tmp !== undefined) rmQuiet(tmp);
  }
}

/** Whether a strict load of the data behind `issues` throws (it refuses what a lenient one counts). */
function strictRefuses(issues: LoadIssues): boolean {
  return issues.unknownOrderLines > 0 || issues.badQtyLines > 0 || issues.badDateOrders > 0;
}

/** Keep the {@link KEEP} most recently used entries, and remove what dead writers left. */
function prune(cacheDir: string): void {
  const now = Date.now();
  const entries: { f: string; t: number }[] = [];
  for (const f of readdirSync(cacheDir)) {
    // Another process may prune at the same time: a file gone since the listing is skipped.
    const s = statSync(join(cacheDir, f), { throwIfNoEntry: false });
    if (s === undefined) continue;
    if (f.endsWith('.bin')) entries.push({ f, t: s.mtimeMs });
    else if (f.endsWith('.tmp') && now - s.mtimeMs > STALE_WRITE_MS) rmQuiet(join(cacheDir, f));
  }
  entries.sort((a, b) => b.t - a.t);
  for (const { f } of entries.slice(KEEP)) rmQuiet(join(cacheDir, f));
}

/** Recently used: pruning keeps the entries that are read. Another user's entry cannot be touched; it is read all the same. */
function markUsed(path: string): void {
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    // Not ours (a shared workspace) or a read-only disk.
  }
}

function rmQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone (another process pruned it).
  }
}

function align8(n: number): number {
  // Not a bit mask: positions pass 2 GiB at 100M lines.
  return Math.ceil(n / 8) * 8;
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.byteLength) {
    const n = readSync(fd, into, done, Math.min(CHUNK, into.byteLength - done), position + done);
    if (n === 0) throw new Error('short read');
    done += n;
  }
}

function writeFully(fd: number, from: Uint8Array, position: number): number {
  let done = 0;
  while (done < from.byteLength) {
    done += writeSync(fd, from, done, Math.min(CHUNK, from.byteLength - done), position + done);
  }
  return position + from.byteLength;
}
