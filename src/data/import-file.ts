import { createReadStream, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type Options as CsvParseOptions, parse } from 'csv-parse';
import { readCatalogue } from './catalogue-file.js';
import { type CsvRecord, fieldPosition, fieldText, headerNames } from './csv-reader.js';
import { checkHeader, fieldCount, noRowsError } from './csv-shape.js';
import { streamCsvRecords } from './csv-stream.js';
import { DatasetRows } from './dataset-rows.js';
import { DatasetFilesWriter, type WrittenFiles } from './dataset-writer.js';
import { parseDateFormat } from './date-format.js';
import { DataBadFileError, DataBadMappingError, DataBadRowError } from './errors.js';
import { jsonlValue, ownValue } from './jsonl-fields.js';
import { readJsonlFile } from './jsonl-reader.js';
import { type ColumnMapping, formatOf } from './read-interactions-file.js';
import { DATASET_FILES } from './schema.js';
import { cleanText, findTextFault, idFault, lineAndColumn, shown, shownColumns } from './text-check.js';
import { withUtf8File } from './transcode.js';

export interface ImportFileOptions {
  /** Which column plays which role (see `parseMapping`). */
  mapping: ColumnMapping;
  /** @default by extension: .jsonl/.ndjson → jsonl, else csv */
  format?: 'csv' | 'jsonl';
  /** How the time column is written (see `parseDateFormat`). @default 'iso' */
  dateFormat?: string;
  /** CSV field delimiter. @default ',' */
  delimiter?: string;
  /**
   * A CSV without a header: its columns' names, in order (the mapping then uses them), or
   * `'positional'` to name them `1`, `2`, … (`customer=1,item=2`). The first line is then data.
   * @default the first line is the header
   */
  columns?: readonly string[] | 'positional';
  /**
   * The file's text encoding (`latin1`, `windows-1252`, `utf16le`, …): it is decoded to UTF-8 first.
   * A UTF-8 file (the default) is checked instead: invalid UTF-8 or a NUL byte is a bad row naming
   * its line and column.
   * @default 'utf8'
   */
  encoding?: string;
  /**
   * A catalogue CSV (`id,title,author[,genre,price]`): it becomes books.csv, unsold books included;
   * lines naming a book it lacks are kept and counted as unknown books by `validate`.
   */
  books?: string;
  /** `fail`: the first bad row throws `DATA_BAD_ROW`; `skip`: bad rows are counted and left out. @default 'fail' */
  onBadRow?: 'fail' | 'skip';
  /** Bytes read so far and the file size. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

/** One skipped row, as reported. */
export interface BadRow {
  line: number;
  field: string;
  reason: string;
  /** The 1-based character position in the line, for a bad byte. */
  column?: number;
}

/** What an import read, kept and skipped. */
export interface ImportReport {
  /** Data rows read (header excluded). */
  rows: number;
  /** Order lines written. */
  lines: number;
  skippedRows: number;
  /** The first 20 skipped rows. */
  badRows: BadRow[];
}

/**
 * Import somebody else's purchase export (CSV, or JSON Lines), streamed, into the four dataset
 * files in `dir`. Ids are kept as they are (string or numeric, spaces included, at most 256 bytes);
 * a basket is the mapped basket column, else one customer at one time value, else one customer.
 * The header must name each column once and every row must have its number of fields; the text
 * must be valid UTF-8 without NUL bytes (or `encoding` names what it is). A file with no usable
 * row is refused. The files appear in `dir` only when the whole import succeeded.
 * @example await importFile(dir, 'groceries.csv', { mapping: { customer: 'transaction_number', item: 'items', time: 'date' }, dateFormat: 'DD-MM-YYYY' });
 */
export async function importFile(
  dir: string,
  path: string,
  opts: ImportFileOptions,
): Promise<WrittenFiles & { report: ImportReport }> {
  return withUtf8File(path, opts.encoding, async (utf8) => {
    // Written beside `dir` and moved in at the end: a failed import leaves `dir` as it was.
    const target = resolve(dir);
    mkdirSync(dirname(target), { recursive: true });
    const work = mkdtempSync(join(dirname(target), `.${basename(target)}.importing-`));
    try {
      const out = await importInto(work, utf8, opts);
      mkdirSync(target, { recursive: true });
      for (const f of DATASET_FILES) renameSync(join(work, f), join(target, f));
      return { ...out, dir: target };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}

async function importInto(
  dir: string,
  path: string,
  opts: ImportFileOptions,
): Promise<WrittenFiles & { report: ImportReport }> {
  const file = basename(path);
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new DataBadFileError(file, 'cannot be read: check the path');
  }
  const { mapping } = opts;
  const parseTime = mapping.time === undefined ? undefined : parseDateFormat(opts.dateFormat);
  const skip = opts.onBadRow === 'skip';
  const report: ImportReport = { rows: 0, lines: 0, skippedRows: 0, badRows: [] };
  const bad = (line: number, field: string, reason: string, column?: number): void => {
    const e = new DataBadRowError(file, line, field, reason, column);
    if (!skip) throw e;
    report.skippedRows++;
    if (report.badRows.length < 20)
      report.badRows.push({ line, field: e.field ?? field, reason: e.reason, ...(column ? { column } : {}) });
  };
  const w = new DatasetFilesWriter(dir);
  const rows = new DatasetRows(w, opts.books ? readCatalogue(opts.books) : undefined);
  const dateFormat = opts.dateFormat ?? 'iso';
  const jsonl = (opts.format ?? formatOf(path)) === 'jsonl';

  /** A row refused before its fields are read (its shape or its bytes): read, and bad. */
  const badShape: Bad = (line, field, reason, column) => {
    report.rows++;
    bad(line, field, reason, column);
  };
  /** One source row: every mapped field checked, then added; the first bad field is the fault. */
  const addRow: AddRow = (get, line, where) => {
    report.rows++;
    const fault = tryAdd(get);
    if (!fault) report.lines++;
    else {
      const at = where?.(fault[0]);
      bad(at?.line ?? line, fault[0], fault[1], at?.column);
    }
  };
  const tryAdd = (get: (col: string) => string | undefined): [string, string] | undefined => {
    const value = (role: keyof ColumnMapping): string => (get(mapping[role]!) ?? '').trim();
    // Ids are kept byte for byte ("roll products " with its space is groceries.csv's item), as
    // `train --input` and the peer trainer read them: one file, one set of ids, whichever path.
    const id = (role: keyof ColumnMapping): string => {
      const v = get(mapping[role]!) ?? '';
      return v.trim() === '' ? '' : v;
    };
    const customer = id('customer');
    if (customer === '') return [mapping.customer, 'is empty'];
    const badCustomer = idFault(customer, jsonl);
    if (badCustomer) return [mapping.customer, badCustomer];
    const item = id('item');
    if (item === '') return [mapping.item, 'is empty'];
    const badItem = idFault(item, jsonl);
    if (badItem) return [mapping.item, badItem];
    let time = Number.NaN;
    if (parseTime) {
      time = parseTime(value('time'));
      if (Number.isNaN(time))
        return [mapping.time!, `"${shown(value('time'))}" is not a date in format ${dateFormat}`];
    }
    let qty = 1;
    if (mapping.qty !== undefined && value('qty') !== '') {
      qty = /^\+?[0-9]{1,9}$/.test(value('qty')) ? Number(value('qty')) : 0;
      if (qty <= 0) return [mapping.qty, `"${shown(value('qty'))}" is not a positive integer`];
    }
    let price = '';
    if (mapping.price !== undefined && value('price') !== '') {
      const p = Number(value('price'));
      if (!Number.isFinite(p) || p < 0)
        return [mapping.price, `"${shown(value('price'))}" is not a price ≥ 0`];
      price = String(p);
    }
    const basket = mapping.basket === undefined ? undefined : id('basket');
    if (basket === '') return [mapping.basket!, 'is empty'];
    const badBasket = basket === undefined ? undefined : idFault(basket, jsonl);
    if (badBasket) return [mapping.basket!, badBasket];
    const conflict = rows.addLine(customer, item, time, qty, price, basket);
    return conflict ? [mapping.basket!, conflict] : undefined;
  };

  try {
    if (jsonl) await readJsonl(path, size, mapping, addRow, badShape, w, opts.onProgress);
    else await readCsv(path, size, opts, addRow, badShape, w);
    // An import that yields nothing must not become a dataset: `train` would write a 0-book model.
    if (report.lines === 0) throw noRowsError(file, report.skippedRows);
    await rows.finish();
    const written = await w.close(rows.itemIdKind());
    return { ...written, report };
  } catch (e) {
    await w.destroy();
    throw e;
  }
}

/** Where a mapped column's value sits in the row (line and 1-based character column), when known. */
type Where = (col: string) => { line: number; column?: number } | undefined;
type AddRow = (get: (col: string) => string | undefined, line: number, where?: Where) => void;
type Bad = (line: number, field: string, reason: string, column?: number) => void;

async function readCsv(
  path: string,
  size: number,
  opts: ImportFileOptions,
  addRow: AddRow,
  bad: Bad,
  w: DatasetFilesWriter,
): Promise<void> {
  const delimiter = opts.delimiter ?? ',';
  if (delimiter !== ',') return readCsvParse(path, size, opts, addRow, bad, w);
  // Commas: bookml's byte-level record parser (several times faster than csv-parse on big exports).
  const file = basename(path);
  let column: Map<string, number> | undefined;
  let names: string[] = [];
  let r: CsvRecord;
  const get = (col: string): string | undefined => {
    const i = column!.get(col);
    return i === undefined ? undefined : fieldText(r, i);
  };
  const where: Where = (col) => {
    const i = column!.get(col);
    return i === undefined ? undefined : fieldPosition(r, i);
  };
  await streamCsvRecords(
    path,
    (rec) => {
      r = rec;
      if (column) {
        if (rec.count !== names.length) {
          const at = fieldPosition(rec, names.length);
          bad(at.line, 'row', fieldCount(rec.count, names.length), at.column);
          return;
        }
        return addRow(get, rec.line, where);
      }
      names = opts.columns === undefined ? headerNames(rec) : headerless(opts.columns, rec.count);
      checkHeader(names, file);
      checkMapping(opts.mapping, names, file);
      column = new Map(names.map((name, i) => [name, i]));
      if (opts.columns === undefined) return;
      // No header: the first line is already a row.
      if (rec.count !== names.length) bad(rec.line, 'row', fieldCount(rec.count, names.length));
      else addRow(get, rec.line);
    },
    {
      checkText: true,
      fieldName: (i) => (column ? (names[i] ?? `field ${i + 1}`) : 'header'),
      onChunk: async (done) => {
        if (w.blocked) await w.ready();
        opts.onProgress?.(done, size);
      },
      onSyntaxError:
        opts.onBadRow === 'skip'
          ? (e) => {
              // The header cannot be skipped: without it no row means anything.
              if (!column) throw e;
              bad(e.line, e.field ?? 'row', e.reason, e.column);
            }
          : undefined,
    },
  );
  if (!column) throw new DataBadFileError(file, 'is empty: expected a header naming the columns', 'header');
}

/** The column names of a headerless file: as given, or `1`…`n` by position. */
function headerless(columns: readonly string[] | 'positional', count: number): string[] {
  return columns === 'positional' ? Array.from({ length: count }, (_, i) => String(i + 1)) : [...columns];
}

/** Every mapped column must be in the header. */
function checkMapping(mapping: ColumnMapping, names: readonly string[], file: string): void {
  for (const [role, col] of Object.entries(mapping)) {
    if (col !== undefined && !names.includes(col)) {
      throw new DataBadMappingError(
        role,
        `${file} has no column "${shown(col)}" (columns: ${shownColumns(names)})`,
      );
    }
  }
}

/**
 * Other delimiters go through csv-parse, which decodes text itself: the bytes are checked first
 * (invalid UTF-8, NUL), line by line, and a record spanning a bad line is a bad row.
 */
async function readCsvParse(
  path: string,
  size: number,
  opts: ImportFileOptions,
  addRow: AddRow,
  bad: Bad,
  w: DatasetFilesWriter,
): Promise<void> {
  const file = basename(path);
  const badLines = await textFaultsByLine(path, opts.onBadRow !== 'skip');
  let names: string[] | undefined;
  const options: CsvParseOptions = {
    bom: true,
    delimiter: opts.delimiter ?? ',',
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: opts.onBadRow === 'skip',
    on_skip: (err) => {
      bad(Number(err?.lines ?? 0), 'row', `cannot be parsed (${err?.message ?? 'bad CSV'})`);
      return undefined;
    },
  };
  const input = createReadStream(path);
  const parser = input.pipe(parse(options));
  let lastLine = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number; bytes: number };
    }>) {
      const first = lastLine + 1;
      lastLine = info.lines;
      let fault: { line: number; column: number; reason: string } | undefined;
      for (let l = first; l <= info.lines && fault === undefined; l++) fault = badLines.get(l);
      if (fault) {
        if (!names) throw new DataBadRowError(file, fault.line, 'header', fault.reason, fault.column);
        bad(fault.line, 'row', fault.reason, fault.column);
        continue;
      }
      if (!names) {
        names =
          opts.columns === undefined ? record.map((h) => h.trim()) : headerless(opts.columns, record.length);
        checkHeader(names, file);
        checkMapping(opts.mapping, names, file);
        if (opts.columns === undefined) continue;
      }
      if (record.length !== names.length) {
        bad(info.lines, 'row', fieldCount(record.length, names.length));
        continue;
      }
      const header = names;
      addRow((col) => {
        const i = header.indexOf(col);
        return i < 0 ? undefined : record[i];
      }, info.lines);
      if (w.blocked) await w.ready();
      if ((info.lines & 8191) === 0) opts.onProgress?.(info.bytes, size);
    }
  } catch (e) {
    const err = e as { code?: string; lines?: number; message?: string };
    if (typeof err.code === 'string' && err.code.startsWith('CSV_')) {
      throw new DataBadRowError(file, err.lines ?? 0, 'row', `cannot be parsed (${err.message})`);
    }
    throw e;
  } finally {
    // pipe() does not close the source when the parser stops early (a bad row).
    input.destroy();
  }
  if (!names) throw new DataBadFileError(file, 'is empty: expected a header naming the columns', 'header');
  opts.onProgress?.(size, size);
}

