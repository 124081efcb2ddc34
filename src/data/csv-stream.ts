import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  bomLength,
  type CsvRecord,
  carryOver,
  isBlankLine,
  newRecord,
  recordTextFault,
  scanRecord,
} from './csv-reader.js';
import { DataBadFileError, DataBadRowError } from './errors.js';
import { cleanText } from './text-check.js';

export interface CsvStreamOptions {
  /** Bytes per read. @default 1 MiB */
  chunkBytes?: number;
  /**
   * Awaited after each chunk with the bytes consumed so far and the file size: the place to let
   * writers drain and a progress bar redraw.
   */
  onChunk?: (doneBytes: number, totalBytes: number) => void | Promise<void>;
  /**
   * A record that breaks CSV quoting (text after a closing quote, a quote never closed). Without
   * this the `DATA_BAD_ROW` is thrown; with it, the reader reports it and goes on at the next line.
   */
  onSyntaxError?: (error: DataBadRowError) => void;
  /**
   * Refuse records holding invalid UTF-8 or a NUL byte (a `DATA_BAD_ROW` naming line and column,
   * thrown or handed to `onSyntaxError` like a quoting error) instead of passing them on.
   */
  checkText?: boolean;
  /** The name of field `i` (0-based) for messages, e.g. the header's column name. @default `field <i+1>` */
  fieldName?: (i: number) => string;
}

const LF = 10;

/**
 * The asynchronous twin of `readCsvFile` for imports: the same byte-level record parser
 * (`scanRecord`: commas, RFC 4180 quotes, CRLF, a UTF-8 BOM), but reading with `await` between
 * chunks, so a caller writing files as it reads keeps memory bounded (it can await its writers in
 * `onChunk`) and the event loop (a progress bar) keeps running. Records, header included, go to
 * `onRecord` with `line` = the physical line they start on.
 * @returns the file size in bytes.
 * @example await streamCsvRecords('export.csv', (r) => console.log(r.line, fieldText(r, 0)));
 */
export async function streamCsvRecords(
  path: string,
  onRecord: (r: CsvRecord) => void,
  opts: CsvStreamOptions = {},
): Promise<number> {
  const file = basename(path);
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new DataBadFileError(file, `cannot open (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const size = (await fh.stat()).size;
    let buf: Buffer = Buffer.allocUnsafe(Math.max(64, opts.chunkBytes ?? 1 << 20));
    const rec = newRecord(buf);
    let filled = 0;
    let consumed = 0;
    let first = true;
    for (;;) {
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, null);
      filled += bytesRead;
      const final = bytesRead === 0;
      let pos = first ? bomLength(buf, filled) : 0;
      first = false;
      const view = buf.subarray(0, filled);
      rec.buf = view;
      // One native pass over the chunk's whole lines; only a chunk that fails is checked per record.
      const lastLine = final ? filled : view.lastIndexOf(LF, filled - 1) + 1;
      const dirty = opts.checkText === true && !cleanText(view, pos, lastLine);
      while (pos < filled) {
        let next: number;
        try {
          next = scanRecord(view, pos, final, rec, file);
          if (dirty && next >= 0) {
            const bad = recordTextFault(view, pos, next, rec, file, opts.fieldName);
            if (bad) {
              if (!opts.onSyntaxError) throw bad;
              opts.onSyntaxError(bad);
              rec.line = rec.nextLine;
              pos = next;
              continue;
            }
          }
        } catch (e) {
          if (!(e instanceof DataBadRowError) || !opts.onSyntaxError) throw e;
          // Resume at the next line: the rest of the broken record is lost, the file is not.
          const nl = view.indexOf(LF, pos);
          if (nl < 0 && !final) break;
          opts.onSyntaxError(e);
          rec.line++;
          pos = nl < 0 ? filled : nl + 1;
          continue;
        }
        if (next < 0) break;
        if (!isBlankLine(view, pos, rec)) onRecord(rec);
        rec.line = rec.nextLine;
        pos = next;
      }
      consumed += pos;
      await opts.onChunk?.(consumed, size);
      if (final) return size;
      ({ buf, filled } = carryOver(buf, pos, filled));
    }
  } finally {
    await fh.close();
  }
}
