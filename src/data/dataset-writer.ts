import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DataBadFileError } from './errors.js';
import { DATASET_FILES, DATASET_HEADERS, type DatasetFile, type DatasetManifest } from './schema.js';

/** Quote a CSV field when it holds a comma, a quote or a line break (RFC 4180). */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const FLUSH_CHARS = 1 << 16;

/**
 * One CSV file written through a buffered stream, hashed as it goes (so a 20-million-line file is
 * never read back to name it). Rows are joined into ~64 KiB chunks before they reach the stream;
 * when the stream is full, `blocked` turns true and the producer awaits `ready()`.
 */
export class CsvFileWriter {
  readonly path: string;
  rows = 0;
  #stream: WriteStream;
  #hash: Hash = createHash('sha256');
  #bytes = 0;
  #pending = '';
  /** The stream's first error (a folder in the way, a full disk), surfaced by `ready` and `close`. */
  #error: NodeJS.ErrnoException | undefined;
  blocked = false;

  constructor(path: string, header: string) {
    this.path = path;
    this.#stream = createWriteStream(path, { highWaterMark: 1 << 20 });
    this.#stream.on('error', (e) => {
      this.#error ??= e;
    });
    this.#pending = `${header}\n`;
  }

  /** Append `count` rows (default one): already escaped fields, each ending in "\n". */
  row(text: string, count = 1): void {
    this.#pending += text;
    this.rows += count;
    if (this.#pending.length >= FLUSH_CHARS) this.#flush();
  }

  /** Resolves when the stream has room again; await only when `blocked`. */
  async ready(): Promise<void> {
    if (this.#error) throw this.#failure();
    if (!this.blocked) return;
    try {
      await once(this.#stream, 'drain');
    } catch {
      throw this.#failure();
    }
    this.blocked = false;
  }

  /** Flush, close, and return the file's sha256 (hex) and size in bytes. */
  async close(): Promise<{ sha256: string; bytes: number }> {
    if (this.#error) throw this.#failure();
    this.#flush();
    const done = once(this.#stream, 'close');
    this.#stream.end();
    try {
      await done;
    } catch {
      throw this.#failure();
    }
    if (this.#error) throw this.#failure();
    return { sha256: this.#hash.digest('hex'), bytes: this.#bytes };
  }

  /**
   * Stop writing (on failure); the caller removes the file. Resolves once the stream is closed: a
   * stream opens its file asynchronously, so removing the folder before then races the open and
   * leaves the file behind (and `rmSync` fails with ENOTEMPTY, hiding the import's own error).
   */
  async destroy(): Promise<void> {
    if (this.#stream.closed) return;
    const closed = new Promise<void>((done) => this.#stream.once('close', () => done()));
    this.#stream.destroy();
    await closed;
  }

  #failure(): DataBadFileError {
    const code = this.#error?.code ?? this.#error?.message ?? 'error';
    return new DataBadFileError(basename(this.path), `cannot be written in ${dirname(this.path)} (${code})`);
  }

  #flush(): void {
    if (this.#pending === '') return;
    const chunk = Buffer.from(this.#pending, 'utf8');
    this.#pending = '';
    this.#hash.update(chunk);
    this.#bytes += chunk.length;
    if (!this.#stream.write(chunk)) this.blocked = true;
  }
}

/** What a finished writer knows about the files it wrote: enough for a manifest, no re-read. */
export interface WrittenFiles {
  dir: string;
  files: DatasetManifest['files'];
  counts: DatasetManifest['counts'];
  itemIdKind: DatasetManifest['itemIdKind'];
}

/**
 * The four files of a dataset, opened together in `dir` with their headers written.
 * @example
 * const w = new DatasetFilesWriter(dir);
 * w.books.row(`1,${csvField('A Title')},Ann Author,fiction,9.99\n`);
 * const written = await w.close('int');
 */
export class DatasetFilesWriter {
  readonly dir: string;
  readonly books: CsvFileWriter;
  readonly customers: CsvFileWriter;
  readonly orders: CsvFileWriter;
  readonly lines: CsvFileWriter;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.dir = dir;
    const open = (f: DatasetFile) => new CsvFileWriter(join(dir, f), DATASET_HEADERS[f]);
    this.books = open('books.csv');
    this.customers = open('customers.csv');
    this.orders = open('orders.csv');
    this.lines = open('order_lines.csv');
  }

  /** Wait until every stream has room; call when any `blocked` is true. */
  async ready(): Promise<void> {
    await Promise.all([this.books.ready(), this.customers.ready(), this.orders.ready(), this.lines.ready()]);
  }

  get blocked(): boolean {
    return this.books.blocked || this.customers.blocked || this.orders.blocked || this.lines.blocked;
  }

  /** Close every file; `itemIdKind` is the producer's knowledge of its book ids. */
  async close(itemIdKind: DatasetManifest['itemIdKind']): Promise<WrittenFiles> {
    const writers = [this.books, this.customers, this.orders, this.lines];
    const digests = await Promise.all(writers.map((w) => w.close()));
    const files = {} as DatasetManifest['files'];
    DATASET_FILES.forEach((f, i) => {
      files[f] = digests[i];
    });
    return {
      dir: this.dir,
      files,
      counts: {
        books: this.books.rows,
        customers: this.customers.rows,
        orders: this.orders.rows,
        orderLines: this.lines.rows,
      },
      itemIdKind,
    };
  }

  /** Stop writing every file, resolving once all are closed (then their folder can be removed). */
  async destroy(): Promise<void> {
    await Promise.all([this.books, this.customers, this.orders, this.lines].map((w) => w.destroy()));
  }
}
