import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { readCatalogueFile } from './catalogue-file.js';
import {
  type CsvRecord,
  fieldEmpty,
  fieldInt,
  fieldText,
  headerNames,
  type IntLine,
  readCsvFile,
  readCsvHeader,
} from './csv-reader.js';
import { checkHeader, fieldCount, noRowsError } from './csv-shape.js';
import { type DateParser, parseDateFormat, parseIsoBytes } from './date-format.js';
import { DataBadFileError, DataBadMappingError, DataBadRowError } from './errors.js';
import { IdIndex } from './id-index.js';
import { jsonlValue, ownValue } from './jsonl-fields.js';
import { readJsonlFile } from './jsonl-reader.js';
import { type CatalogueColumns, finishInteractions, LineColumns } from './line-columns.js';
import { estimateLines } from './line-estimate.js';
import type { LoadedDataset } from './load-interactions.js';
import { DATASET_FILES, type DatasetManifest } from './schema.js';
import { idFault, MAX_ID_BYTES, shown, shownColumns } from './text-check.js';
import { withUtf8File } from './transcode.js';

/**
 * Which source column plays which role. `customer` and `item` are required; without `basket`,
 * a basket is one customer at one `time` value (or one customer, when there is no `time`).
 * @example { customer: 'transaction_number', item: 'items', time: 'date' }
 */
export interface ColumnMapping {
  customer: string;
  item: string;
  time?: string;
  qty?: string;
  basket?: string;
  price?: string;
}

/** The roles a mapping may name, in `--map` order. */
export const MAPPING_ROLES = ['customer', 'item', 'time', 'qty', 'basket', 'price'] as const;

export interface ReadInteractionsOptions {
  /** `csv` (with a header) or `jsonl` (one object per line). @default by extension: .jsonl/.ndjson → jsonl, else csv */
  format?: 'csv' | 'jsonl';
  /** How the time column is written (see `parseDateFormat`). @default 'iso' */
  dateFormat?: string;
  /** A catalogue CSV with `id,title,author[,genre]` for the titles; its books join the items. */
  books?: string;
  /** `fail` throws `DATA_BAD_ROW` on the first bad row; `skip` counts it and goes on. @default 'fail' */
  onBadRow?: 'fail' | 'skip';
  /** Bytes read so far and the file size. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** The file's text encoding when it is not UTF-8 (`latin1`, `utf16le`, …). @default 'utf8' */
  encoding?: string;
}

/** Guess the format from a file name: `.jsonl`/`.ndjson` → jsonl, anything else → csv. */
export function formatOf(path: string): 'csv' | 'jsonl' {
  return /\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : 'csv';
}

/** A raw file read into memory: a `LoadedDataset` whose manifest describes the file. */
export interface LoadedFile extends LoadedDataset {
  /** Bad rows skipped under `onBadRow: 'skip'`. */
  skippedRows: number;
}

/**
 * Read a raw purchase-lines file (one row per purchased line) straight into `Interactions`, for
 * `bookml train --input FILE` and benchmarks: no dataset is written. CSV takes a byte-level fast
 * path (integer ids never become strings). Titles come from `books` when given, else are
 * "Book <id>" for integer ids and the id itself for string ids; authors are "".
 *
 * The returned manifest's `hash` is the sha256 of the file itself (lineage for a model trained
 * from it), its `files` entries are empty, and `counts.orders` is the number of baskets.
 * @example const { interactions } = await readInteractionsFile('lines.csv', { customer: 'customer_id', item: 'book_id' });
 */
export async function readInteractionsFile(
  path: string,
  mapping: ColumnMapping,
  opts: ReadInteractionsOptions = {},
): Promise<LoadedFile> {
  return withUtf8File(path, opts.encoding, (utf8) => readUtf8InteractionsFile(utf8, mapping, opts));
}