/**
 * Lines holding invalid UTF-8 or a NUL byte, with the column and reason; with `failFast` the first
 * one throws at once. One native check per chunk; a chunk that fails is walked line by line.
 */
async function textFaultsByLine(
  path: string,
  failFast: boolean,
): Promise<Map<number, { line: number; column: number; reason: string }>> {
  const file = basename(path);
  const faults = new Map<number, { line: number; column: number; reason: string }>();
  let line = 1;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const b = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    const end = b.lastIndexOf(10) + 1;
    scanLines(b, 0, end);
    carry = Buffer.from(b.subarray(end));
  }
  scanLines(carry, 0, carry.length);
  return faults;

  function scanLines(b: Buffer, start: number, end: number): void {
    if (cleanText(b, start, end)) {
      for (let p = b.indexOf(10, start); p >= 0 && p < end; p = b.indexOf(10, p + 1)) line++;
      return;
    }
    let s = start;
    while (s < end) {
      const nl = b.indexOf(10, s);
      const e = nl < 0 || nl >= end ? end : nl + 1;
      const f = findTextFault(b, s, e);
      if (f) {
        const at = lineAndColumn(b, s, f.offset, line);
        if (failFast) throw new DataBadRowError(file, at.line, 'row', f.reason, at.column);
        faults.set(at.line, { line: at.line, column: at.column, reason: f.reason });
      }
      line++;
      s = e;
    }
  }
}

