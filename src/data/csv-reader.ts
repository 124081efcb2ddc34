import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { DataBadFileError, DataBadRowError } from './errors.js';
import { cleanText, findTextFault, lineAndColumn, shownColumns } from './text-check.js';

/**
 * A byte-level RFC 4180 CSV reader for bookml's own dataset files and for big purchase-line
 * exports. It reads the file in fixed-size chunks and hands each record to a callback as field
 * offsets into the chunk, so a caller can parse integers straight from bytes and only decode the
 * strings it keeps. No per-line strings, no per-line objects: the record object is reused.
 *
 * It knows commas, double quotes, CRLF and a UTF-8 BOM, nothing else: imports with another
 * delimiter go through csv-parse (see import-file.ts); comma imports use its asynchronous twin,
 * csv-stream.ts, built from the same pieces.
 */

/** One record, valid only during the callback: fields are `buf[start[i] .. end[i])`. */
export interface CsvRecord {
  buf: Buffer;
  start: Int32Array;
  end: Int32Array;
  /** 1 when field i was quoted and holds doubled quotes to unescape. */
  escaped: Uint8Array;
  /** Number of fields in this record. */
  count: number;
  /** 1-based physical line on which the record starts (the header is line 1). */
  line: number;
  /** The line after the record (more than line + 1 when quoted fields hold line breaks). */
  nextLine: number;
  /** Offset in `buf` where the record starts (for positions in messages). */
  at: number;
}

export interface CsvReadOptions {
  /** Bytes per read. @default 1 MiB */
  chunkBytes?: number;
  /** Called after each chunk with bytes consumed so far and the file size, in bytes. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** Sees every byte of the file, in order (e.g. to hash it while parsing). */
  onBytes?: (chunk: Buffer) => void;
  /**
   * Fast path for files led by integer columns (order lines, orders, purchase exports): after the
   * header, a line whose first `ints` fields are canonical integers below 10^9 and which holds no
   * quote goes to `onInts` with the values parsed from bytes; every other line goes to `onRecord`.
   */
  fast?: { ints: number; onInts: (line: IntLine) => void };
  /**
   * Refuse lines holding invalid UTF-8 or a NUL byte: each is a `DATA_BAD_ROW` naming line and
   * column, handed to `onBadText` (thrown when there is none) and left out.
   */
  checkText?: boolean;
  onBadText?: (error: DataBadRowError) => void;
  /** The name of field `i` (0-based) for messages, e.g. the header's column name. @default `field <i+1>` */
  fieldName?: (i: number) => string;
}

