import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CsvReadOptions,
  type CsvRecord,
  fieldEmpty,
  fieldInt,
  fieldText,
  headerColumns,
  readCsvFile,
  readCsvHeader,
} from './csv-reader.js';
import { folderState, readCachedDataset, writeCachedDataset } from './dataset-cache.js';
import { datasetHash } from './dataset-inspect.js';
import { parseIsoBytes } from './date-format.js';
import { DataBadFileError, DataBadRowError } from './errors.js';
import { IdIndex } from './id-index.js';
import type { Interactions, ItemCatalogue } from './interactions.js';
import { type CatalogueColumns, finishInteractions, LineColumns } from './line-columns.js';
import { estimateLines } from './line-estimate.js';
import { type LinesReader, PARALLEL_LINES_FROM, readLinesInWorker } from './parallel-lines.js';
import { DATASET_FILES, DATASET_HEADERS, type DatasetFile, type DatasetManifest } from './schema.js';

/** What a lenient load found wrong; `validate` reports these, a strict load throws on the first. */
export interface LoadIssues {
  /** Order lines whose order_id is not in orders.csv (dropped). */
  unknownOrderLines: number;
  /** Order lines whose book_id is not in books.csv (kept; the book gets a fallback title). */
  unknownBookLines: number;
  /** Distinct book ids seen in lines but not in books.csv. */
  unknownBooks: number;
  /** Lines whose qty is not a positive integer (kept with qty 1). */
  badQtyLines: number;
  /** Orders whose created_at is not ISO 8601 (kept with time 0). */
  badDateOrders: number;
  /** Rows of orders.csv repeating an earlier order id (ignored). */
  duplicateOrders: number;
  /** Orders with no line. */
  ordersWithoutLines: number;
  /** Books listed in books.csv. */
  catalogueBooks: number;
  /** Orders listed in orders.csv. */
  orders: number;
}

export interface LoadedDataset {
  interactions: Interactions;
  catalogue: ItemCatalogue;
  manifest: DatasetManifest;
  issues: LoadIssues;
}

export interface LoadOptions {
  /** Called as bytes are read: done and total, in bytes over the four files. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** Throw `DATA_BAD_ROW` on the first bad row; when false, count and go on. @default true */
  strict?: boolean;
  /** Hash the files while reading and fail with `DATA_BAD_FILE` when they differ from the manifest. @default true */
  verify?: boolean;
  /**
   * A folder where the parsed dataset is kept for the next load of the same folder (the workspace's
   * `dataset-cache/`): the next load, strict or lenient, reads typed arrays instead of parsing CSV.
   * Entries are written after a load that hashed the files; see `dataset-cache.ts` for when one is
   * trusted.
   */
  cacheDir?: string;
  /**
   * From this size of `order_lines.csv` on, a worker thread reads it while this one reads the other
   * files (the result is the same). @default 32 MiB
   */
  parallelLinesFrom?: number;
}

/**
 * Load a dataset folder (the four CSV files, `dataset.json` optional) into columnar
 * `Interactions`, reading bytes, not strings: one pass per file, typed arrays out.
 *
 * Items are the union of catalogue books and books seen in lines, indexed in id order. Customers
 * are the ones with at least one line, indexed in customers.csv order (then first-seen order for
 * customers only orders.csv names). Baskets are the orders with at least one line. `time` is the
 * order's created_at in epoch ms (0 when empty).
 * @example const { interactions, catalogue } = await loadDataset(resolveDataset(ws).dir);
 */