async function readJsonl(
  path: string,
  size: number,
  mapping: ColumnMapping,
  addRow: AddRow,
  bad: Bad,
  w: DatasetFilesWriter,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const keys = Object.values(mapping).filter((k): k is string => k !== undefined);
  await readJsonlFile(
    path,
    (o, line, columnOf) => {
      const text = new Map<string, string>();
      for (const key of keys) {
        const v = jsonlValue(ownValue(o, key));
        if (v === undefined) continue;
        if ('fault' in v) return bad(line, key, v.fault, columnOf(key));
        text.set(key, v.text);
      }
      // A required key the object lacks is JSON's "too few fields"; say so rather than "is empty".
      for (const key of [mapping.customer, mapping.item, mapping.basket]) {
        if (key !== undefined && !text.has(key))
          return bad(line, key, `is missing: the object has no "${key}" key (too few fields)`);
      }
      addRow(
        (col) => text.get(col),
        line,
        (col) => ({ line, column: columnOf(col) }),
      );
    },
    {
      checkText: true,
      uniqueKeys: keys,
      onBadLine: (line, reason, column) => bad(line, 'line', reason, column),
      onChunk: async () => {
        if (w.blocked) await w.ready();
      },
      onProgress,
    },
  );
  onProgress?.(size, size);
}
