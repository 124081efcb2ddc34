import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { type Options as CsvParseOptions, parse } from 'csv-parse';
import { readCatalogue } from './catalogue-file.js';
import { type CsvRecord, fieldText, headerNames } from './csv-reader.js';
import { streamCsvRecords } from './csv-stream.js';
import { DatasetRows } from './dataset-rows.js';
import { DatasetFilesWriter, type WrittenFiles } from './dataset-writer.js';
import { parseDateFormat } from './date-format.js';
import { DataBadFileError, DataBadMappingError, DataBadRowError } from './errors.js';
import { type ColumnMapping, formatOf } from './read-interactions-file.js';

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
 * Import somebody else's purchase export (CSV through csv-parse, or JSON Lines), streamed, into
 * the four dataset files in `dir`. Ids are kept as they are (string or numeric, spaces included);
 * a basket is the mapped basket column, else one customer at one time value, else one customer.
 * @example await importFile(dir, 'groceries.csv', { mapping: { customer: 'transaction_number', item: 'items', time: 'date' }, dateFormat: 'DD-MM-YYYY' });
 */
export async function importFile(
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
  const bad = (line: number, field: string, reason: string): void => {
    if (!skip) throw new DataBadRowError(file, line, field, reason);
    report.skippedRows++;
    if (report.badRows.length < 20) report.badRows.push({ line, field, reason });
  };
  const w = new DatasetFilesWriter(dir);
  const rows = new DatasetRows(w, opts.books ? readCatalogue(opts.books) : undefined);
  const dateFormat = opts.dateFormat ?? 'iso';

  /** One source row: every mapped field checked, then added; the first bad field is the fault. */
  const addRow = (get: (col: string) => string | undefined, line: number): void => {
    report.rows++;
    const fault = tryAdd(get);
    if (fault) bad(line, fault[0], fault[1]);
    else report.lines++;
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
    const item = id('item');
    if (item === '') return [mapping.item, 'is empty'];
    let time = Number.NaN;
    if (parseTime) {
      time = parseTime(value('time'));
      if (Number.isNaN(time))
        return [mapping.time!, `"${value('time')}" is not a date in format ${dateFormat}`];
    }
    let qty = 1;
    if (mapping.qty !== undefined && value('qty') !== '') {
      qty = /^\+?[0-9]{1,9}$/.test(value('qty')) ? Number(value('qty')) : 0;
      if (qty <= 0) return [mapping.qty, `"${value('qty')}" is not a positive integer`];
    }
    let price = '';
    if (mapping.price !== undefined && value('price') !== '') {
      const p = Number(value('price'));
      if (!Number.isFinite(p) || p < 0) return [mapping.price, `"${value('price')}" is not a price ≥ 0`];
      price = String(p);
    }
    const basket = mapping.basket === undefined ? undefined : id('basket');
    if (basket === '') return [mapping.basket!, 'is empty'];
    const conflict = rows.addLine(customer, item, time, qty, price, basket);
    return conflict ? [mapping.basket!, conflict] : undefined;
  };

  try {
    if ((opts.format ?? formatOf(path)) === 'jsonl')
      await readJsonl(path, size, addRow, bad, w, opts.onProgress);
    else await readCsv(path, size, opts, addRow, bad, w);
    await rows.finish();
    const written = await w.close(rows.itemIdKind());
    return { ...written, report };
  } catch (e) {
    w.destroy();
    throw e;
  }
}

type AddRow = (get: (col: string) => string | undefined, line: number) => void;
type Bad = (line: number, field: string, reason: string) => void;

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
  let column: Map<string, number> | undefined;
  let r: CsvRecord;
  const get = (col: string): string | undefined => {
    const i = column!.get(col);
    return i === undefined ? undefined : fieldText(r, i);
  };
  await streamCsvRecords(
    path,
    (rec) => {
      r = rec;
      if (column) return addRow(get, rec.line);
      const names = headerNames(rec);
      checkMapping(opts.mapping, names, basename(path));
      column = new Map();
      names.forEach((name, i) => {
        if (!column!.has(name)) column!.set(name, i);
      });
    },
    {
      onChunk: async (done) => {
        if (w.blocked) await w.ready();
        opts.onProgress?.(done, size);
      },
      onSyntaxError:
        opts.onBadRow === 'skip'
          ? (e) => bad(e.line, e.field ?? 'row', `cannot be parsed (${e.reason})`)
          : undefined,
    },
  );
  if (!column)
    throw new DataBadFileError(basename(path), 'is empty: expected a header naming the columns', 'header');
}

/** Every mapped column must be in the header. */
function checkMapping(mapping: ColumnMapping, names: readonly string[], file: string): void {
  for (const [role, col] of Object.entries(mapping)) {
    if (col !== undefined && !names.includes(col)) {
      throw new DataBadMappingError(role, `${file} has no column "${col}" (columns: ${names.join(', ')})`);
    }
  }
}

/** Other delimiters go through csv-parse. */
async function readCsvParse(
  path: string,
  size: number,
  opts: ImportFileOptions,
  addRow: AddRow,
  bad: Bad,
  w: DatasetFilesWriter,
): Promise<void> {
  const file = basename(path);
  const options: CsvParseOptions = {
    bom: true,
    delimiter: opts.delimiter ?? ',',
    columns: (header: string[]) => {
      const names = header.map((h) => h.trim());
      checkMapping(opts.mapping, names, file);
      return names;
    },
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
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number; bytes: number };
    }>) {
      addRow((col) => record[col], info.lines);
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
  opts.onProgress?.(size, size);
}

async function readJsonl(
  path: string,
  size: number,
  addRow: AddRow,
  bad: Bad,
  w: DatasetFilesWriter,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const input = createReadStream(path);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      bad(n, 'line', 'is not valid JSON');
      continue;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      bad(n, 'line', 'is not a JSON object');
      continue;
    }
    const o = obj as Record<string, unknown>;
    addRow((col) => (o[col] === undefined || o[col] === null ? undefined : String(o[col])), n);
    if (w.blocked) await w.ready();
    if ((n & 8191) === 0) onProgress?.(input.bytesRead, size);
  }
  onProgress?.(size, size);
}