export async function loadDataset(dir: string, opts: LoadOptions = {}): Promise<LoadedDataset> {
  const strict = opts.strict ?? true;
  const manifestPath = join(dir, 'dataset.json');
  const stored: DatasetManifest | undefined = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as DatasetManifest)
    : undefined;
  for (const f of DATASET_FILES) {
    if (!existsSync(join(dir, f))) throw new DataBadFileError(f, `missing from ${dir}`);
  }
  const total = DATASET_FILES.reduce((s, f) => s + statSync(join(dir, f)).size, 0);
  // A load that skips verification writes no entry: entries are the parse of verified files.
  const cacheDir = opts.verify !== false ? opts.cacheDir : undefined;
  // Taken once, before the files are read: a hit is checked against it, and an entry written after
  // the parse records it, never a state newer than what was parsed.
  const filesBefore = cacheDir === undefined ? undefined : folderState(dir);
  if (cacheDir !== undefined && filesBefore !== undefined) {
    const cached = readCachedDataset(cacheDir, dir, stored, strict, filesBefore);
    if (cached !== undefined) {
      opts.onProgress?.(total, total);
      return cached;
    }
  }
  let before = 0;
  // Without a manifest the hashes name the folder; with one they prove it was not modified.
  const hashing = !stored || opts.verify !== false;
  // Capacities: the manifest's counts, else estimates (growing a column copies all of it).
  const expected = (f: DatasetFile, counted: number | undefined): number | undefined =>
    counted ?? estimateLines(join(dir, f));
  const linesPath = join(dir, 'order_lines.csv');
  const linesCapacity = expected('order_lines.csv', stored?.counts.orderLines) ?? 1 << 16;
  // Both readers of order_lines.csv take their fast path only under exactly the standard header.
  const linesStandard = standardHeader(dir, 'order_lines.csv');
  let parallel: LinesReader | undefined =
    linesStandard && statSync(linesPath).size >= (opts.parallelLinesFrom ?? PARALLEL_LINES_FROM)
      ? readLinesInWorker(linesPath, linesCapacity, hashing)
      : undefined;

  const files = {} as DatasetManifest['files'];
  const rows = {} as Record<DatasetFile, number>;
  const read = (
    f: DatasetFile,
    onRecord: (r: CsvRecord) => void,
    fast?: CsvReadOptions['fast'] | false,
  ): void => {
    const hash = hashing ? createHash('sha256') : undefined;
    let n = -1;
    const bytes = readCsvFileOrStop(
      parallel,
      join(dir, f),
      (r) => {
        n++;
        onRecord(r);
      },
      {
        onBytes: hash && ((c) => hash.update(c)),
        onProgress:
          opts.onProgress && ((d) => opts.onProgress!(before + d + (parallel?.doneBytes() ?? 0), total)),
        // Lines the fast path takes are records too: count them (the manifest counts come from here).
        fast: fast
          ? {
              ints: fast.ints,
              onInts: (l) => {
                n++;
                fast.onInts(l);
              },
            }
          : undefined,
      },
    );
    before += bytes;
    rows[f] = Math.max(0, n);
    files[f] = { sha256: hash ? hash.digest('hex') : '', bytes };
  };
  const issues: LoadIssues = {
    unknownOrderLines: 0,
    unknownBookLines: 0,
    unknownBooks: 0,
    badQtyLines: 0,
    badDateOrders: 0,
    duplicateOrders: 0,
    ordersWithoutLines: 0,
    catalogueBooks: 0,
    orders: 0,
  };

  // books.csv: the catalogue, in file order.
  const books = new IdIndex();
  const names: CatalogueColumns = { title: [], author: [], genre: [] };
  let bc: number[] = [];
  read('books.csv', (r) => {
    if (bc.length === 0) return void (bc = headerColumns(r, ['id', 'title', 'author', 'genre'], 'books.csv'));
    const idx = books.internField(r, bc[0]);
    if (idx < names.title.length) return;
    names.title.push(fieldText(r, bc[1]));
    names.author.push(fieldText(r, bc[2]));
    names.genre.push(fieldText(r, bc[3]));
  });
  const nCatalogue = books.size;
  issues.catalogueBooks = nCatalogue;

  const customers = new IdIndex(expected('customers.csv', stored?.counts.customers));
  let cc: number[] = [];
  read('customers.csv', (r) => {
    if (cc.length === 0) return void (cc = headerColumns(r, ['id'], 'customers.csv'));
    customers.internField(r, cc[0]);
  });

  // orders.csv: order index → (customer index, time). Generated ids are dense integers, so the
  // fast path reads them from bytes and the IdIndex table makes each a typed-array write.
  const nOrders = expected('orders.csv', stored?.counts.orders);
  const orders = new IdIndex(nOrders);
  let orderCust = new Int32Array(Math.max(16, nOrders ?? 1024));
  let orderTime = new Float64Array(orderCust.length);
  const addOrder = (o: number, known: number, customer: number, t: number, line: number): void => {
    if (o < known) {
      issues.duplicateOrders++;
      return;
    }
    if (o === orderCust.length) {
      const c2 = new Int32Array(o * 2);
      c2.set(orderCust);
      orderCust = c2;
      const t2 = new Float64Array(o * 2);
      t2.set(orderTime);
      orderTime = t2;
    }
    orderCust[o] = customer;
    if (Number.isNaN(t)) {
      if (strict) throw new DataBadRowError('orders.csv', line, 'created_at', 'is not an ISO 8601 timestamp');
      issues.badDateOrders++;
      t = 0;
    }
    orderTime[o] = t;
  };
  let oc: number[] = [];
  read(
    'orders.csv',
    (r) => {
      if (oc.length === 0) {
        oc = headerColumns(r, ['id', 'customer_id', 'created_at'], 'orders.csv');
        return;
      }
      const known = orders.size;
      const o = orders.internField(r, oc[0]);
      const t = fieldEmpty(r, oc[2]) ? 0 : parseIsoBytes(r.buf, r.start[oc[2]], r.end[oc[2]]);
      addOrder(o, known, customers.internField(r, oc[1]), t, r.line);
    },
    standardHeader(dir, 'orders.csv') && {
      ints: 2,
      onInts: (l) => {
        const known = orders.size;
        const o = orders.internInt(l.v[0]);
        const t = l.restEnd === l.restStart ? 0 : parseIsoBytes(l.buf, l.restStart, l.restEnd);
        addOrder(o, known, customers.internInt(l.v[1]), t, l.line);
      },
    },
  );
  issues.orders = orders.size;

  // order_lines.csv: the big one; the fast path parses order_id, book_id, qty straight from bytes.
  const fromWorker = parallel && (await parallel.result);
  // Its bytes are counted by whoever reads the file from here on (the join below, or a re-read).
  parallel = undefined;
  const cols = fromWorker?.ok
    ? LineColumns.over(fromWorker.bookId, fromWorker.orderId, fromWorker.qty, fromWorker.n)
    : new LineColumns(linesCapacity);
  const basketOf = new Int32Array(orders.size).fill(-1);
  let nBaskets = 0;
  // Marked at each order's first line (not per line): which customers keep a place in the data.
  const hasLines = new Uint8Array(customers.size);
  // A line of an unknown order is dropped before its book is interned: a book named only by
  // dropped lines must not become an item (nor count as an unknown book).
  const unknownOrder = (line: number, orderId: string): void => {
    if (strict)
      throw new DataBadRowError('order_lines.csv', line, 'order_id', `"${orderId}" is not in orders.csv`);
    issues.unknownOrderLines++;
  };
  const addLine = (o: number, item: number, q: number, line: number): void => {
    if (item >= nCatalogue) issues.unknownBookLines++;
    if (q <= 0) {
      if (strict) throw new DataBadRowError('order_lines.csv', line, 'qty', 'is not a positive integer');
      issues.badQtyLines++;
      q = 1;
    }
    let b = basketOf[o];
    if (b < 0) {
      b = basketOf[o] = nBaskets++;
      hasLines[orderCust[o]] = 1;
    }
    cols.push(orderCust[o], item, b, orderTime[o], q);
  };
  if (fromWorker?.ok) {
    // As the fast path below, from the thread's columns: line i of them is line i + 2 of the file
    // (the thread takes no line that would skew that), and it is read before its push, which
    // writes at or before it (LineColumns.over).
    const { n, orderId, bookId, qty } = fromWorker;
    for (let i = 0; i < n; i++) {
      const o = orders.findInt(orderId[i]);
      if (o < 0) unknownOrder(i + 2, String(orderId[i]));
      else addLine(o, books.internInt(bookId[i]), qty[i], i + 2);
    }
    before += fromWorker.bytes;
    rows['order_lines.csv'] = n;
    files['order_lines.csv'] = { sha256: fromWorker.sha256, bytes: fromWorker.bytes };
    opts.onProgress?.(before, total);
  }
  let lc: number[] = [];
  if (!fromWorker?.ok)
    read(
      'order_lines.csv',
      (r) => {
        if (lc.length === 0) {
          lc = headerColumns(r, ['order_id', 'book_id', 'qty'], 'order_lines.csv');
          return;
        }
        if (fieldEmpty(r, lc[1])) {
          if (strict) throw new DataBadRowError('order_lines.csv', r.line, 'book_id', 'is empty');
          issues.unknownOrderLines++;
          return;
        }
        const o = orders.findField(r, lc[0]);
        if (o < 0) return unknownOrder(r.line, fieldText(r, lc[0]));
        const q = fieldEmpty(r, lc[2]) ? 1 : fieldInt(r, lc[2]);
        addLine(o, books.internField(r, lc[1]), q, r.line);
      },
      linesStandard && {
        ints: 3,
        onInts: (l) => {
          const v = l.v;
          const o = orders.findInt(v[0]);
          if (o < 0) return unknownOrder(l.line, String(v[0]));
          addLine(o, books.internInt(v[1]), v[2], l.line);
        },
      },
    );
  issues.unknownBooks = books.size - nCatalogue;
  issues.ordersWithoutLines = orders.size - nBaskets;

  if (stored && hashing) {
    for (const f of DATASET_FILES) {
      if (files[f].sha256 !== stored.files[f].sha256) {
        throw new DataBadFileError(
          f,
          'does not match its sha256 in dataset.json: the dataset was modified; re-import it',
        );
      }
    }
  }
  const manifest: DatasetManifest = stored ?? {
    format: 'bookml-dataset/1',
    hash: datasetHash(files),
    files,
    counts: {
      books: rows['books.csv'],
      customers: rows['customers.csv'],
      orders: rows['orders.csv'],
      orderLines: rows['order_lines.csv'],
    },
    itemIdKind: books.allInt ? 'int' : 'string',
    source: { kind: 'files', uri: dir },
    createdAt: '',
  };

  const customerIds = compactCustomers(cols, customers, hasLines);
  const { interactions, catalogue } = finishInteractions(cols, books, customerIds, nBaskets, names);
  const loaded = { interactions, catalogue, manifest, issues };
  if (cacheDir !== undefined && filesBefore !== undefined)
    writeCachedDataset(cacheDir, dir, stored, filesBefore, loaded);
  return loaded;
}

