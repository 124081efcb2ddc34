import { open } from 'node:fs/promises';
import { listPredictionFiles, type PredictionFile } from './prediction-files.js';
import { type PredictionRecord, parsePredictionLine } from './prediction-records.js';

/** How far a reader got: bytes consumed per file name. Plain JSON, so a monitor can persist it. */
export type PredictionCursor = Readonly<Record<string, number>>;

/** What one {@link PredictionLogReader.read} did. */
export interface PredictionReadStats {
  /** Records handed to the callback. */
  records: number;
  /** Bytes consumed (records, bad lines and skipped torn tails). */
  bytes: number;
  /** Whole lines that are not records: not JSON, or JSON of another shape — e.g. a torn line the writer closed with a newline after a crash. Skipped. */
  malformed: number;
  /** Unterminated tails of files that will not grow again (a crash mid-write, then rotation). Skipped. */
  torn: number;
  /** Files read from. */
  files: number;
  /** True when the byte budget ran out before the end of the log: call `read` again. */
  more: boolean;
}

/**
 * Anything the drift monitor reads the prediction log through: the folder reader
 * ({@link PredictionLogReader}) or the database table's reader (`TablePredictionReader`). Each `read`
 * continues from `cursor`, in write order, within a budget; the cursor is plain JSON to persist.
 */
export interface PredictionSource {
  /** Where the reader stands; a new reader given it continues there. */
  readonly cursor: PredictionCursor;
  /** Hand each record written since the last read (up to the budget) to `onRecord`, in write order. */
  read(onRecord: (record: PredictionRecord) => void): Promise<PredictionReadStats>;
}

/** Options of {@link PredictionLogReader}. */
export interface PredictionReaderOptions {
  /** Continue from here (a cursor saved from an earlier reader). */
  cursor?: PredictionCursor;
  /**
   * Where a reader without a cursor starts: the oldest record still kept, or the end of the log as
   * it is at the first read (only what is written from then on). @default 'start'
   */
  from?: 'start' | 'end';
  /** Most bytes one `read` consumes, so a pass over a large backlog stays bounded. @default 67108864 (64 MiB) */
  maxBytesPerRead?: number;
}

const NEWLINE = 0x0a;
/** Bytes per `read(2)`: large enough to amortise the call, small enough to bound memory. */
const CHUNK = 1 << 20;

/**
 * Reads a prediction log folder incrementally: each `read` picks up where the last one stopped (an
 * offset per file, never re-reading what it has seen), in write order across days and rotations,
 * and hands each record to a callback.
 *
 * A line counts only once its newline is on disk, so a record the server is writing right now is
 * left for the next read rather than parsed half-written. A file that ends without a newline and
 * that the writer has left behind (a newer file exists) was torn by a crash: its tail is skipped and
 * counted. The writer never appends to a torn line (it starts with a newline, see serve's
 * `jsonlFileSink`), so a torn record is never glued to the next one; if a torn line does get a
 * newline after it, it is a malformed line, skipped and counted.
 *
 * @example
 * const reader = new PredictionLogReader(join(ws.root, 'predictions'), { cursor: saved });
 * const stats = await reader.read((r) => window.push(r));
 * saved = reader.cursor; // persist beside what was built from the records
 */
export class PredictionLogReader implements PredictionSource {
  readonly dir: string;
  readonly #offsets = new Map<string, number>();
  readonly #maxBytes: number;
  #from: 'start' | 'end';

  constructor(dir: string, opts: PredictionReaderOptions = {}) {
    this.dir = dir;
    this.#maxBytes = opts.maxBytesPerRead ?? 64 * 1024 * 1024;
    if (opts.cursor) {
      for (const [name, offset] of Object.entries(opts.cursor)) {
        if (Number.isSafeInteger(offset) && offset >= 0) this.#offsets.set(name, offset);
      }
    }
    // A cursor already says where to go; `from` only places a reader that has none.
    this.#from = opts.cursor ? 'start' : (opts.from ?? 'start');
  }

  /** Where the reader stands: bytes consumed per file still on disk at the last read. */
  get cursor(): PredictionCursor {
    return Object.fromEntries(this.#offsets);
  }

  /**
   * Read what was written since the last call (up to the byte budget), calling `onRecord` for each
   * record in write order. I/O errors reject; the cursor then stays where the last whole line ended.
   */
  async read(onRecord: (record: PredictionRecord) => void): Promise<PredictionReadStats> {
    const files = await listPredictionFiles(this.dir);
    const present = new Set(files.map((f) => f.name));
    // The writer's cap deleted these; nothing more will come from them.
    for (const name of [...this.#offsets.keys()]) if (!present.has(name)) this.#offsets.delete(name);
    if (this.#from === 'end') {
      for (const f of files) this.#offsets.set(f.name, f.size);
      this.#from = 'start';
    }
    const stats: PredictionReadStats = { records: 0, bytes: 0, malformed: 0, torn: 0, files: 0, more: false };
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      let offset = this.#offsets.get(f.name) ?? 0;
      // Smaller than where we stopped: the file was replaced under the same name; read it afresh.
      if (f.size < offset) offset = 0;
      if (f.size === offset) {
        this.#offsets.set(f.name, offset);
        continue;
      }
      const budget = this.#maxBytes - stats.bytes;
      if (budget <= 0) {
        stats.more = true;
        break;
      }
      stats.files++;
      const last = i === files.length - 1;
      const end = await this.#readFile(f, offset, budget, last, onRecord, stats);
      stats.bytes += end - offset;
      this.#offsets.set(f.name, end);
      // Stopped by the budget, not by the end of the file (or its unfinished last line).
      if (offset + budget < f.size) {
        stats.more = true;
        break;
      }
    }
    return stats;
  }

  /** Read whole lines of `f` from `offset`; returns the offset after the last one consumed. */
  async #readFile(
    f: PredictionFile,
    offset: number,
    budget: number,
    newest: boolean,
    onRecord: (record: PredictionRecord) => void,
    stats: PredictionReadStats,
  ): Promise<number> {
    const end = Math.min(f.size, offset + budget);
    const fh = await open(f.path, 'r');
    try {
      let consumed = offset;
      let pos = offset;
      let carry: Buffer | null = null;
      while (pos < end) {
        const want = Math.min(CHUNK, end - pos);
        const chunk = Buffer.allocUnsafe(want);
        const { bytesRead } = await fh.read(chunk, 0, want, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        const data: Buffer = carry
          ? Buffer.concat([carry, chunk.subarray(0, bytesRead)])
          : chunk.subarray(0, bytesRead);
        let start = 0;
        for (let nl = data.indexOf(NEWLINE, start); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
          if (nl > start) {
            // UTF-8 never puts 0x0a inside a multi-byte character, so a byte split is a line split.
            const record = parsePredictionLine(data.toString('utf8', start, nl));
            if (record === null) stats.malformed++;
            else {
              stats.records++;
              onRecord(record);
            }
          }
          consumed += nl + 1 - start;
          start = nl + 1;
        }
        carry = start < data.length ? data.subarray(start) : null;
      }
      // An unterminated tail: still being written in the newest file; torn (and final) in an older one.
      if (carry !== null && end === f.size && !newest) {
        stats.torn++;
        return f.size;
      }
      return consumed;
    } finally {
      await fh.close();
    }
  }
}