/** A line taken by the fast path: leading integers and where the rest of the line lies. */
export interface IntLine {
  buf: Buffer;
  /** The leading integer fields. */
  v: Int32Array;
  /** The bytes after the integers' trailing comma, up to the line end without CR: `buf[restStart..restEnd)`. */
  restStart: number;
  restEnd: number;
  /** 1-based line number. */
  line: number;
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * Call `onRecord` for every non-empty record of the CSV file at `path`, header included (and,
 * with `opts.fast`, `onInts` for the lines the fast path takes).
 * @returns the file size in bytes.
 */
export function readCsvFile(
  path: string,
  onRecord: (r: CsvRecord) => void,
  opts: CsvReadOptions = {},
): number {
  const name = basename(path);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new DataBadFileError(name, `cannot open (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const size = fstatSync(fd).size;
    let buf: Buffer = Buffer.allocUnsafe(Math.max(64, opts.chunkBytes ?? 1 << 20));
    const rec = newRecord(buf);
    const fast = opts.fast && {
      ints: opts.fast.ints,
      onInts: opts.fast.onInts,
      out: { buf, v: new Int32Array(opts.fast.ints), restStart: 0, restEnd: 0, line: 0 },
      headerSeen: false,
      quoteAt: -1,
    };
    let filled = 0;
    let consumedTotal = 0;
    let first = true;
    for (;;) {
      const n = readSync(fd, buf, filled, buf.length - filled, null);
      if (n > 0) opts.onBytes?.(buf.subarray(filled, filled + n));
      filled += n;
      const from = first ? bomLength(buf, filled) : 0;
      first = false;
      const view = buf.subarray(0, filled);
      rec.buf = view;
      const lastLine = n === 0 ? filled : view.lastIndexOf(LF, filled - 1) + 1;
      const text =
        opts.checkText === true && !cleanText(view, from, lastLine)
          ? {
              fieldName: opts.fieldName,
              onBad:
                opts.onBadText ??
                ((e: DataBadRowError) => {
                  throw e;
                }),
            }
          : undefined;
      const used = scan(view, from, n === 0, rec, onRecord, name, fast, text);
      consumedTotal += used;
      opts.onProgress?.(consumedTotal, size);
      if (n === 0) return size;
      ({ buf, filled } = carryOver(buf, used, filled));
    }
  } finally {
    closeSync(fd);
  }
}

interface FastState {
  ints: number;
  onInts: (line: IntLine) => void;
  out: IntLine;
  headerSeen: boolean;
  /** Offset of the next quote at or after the current line in this chunk (∞: none). */
  quoteAt: number;
}

/**
 * Parse whole records in `b[pos..)`; returns the offset after the last complete one. When not
 * `final`, a record that runs into the end of `b` is left for the next chunk.
 */
function scan(
  b: Buffer,
  pos: number,
  final: boolean,
  rec: CsvRecord,
  onRecord: (r: CsvRecord) => void,
  file: string,
  fast: FastState | undefined,
  text?: { fieldName: ((i: number) => string) | undefined; onBad: (e: DataBadRowError) => void },
): number {
  const limit = b.length;
  if (fast) {
    fast.out.buf = b;
    fast.quoteAt = -1;
  }
  while (pos < limit) {
    if (fast?.headerSeen) {
      const next = intLine(b, pos, final, fast);
      if (next === -2) return pos;
      if (next >= 0) {
        // A line the fast path takes is digits and commas up to its rest: check the rest only.
        if (text && !cleanText(b, fast.out.restStart, fast.out.restEnd)) {
          const f = findTextFault(b, pos, next);
          if (f) {
            const at = lineAndColumn(b, pos, f.offset, rec.line);
            text.onBad(new DataBadRowError(file, at.line, 'row', f.reason, at.column));
            rec.line++;
            pos = next;
            continue;
          }
        }
        fast.out.line = rec.line;
        fast.onInts(fast.out);
        rec.line++;
        pos = next;
        continue;
      }
    }
    const next = scanRecord(b, pos, final, rec, file);
    if (next < 0) return pos;
    const bad = text ? recordTextFault(b, pos, next, rec, file, text.fieldName) : undefined;
    if (bad) text?.onBad(bad);
    else if (!isBlankLine(b, pos, rec)) {
      onRecord(rec);
      if (fast) fast.headerSeen = true;
    }
    rec.line = rec.nextLine;
    pos = next;
  }
  return pos;
}

/**
 * The fast path: parse `fast.ints` leading canonical integers of the line at `pos`, then find the
 * line end. Returns the next line's offset, -1 when the line needs the full parser (a non-integer,
 * a quote), or -2 when the line runs past the end of the chunk.
 */
function intLine(b: Buffer, pos: number, final: boolean, fast: FastState): number {
  const limit = b.length;
  const v = fast.out.v;
  let p = pos;
  for (let f = 0; f < fast.ints; f++) {
    if (p >= limit) return final ? -1 : -2;
    let c = b[p];
    if (c < 48 || c > 57 || (c === 48 && b[p + 1] >= 48 && b[p + 1] <= 57)) return -1;
    let x = 0;
    const s = p;
    while (c >= 48 && c <= 57) {
      x = x * 10 + (c - 48);
      c = b[++p];
    }
    if (p - s > 9) return -1;
    v[f] = x;
    if (p >= limit) {
      if (!final) return -2;
      if (f < fast.ints - 1) return -1;
      fast.out.restStart = fast.out.restEnd = p;
      return p;
    }
    if (c === COMMA) p++;
    else if (f < fast.ints - 1 || (c !== LF && c !== CR)) return -1;
  }
  fast.out.restStart = p;
  // The rest of the line is found with native searches: the line end, and whether a quote (which
  // could hide a line break) falls before it.
  let e = b.indexOf(LF, p);
  if (e < 0) {
    if (!final) return -2;
    e = limit;
  }
  if (fast.quoteAt < p) {
    const q = b.indexOf(QUOTE, p);
    fast.quoteAt = q < 0 ? Number.POSITIVE_INFINITY : q;
  }
  if (fast.quoteAt < e) return -1;
  fast.out.restEnd = e > p && b[e - 1] === CR ? e - 1 : e;
  return e < limit ? e + 1 : e;
}

/**
 * Parse one record at `pos` into `rec` (starting on line `rec.line`; `rec.nextLine` is set to the
 * line after it). Returns the offset after the record, or -1 when it runs past the end of a
 * non-final chunk.
 */
export function scanRecord(b: Buffer, pos: number, final: boolean, rec: CsvRecord, file: string): number {
  const limit = b.length;
  let n = 0;
  let line = rec.line;
  let p = pos;
  rec.at = pos;
  for (;;) {
    if (n === rec.start.length) grow(rec);
    if (b[p] === QUOTE) {
      let q = p + 1;
      let esc = 0;
      for (;;) {
        const close = b.indexOf(QUOTE, q);
        if (close < 0 || close + 1 >= limit) {
          if (close >= 0 && final) {
            q = close;
            break;
          }
          if (!final) return -1;
          throw new DataBadRowError(file, rec.line, `field ${n + 1}`, 'has an unterminated quote');
        }
        if (b[close + 1] === QUOTE) {
          esc = 1;
          q = close + 2;
          continue;
        }
        q = close;
        break;
      }
      for (let k = p + 1; k < q; k++) if (b[k] === LF) line++;
      rec.start[n] = p + 1;
      rec.end[n] = q;
      rec.escaped[n] = esc;
      p = q + 1;
      const c = b[p];
      if (p < limit && c !== COMMA && c !== LF && c !== CR) {
        throw new DataBadRowError(file, rec.line, `field ${n + 1}`, 'has text after its closing quote');
      }
    } else {
      const s = p;
      // Most bytes (digits, letters, '-', '.', ':') sort above the comma: one compare each.
      while (p < limit) {
        const c = b[p];
        if (c > COMMA || (c !== COMMA && c !== LF && c !== CR)) p++;
        else break;
      }
      rec.start[n] = s;
      rec.end[n] = p;
      rec.escaped[n] = 0;
    }
    n++;
    if (p >= limit) {
      if (!final) return -1;
      break;
    }
    const c = b[p];
    if (c === COMMA) {
      p++;
      continue;
    }
    if (c === CR) {
      if (p + 1 >= limit && !final) return -1;
      p += b[p + 1] === LF ? 2 : 1;
    } else p++;
    line++;
    break;
  }
  rec.count = n;
  rec.nextLine = line;
  return p;
}

/**
 * The `DATA_BAD_ROW` for a record `b[start, end)` (just scanned into `rec`) that holds invalid
 * UTF-8 or a NUL byte — naming its line, column and field — or undefined when it is clean.
 */
export function recordTextFault(
  b: Buffer,
  start: number,
  end: number,
  rec: CsvRecord,
  file: string,
  fieldName?: (i: number) => string,
): DataBadRowError | undefined {
  if (cleanText(b, start, end)) return undefined;
  const f = findTextFault(b, start, end);
  if (f === undefined) return undefined;
  const at = lineAndColumn(b, start, f.offset, rec.line);
  let field = 'row';
  for (let i = 0; i < rec.count; i++) {
    // A quoted field's bytes start one after its opening quote.
    if (start + f.offset >= rec.start[i] - 1 && start + f.offset < rec.end[i] + 1) {
      field = fieldName?.(i) ?? `field ${i + 1}`;
      break;
    }
  }
  return new DataBadRowError(file, at.line, field, f.reason, at.column);
}

/** A record to reuse for every record of one file (it grows to the widest). */
export function newRecord(buf: Buffer): CsvRecord {
  return {
    buf,
    start: new Int32Array(16),
    end: new Int32Array(16),
    escaped: new Uint8Array(16),
    count: 0,
    line: 1,
    nextLine: 1,
    at: 0,
  };
}

/**
 * The physical line and 1-based character column where field `i` of the record just scanned starts
 * (its opening quote, when quoted); past the last field, the end of the record's last field.
 * @example fieldPosition(rec, 2) // { line: 7, column: 12 }
 */
export function fieldPosition(rec: CsvRecord, i: number): { line: number; column: number } {
  const b = rec.buf;
  let p: number;
  if (i < rec.count) {
    const s = rec.start[i];
    p = s > rec.at && b[s - 1] === QUOTE ? s - 1 : s;
  } else {
    p = rec.end[rec.count - 1];
    if (b[p] === QUOTE) p++;
  }
  return lineAndColumn(b, rec.at, p - rec.at, rec.line);
}

/** 3 when the first `filled` bytes of `b` start with a UTF-8 BOM, else 0. */
export function bomLength(b: Buffer, filled: number): number {
  return filled >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
}

/** An empty line parses as one empty field: skip it rather than call it a record. */
export function isBlankLine(b: Buffer, pos: number, rec: CsvRecord): boolean {
  return rec.count === 1 && rec.start[0] === rec.end[0] && b[pos] !== QUOTE;
}

/**
 * After a chunk of which `used` bytes were parsed: move the unparsed tail to the front for the
 * next read, or, when one record fills the whole buffer, grow it and keep what was read.
 */
export function carryOver(buf: Buffer, used: number, filled: number): { buf: Buffer; filled: number } {
  if (used === 0 && filled === buf.length) {
    const bigger = Buffer.allocUnsafe(buf.length * 2);
    buf.copy(bigger, 0, 0, filled);
    return { buf: bigger, filled };
  }
  buf.copy(buf, 0, used, filled);
  return { buf, filled: filled - used };
}

function grow(rec: CsvRecord): void {
  const n = rec.start.length * 2;
  const s = new Int32Array(n);
  s.set(rec.start);
  const e = new Int32Array(n);
  e.set(rec.end);
  const q = new Uint8Array(n);
  q.set(rec.escaped);
  rec.start = s;
  rec.end = e;
  rec.escaped = q;
}

/**
 * The header of a CSV file (its first record), trimmed unless `trim` is false; [] for an empty file.
 * @throws DataBadFileError when the file cannot be opened or read
 */
export function readCsvHeader(path: string, trim = true): string[] {
  const name = basename(path);
  const cannot = (what: string, e: unknown) =>
    new DataBadFileError(name, `cannot ${what} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw cannot('open', e);
  }
  try {
    const buf = Buffer.allocUnsafe(1 << 16);
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, 0);
    } catch (e) {
      throw cannot('read', e);
    }
    const from = bomLength(buf, n);
    const rec = newRecord(buf.subarray(0, n));
    if (n === 0 || scanRecord(rec.buf, from, true, rec, name) < 0) return [];
    return trim ? headerNames(rec) : fieldTexts(rec);
  } finally {
    closeSync(fd);
  }
}