async function readUtf8InteractionsFile(
  path: string,
  mapping: ColumnMapping,
  opts: ReadInteractionsOptions,
): Promise<LoadedFile> {
  const file = basename(path);
  const format = opts.format ?? formatOf(path);
  const hash = createHash('sha256');
  const onBytes = (c: Buffer) => hash.update(c);
  const skip = opts.onBadRow === 'skip';
  const items = new IdIndex();
  let names: CatalogueColumns | undefined;
  if (opts.books) names = readCatalogueFile(opts.books, items);
  const customers = new IdIndex();
  const baskets = new IdIndex();
  const basketByKey = new Map<string, number>();
  let cols = new LineColumns();
  const parse: DateParser = parseDateFormat(opts.dateFormat ?? 'iso');
  const iso = (opts.dateFormat ?? 'iso') === 'iso';
  let skipped = 0;

  const bad = (line: number, field: string, reason: string, column?: number): void => {
    if (!skip) throw new DataBadRowError(file, line, field, reason, column);
    skipped++;
  };
  /** Add one checked line; `basket` is the basket column's index, or -1 to derive it. */
  const add = (c: number, i: number, t: number, q: number, basket: number): void => {
    let b = basket;
    if (b < 0 && mapping.time !== undefined) {
      const key = `${c}\u0000${t}`;
      b = basketByKey.get(key) ?? -1;
      if (b < 0) basketByKey.set(key, (b = basketByKey.size));
    } else if (b < 0) b = c;
    cols.push(c, i, b, t, q);
  };

  if (format === 'jsonl') {
    await readJsonlFile(
      path,
      (obj, line, columnOf) => {
        for (const col of Object.values(mapping)) {
          const v = col === undefined ? undefined : jsonlValue(ownValue(obj, col));
          if (v && 'fault' in v) return bad(line, col!, v.fault, columnOf(col!));
        }
        const get = (role: keyof ColumnMapping): string | undefined => {
          const col = mapping[role];
          if (col === undefined) return undefined;
          const v = jsonlValue(ownValue(obj, col));
          return v && 'text' in v ? v.text : '';
        };
        const cust = get('customer')!;
        const item = get('item')!;
        if (cust === '') return bad(line, mapping.customer, 'is missing or empty');
        if (item === '') return bad(line, mapping.item, 'is missing or empty');
        const badId = idFault(cust, true) ?? idFault(item, true);
        if (badId) return bad(line, idFault(cust, true) ? mapping.customer : mapping.item, badId);
        let t = 0;
        if (mapping.time !== undefined) {
          t = parse(get('time')!);
          if (Number.isNaN(t))
            return bad(line, mapping.time, `is not a date in format ${opts.dateFormat ?? 'iso'}`);
        }
        let q = 1;
        const qs = get('qty');
        if (qs) {
          q = /^[1-9][0-9]{0,8}$/.test(qs) ? Number(qs) : -1;
          if (q <= 0) return bad(line, mapping.qty!, 'is not a positive integer');
        }
        const basketId = get('basket');
        if (mapping.basket !== undefined && basketId === '')
          return bad(line, mapping.basket, 'is missing or empty');
        const badBasket = mapping.basket !== undefined ? idFault(basketId!, true) : undefined;
        if (badBasket) return bad(line, mapping.basket!, badBasket);
        const b = mapping.basket !== undefined ? baskets.internString(basketId!) : -1;
        add(customers.internString(cust), items.internString(item), t, q, b);
      },
      {
        onProgress: opts.onProgress,
        onBytes,
        checkText: true,
        uniqueKeys: Object.values(mapping).filter((k): k is string => k !== undefined),
        onBadLine: (line, reason, column) => bad(line, 'line', reason, column),
      },
    );
  } else {
    let cc: number[] = [];
    let hdr: string[] = [];
    // Exports led by integer columns (the usual customer_id,book_id) skip records entirely: the
    // mapped ids are parsed from bytes and interned through the IdIndex table, no string made.
    const header = readCsvHeader(path);
    // A header the fast path cannot place (a leading blank line, a missing column) is left to the
    // record path, which skips blank lines and reports a missing column itself.
    let fastCols: number[] = [];
    try {
      fastCols = columnsOf(header, mapping, file);
    } catch {}
    const [fci, fii, fti, fqi, fbi] = fastCols;
    const fastInts = fastCols.length > 0 && fti < 0 ? Math.max(fci, fii, fqi, fbi) + 1 : 0;
    const onInts = (l: IntLine): void => {
      // The fast path takes no quoted line, so its commas are its field separators.
      const b = l.buf;
      let fields = fastInts;
      if (b[l.restStart - 1] === 44) {
        fields++;
        for (let p = l.restStart; p < l.restEnd; p++) if (b[p] === 44) fields++;
      }
      if (fields !== hdr.length) {
        bad(l.line, 'row', fieldCount(fields, hdr.length));
        return;
      }
      const v = l.v;
      const q = fqi >= 0 ? v[fqi] : 1;
      if (q <= 0) {
        bad(l.line, mapping.qty!, 'is not a positive integer');
        return;
      }
      add(
        customers.internInt(v[fci]),
        items.internInt(v[fii]),
        0,
        q,
        fbi >= 0 ? baskets.internInt(v[fbi]) : -1,
      );
    };
    if (fastInts > 0) {
      // Sized from the file's mean line length, so 2M lines take no regrowth copies.
      cols = new LineColumns(estimateLines(path) ?? 1 << 16);
    }
    readCsvFile(
      path,
      (r: CsvRecord) => {
        if (cc.length === 0) {
          hdr = headerNames(r);
          checkHeader(hdr, file);
          cc = columnsOf(hdr, mapping, file);
          return;
        }
        if (r.count !== hdr.length) return bad(r.line, 'row', fieldCount(r.count, hdr.length));
        const [ci, ii, ti, qi, bi] = cc;
        if (fieldEmpty(r, ci)) return bad(r.line, mapping.customer, 'is empty');
        if (fieldEmpty(r, ii)) return bad(r.line, mapping.item, 'is empty');
        if (tooLong(r, ci)) return bad(r.line, mapping.customer, idTooLong(r, ci));
        if (tooLong(r, ii)) return bad(r.line, mapping.item, idTooLong(r, ii));
        if (bi >= 0 && tooLong(r, bi)) return bad(r.line, mapping.basket!, idTooLong(r, bi));
        let t = 0;
        if (ti >= 0) {
          t = iso
            ? parseIsoBytes(r.buf, r.start[ti], ti < r.count ? r.end[ti] : r.start[ti])
            : parse(fieldText(r, ti));
          if (Number.isNaN(t))
            return bad(r.line, mapping.time!, `is not a date in format ${opts.dateFormat ?? 'iso'}`);
        }
        let q = 1;
        if (qi >= 0 && !fieldEmpty(r, qi)) {
          q = fieldInt(r, qi);
          if (q <= 0) return bad(r.line, mapping.qty!, 'is not a positive integer');
        }
        if (bi >= 0 && fieldEmpty(r, bi)) return bad(r.line, mapping.basket!, 'is empty');
        add(
          customers.internField(r, ci),
          items.internField(r, ii),
          t,
          q,
          bi >= 0 ? baskets.internField(r, bi) : -1,
        );
      },
      {
        onProgress: opts.onProgress,
        onBytes,
        fast: fastInts > 0 ? { ints: fastInts, onInts } : undefined,
        checkText: true,
        fieldName: (i) => hdr[i] ?? `field ${i + 1}`,
        onBadText: (e) => {
          // The header cannot be skipped: without it no row means anything.
          if (cc.length === 0) throw e;
          bad(e.line, e.field ?? 'row', e.reason, e.column);
        },
      },
    );
    if (cc.length === 0)
      throw new DataBadFileError(file, 'is empty: expected a header naming the columns', 'header');
  }
  if (cols.n === 0) throw noRowsError(file, skipped);
  const nBaskets =
    mapping.basket !== undefined
      ? baskets.size
      : mapping.time !== undefined
        ? basketByKey.size
        : customers.size;
  const nCatalogue = names?.title.length ?? 0;
  let unknownBookLines = 0;
  if (names) for (let l = 0; l < cols.n; l++) if (cols.item[l] >= nCatalogue) unknownBookLines++;
  const unknownBooks = names ? items.size - nCatalogue : 0;
  const out = finishInteractions(cols, items, customers.ids(), nBaskets, names);
  const empty = { sha256: '', bytes: 0 };
  const manifest: DatasetManifest = {
    format: 'bookml-dataset/1',
    hash: hash.digest('hex'),
    files: Object.fromEntries(DATASET_FILES.map((f) => [f, empty])) as DatasetManifest['files'],
    counts: {
      books: items.size,
      customers: customers.size,
      orders: nBaskets,
      orderLines: out.interactions.length,
    },
    itemIdKind: items.allInt ? 'int' : 'string',
    source: { kind: format, uri: resolve(path), options: { mapping, dateFormat: opts.dateFormat ?? 'iso' } },
    createdAt: '',
  };
  const issues = {
    unknownOrderLines: 0,
    unknownBookLines,
    unknownBooks,
    badQtyLines: 0,
    badDateOrders: 0,
    duplicateOrders: 0,
    ordersWithoutLines: 0,
    catalogueBooks: nCatalogue,
    orders: nBaskets,
  };
  return { ...out, manifest, issues, skippedRows: skipped };
}

