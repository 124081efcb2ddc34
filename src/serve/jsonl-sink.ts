import { type FileHandle, mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock } from '../core/index.js';
import { listPredictionFiles, type PredictionFile, predictionFileName } from '../store/predictions/index.js';
import { ServeError } from './errors.js';
import type { PredictionBatch, PredictionSink } from './prediction-log.js';

/** Options of {@link jsonlFileSink}. */
export interface JsonlSinkOptions {
  /** Where the UTC day of a write comes from. @default systemClock */
  clock?: Clock;
  /**
   * Start a new file before a write would take the current one past this many bytes (a single batch
   * larger than this still goes into one file, alone). @default 67108864 (64 MiB)
   */
  maxFileBytes?: number;
  /**
   * Delete the oldest files once the folder's prediction files together exceed this many bytes; the
   * file being written is never deleted. At least `maxFileBytes`. @default 1073741824 (1 GiB)
   */
  maxTotalBytes?: number;
}

/** Defaults of {@link jsonlFileSink}. */
export const JSONL_SINK_DEFAULTS = Object.freeze({
  maxFileBytes: 64 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
});

/** What the sink reports about itself (tests, `/ready`-style introspection). */
export interface JsonlSinkStats {
  /** The file being written, if one is open. */
  readonly file: string | null;
  /** Bytes of the prediction files in the folder, as the sink accounts them. */
  readonly totalBytes: number;
  /** Files the cap deleted since the sink started. */
  readonly filesDeleted: number;
}

/**
 * A prediction sink that appends JSON lines under `dir`, in the layout `store/predictions` reads:
 * `predictions-YYYY-MM-DD.jsonl` for the UTC day of the write, then `.1.jsonl`, `.2.jsonl`, … when a
 * file reaches `maxFileBytes`; once all files exceed `maxTotalBytes` the oldest are deleted, so mixed
 * batch traffic cannot fill the disk. The current file stays open in append mode, so a batch costs
 * one write on libuv's thread pool (no open/close per batch). One writer per folder.
 *
 * A crash can leave a file ending in half a line. When the sink continues a file (a restart on the
 * same day) that does not end in a newline, its first write starts with one, so the torn line stays
 * a line of its own that readers skip, and the next record is never glued to it. After a failed write
 * the sink reopens before writing again, with the same check.
 *
 * @example
 * const sink = jsonlFileSink(join(ws.root, 'predictions'), { clock, maxTotalBytes: 256 * 1024 ** 2 });
 */
export function jsonlFileSink(
  dir: string,
  options: JsonlSinkOptions = {},
): PredictionSink & { readonly dir: string; stats(): JsonlSinkStats } {
  const clock = options.clock ?? systemClock;
  const maxFile = options.maxFileBytes ?? JSONL_SINK_DEFAULTS.maxFileBytes;
  const maxTotal = options.maxTotalBytes ?? Math.max(JSONL_SINK_DEFAULTS.maxTotalBytes, maxFile);
  checkBytes('maxFileBytes', maxFile);
  checkBytes('maxTotalBytes', maxTotal);
  if (maxTotal < maxFile) {
    throw new ServeError(
      'SERVE_INVALID_CONFIG',
      `maxTotalBytes (${maxTotal}) must be at least maxFileBytes (${maxFile}): the cap never deletes the file being written`,
      { field: 'maxTotalBytes' },
    );
  }

  let file: OpenFile | null = null;
  /** Files other than the current one, oldest first, as last listed. */
  let older: PredictionFile[] = [];
  let olderBytes = 0;
  let filesDeleted = 0;

  const closeFile = async () => {
    const f = file;
    file = null;
    await f?.handle.close();
  };

  /** Open today's newest file if it has room, else the next one; learn what else is on disk. */
  const openFor = async (day: string, incoming: number, after: number | null): Promise<OpenFile> => {
    await mkdir(dir, { recursive: true });
    const files = await listPredictionFiles(dir);
    const newest = files.filter((f) => f.day === day).at(-1);
    let seq = newest ? newest.seq + 1 : 0;
    let size = 0;
    // `after` is the file just rotated away from: never reopen it.
    if (newest && newest.seq !== after && (newest.size === 0 || newest.size + incoming + 1 <= maxFile)) {
      seq = newest.seq;
      size = newest.size;
    }
    const name = predictionFileName(day, seq);
    // a+: appends, and lets us read the last byte.
    const handle = await open(join(dir, name), 'a+');
    let needsNewline = false;
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      needsNewline = last[0] !== 0x0a;
    }
    older = files.filter((f) => f.name !== name);
    olderBytes = older.reduce((n, f) => n + f.size, 0);
    return { handle, name, day, seq, size, needsNewline };
  };

  /** Delete the oldest files until the folder fits the cap (the current file always stays). */
  const enforceCap = async (currentSize: number) => {
    while (older.length > 0 && olderBytes + currentSize > maxTotal) {
      const f = older.shift() as PredictionFile;
      olderBytes -= f.size;
      try {
        await unlink(f.path);
        filesDeleted++;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  };

  return {
    dir,
    async write(batch: PredictionBatch): Promise<void> {
      if (batch.length === 0) return;
      const text = batch.jsonBytes?.() ?? Buffer.from(batch.jsonLines(), 'utf8');
      const day = new Date(clock.now()).toISOString().slice(0, 10);
      if (file !== null && file.day !== day) await closeFile();
      let rotatedFrom: number | null = null;
      if (file !== null && file.size > 0 && file.size + text.length > maxFile) {
        rotatedFrom = file.seq;
        await closeFile();
      }
      file ??= await openFor(day, text.length, rotatedFrom);
      const f = file;
      // A continued file may end in a line torn by a crash: keep the next record off it.
      const bytes = f.needsNewline ? Buffer.concat([NEWLINE, text]) : text;
      try {
        // writeFile loops until every byte is written (a plain write may be partial).
        await f.handle.writeFile(bytes);
      } catch (e) {
        // Part of the batch may be on disk: reopen (and re-check the last byte) before the next write.
        await closeFile().catch(() => {});
        throw e;
      }
      f.needsNewline = false;
      f.size += bytes.length;
      await enforceCap(f.size);
    },
    async close(): Promise<void> {
      await closeFile();
    },
    stats(): JsonlSinkStats {
      return {
        file: file === null ? null : join(dir, file.name),
        totalBytes: olderBytes + (file?.size ?? 0),
        filesDeleted,
      };
    },
  };
}

const NEWLINE = Buffer.from('\n');

/** The file being appended to. */
interface OpenFile {
  readonly handle: FileHandle;
  readonly name: string;
  readonly day: string;
  readonly seq: number;
  /** Bytes in the file, ours included. */
  size: number;
  /** It did not end in a newline when opened: the first write starts with one. */
  needsNewline: boolean;
}

function checkBytes(field: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new ServeError(
      'SERVE_INVALID_CONFIG',
      `${field} must be a positive whole number of bytes, got ${v}`,
      {
        field,
      },
    );
  }
}