/** A header record's column names, trimmed. */
export function headerNames(r: CsvRecord): string[] {
  return fieldTexts(r).map((s) => s.trim());
}

/** Every field of a record as a string (unescaped). */
export function fieldTexts(r: CsvRecord): string[] {
  return Array.from({ length: r.count }, (_, i) => fieldText(r, i));
}

/** Field `i` as a string (unescaped); "" when the record has fewer fields. */
export function fieldText(r: CsvRecord, i: number): string {
  if (i >= r.count) return '';
  const s = r.buf.toString('utf8', r.start[i], r.end[i]);
  return r.escaped[i] ? s.replaceAll('""', '"') : s;
}

/**
 * Field `i` as a canonical non-negative decimal integer below 10^9 (no sign, no leading zero),
 * read from bytes; -1 when it is anything else. Canonical only, so "007" and "7" stay distinct ids.
 */
export function fieldInt(r: CsvRecord, i: number): number {
  if (i >= r.count) return -1;
  const b = r.buf;
  let s = r.start[i];
  const e = r.end[i];
  const len = e - s;
  if (len === 0 || len > 9 || (b[s] === 48 && len > 1)) return -1;
  let v = 0;
  for (; s < e; s++) {
    const d = b[s] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** True when field `i` is empty (or missing). */
export function fieldEmpty(r: CsvRecord, i: number): boolean {
  return i >= r.count || r.start[i] === r.end[i];
}

/**
 * Column positions of `names` in a header record; throws naming the first missing column.
 * @example const [id, title] = headerColumns(rec, ['id', 'title'], 'books.csv');
 */
export function headerColumns(r: CsvRecord, names: readonly string[], file: string): number[] {
  const header = headerNames(r);
  return names.map((name) => {
    const at = header.indexOf(name);
    if (at < 0) {
      throw new DataBadFileError(
        file,
        `header has no "${name}" column (header: ${shownColumns(header)})`,
        name,
      );
    }
    return at;
  });
}
