import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { DataBadFileError, DataBadRowError } from './errors.js';
import { duplicateKey, keyColumn } from './jsonl-fields.js';
import { cleanText, findTextFault, lineAndColumn } from './text-check.js';

export interface JsonlReadOptions {
  /** Bytes read so far and the file size. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /**
   * Called for a line that is not a JSON object (or, with `checkText`, holds invalid UTF-8 or a NUL
   * byte, then with its column); the default throws `DATA_BAD_ROW`.
   */
  onBadLine?: (line: number, reason: string, column?: number) => void;
  /** Sees every byte of the file, in order (e.g. to hash it while parsing). */
  onBytes?: (chunk: Buffer) => void;
  /** Awaited after each chunk (a writer draining): the read pauses until it resolves. */
  onChunk?: () => Promise<void> | void;
  /** Refuse lines holding invalid UTF-8 or a NUL byte instead of decoding them with U+FFFD. */
  checkText?: boolean;
  /**
   * Keys that must appear at most once in an object (the mapped ones): JSON.parse keeps the last of
   * two silently, so an object naming one twice is a bad line naming the key and its column.
   */
  uniqueKeys?: readonly string[];
}

/** Where a key of the current object starts: its 1-based character column, or undefined. */
export type KeyColumn = (key: string) => number | undefined;

/**
 * Stream a JSON Lines file (one object per line, blank lines ignored) in 1 MiB chunks, calling
 * `onObject` with each object and its 1-based line number. Memory stays one chunk plus one line.
 */
export async function readJsonlFile(
  path: string,
  onObject: (obj: Record<string, unknown>, line: number, columnOf: KeyColumn) => void,
  opts: JsonlReadOptions = {},
): Promise<void> {
  const file = basename(path);
  const onBad =
    opts.onBadLine ??
    ((line: number, reason: string, column?: number) => {
      throw new DataBadRowError(file, line, 'line', reason, column);
    });
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new DataBadFileError(file, `cannot open (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const size = fstatSync(fd).size;
    let buf = Buffer.allocUnsafe(1 << 20);
    let filled = 0;
    let done = 0;
    let line = 0;
    let dirty = false;
    const handle = (b: Buffer, s: number, e: number): void => {
      line++;
      if (dirty && !cleanText(b, s, e)) {
        const f = findTextFault(b, s, e);
        if (f) {
          onBad(line, f.reason, lineAndColumn(b, s, f.offset, line).column);
          return;
        }
      }
      if (e > s && b[e - 1] === 13) e--;
      let k = s;
      while (k < e && (b[k] === 32 || b[k] === 9)) k++;
      if (k === e) return;
      const text = b.toString('utf8', s, e);
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (err) {
        onBad(line, `is not valid JSON (${jsonSyntaxReason(err)})`, jsonSyntaxColumn(err, text));
        return;
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
        onBad(line, 'is not a JSON object', k - s + 1);
        return;
      }
      const twice = opts.uniqueKeys && duplicateKey(text, opts.uniqueKeys);
      if (twice) {
        onBad(line, `names key ${JSON.stringify(twice.key)} twice; keep one`, twice.column);
        return;
      }
      onObject(obj as Record<string, unknown>, line, (key) => keyColumn(text, key));
    };
    for (;;) {
      const n = readSync(fd, buf, filled, buf.length - filled, null);
      if (n > 0) opts.onBytes?.(buf.subarray(filled, filled + n));
      filled += n;
      let s = 0;
      dirty = opts.checkText === true && !cleanText(buf, 0, filled);
      for (let nl = buf.indexOf(10, 0); nl >= 0 && nl < filled; nl = buf.indexOf(10, s)) {
        handle(buf, s, nl);
        s = nl + 1;
      }
      if (n === 0) {
        if (s < filled) handle(buf, s, filled);
        opts.onProgress?.(size, size);
        return;
      }
      done += s;
      opts.onProgress?.(done, size);
      await opts.onChunk?.();
      if (s === 0 && filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      } else {
        buf.copy(buf, 0, s, filled);
        filled -= s;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** V8's reason for a JSON syntax error without the (possibly huge) echo of the input. */
function jsonSyntaxReason(err: unknown): string {
  const m = String((err as Error)?.message ?? err);
  const cut = m.replace(/ in JSON at position \d+.*$/s, '').replace(/, "[\s\S]*$/, '');
  return cut.length > 80 ? `${cut.slice(0, 80)}…` : cut;
}

/** The 1-based character column V8 names in a JSON syntax error, when it names one. */
function jsonSyntaxColumn(err: unknown, text: string): number | undefined {
  const m = /position (\d+)/.exec(String((err as Error)?.message ?? ''));
  if (!m) return undefined;
  const at = Number(m[1]);
  let column = 1;
  for (let i = 0; i < at && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) column++;
  }
  return column;
}