/** {@link readCsvFile}, stopping the lines thread when it throws: the load has failed, its work is not needed. */
function readCsvFileOrStop(
  parallel: LinesReader | undefined,
  ...args: Parameters<typeof readCsvFile>
): number {
  try {
    return readCsvFile(...args);
  } catch (e) {
    parallel?.cancel();
    throw e;
  }
}

/**
 * Whether a file's header is exactly the standard one, so the fast path knows the columns. A file
 * that cannot be read is not: the one-thread read reports it, after any earlier file's error.
 */
function standardHeader(dir: string, f: DatasetFile): boolean {
  try {
    return readCsvHeader(join(dir, f)).join(',') === DATASET_HEADERS[f];
  } catch {
    return false;
  }
}

/** Keep only customers with lines, in their index order; rewrites `cols.customer`. */
function compactCustomers(cols: LineColumns, customers: IdIndex, hasLines: Uint8Array): string[] {
  const map = new Int32Array(customers.size);
  const ids: string[] = [];
  for (let i = 0; i < map.length; i++) map[i] = hasLines[i] ? ids.push(customers.id(i)) - 1 : -1;
  // Every customer has lines (the common case): the map is the identity, the column already right.
  if (ids.length === map.length) return ids;
  const c = cols.customer;
  for (let l = 0; l < cols.n; l++) c[l] = map[c[l]];
  return ids;
}