/**
 * Parse a `--map` value, `role=column` pairs separated by commas, e.g.
 * `customer=transaction_number,item=items,time=date`. Roles: customer, item (required), time, qty,
 * basket (alias order), price.
 */
export function parseMapping(spec: string): ColumnMapping {
  const out: Partial<Record<(typeof MAPPING_ROLES)[number], string>> = {};
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const role = (eq < 0 ? part : part.slice(0, eq)).trim();
    const col = eq < 0 ? '' : part.slice(eq + 1).trim();
    const r = role === 'order' ? 'basket' : role === 'quantity' ? 'qty' : role;
    if (!(MAPPING_ROLES as readonly string[]).includes(r)) {
      throw new DataBadMappingError(
        role,
        `unknown role; use ${MAPPING_ROLES.join(', ')} (e.g. customer=customer_id)`,
      );
    }
    if (col === '') throw new DataBadMappingError(r, 'needs a column name (role=column)');
    out[r as (typeof MAPPING_ROLES)[number]] = col;
  }
  if (out.customer === undefined)
    throw new DataBadMappingError('customer', 'is required (e.g. customer=customer_id)');
  if (out.item === undefined) throw new DataBadMappingError('item', 'is required (e.g. item=book_id)');
  return out as ColumnMapping;
}

/** Positions of the mapped columns [customer, item, time, qty, basket]; -1 for unmapped roles. */
function columnsOf(header: readonly string[], mapping: ColumnMapping, file: string): number[] {
  return (['customer', 'item', 'time', 'qty', 'basket'] as const).map((role) => {
    const col = mapping[role];
    if (col === undefined) return -1;
    const at = header.indexOf(col);
    if (at < 0)
      throw new DataBadMappingError(
        role,
        `${file} has no column "${shown(col)}" (columns: ${shownColumns(header)})`,
      );
    return at;
  });
}

/** Field `i` is longer than an id may be (its bytes, before unescaping doubled quotes). */
function tooLong(r: CsvRecord, i: number): boolean {
  return r.end[i] - r.start[i] > MAX_ID_BYTES;
}

function idTooLong(r: CsvRecord, i: number): string {
  return `is ${r.end[i] - r.start[i]} bytes long; an id is at most ${MAX_ID_BYTES} bytes`;
}
