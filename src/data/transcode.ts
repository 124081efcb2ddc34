import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DataBadFileError, DataBadOptionError } from './errors.js';

const UTF8 = new Set(['utf8', 'utf-8', 'unicode-1-1-utf-8']);

/**
 * Checks an `--encoding` value: any label the WHATWG Encoding Standard knows (`latin1` is read as
 * windows-1252, as browsers do; `utf16le`, `iso-8859-2`, `shift_jis`, …). Returns undefined for UTF-8,
 * which is read as it is.
 * @throws DataError `DATA_BAD_OPTION` naming `--encoding`
 */
export function checkEncoding(encoding: string | undefined): string | undefined {
  if (encoding === undefined || UTF8.has(encoding.trim().toLowerCase())) return undefined;
  const label = encoding.trim().toLowerCase() === 'utf16le' ? 'utf-16le' : encoding.trim();
  try {
    new TextDecoder(label);
  } catch {
    throw new DataBadOptionError(
      '--encoding',
      `"${encoding}" is not an encoding bookml knows; use utf8 (the default), latin1, windows-1252, utf16le, …`,
    );
  }
  return label;
}

/**
 * Runs `fn` on a UTF-8 copy of `path` when `encoding` names another encoding (decoded in 1 MiB
 * chunks into a temp file, removed afterwards), else on `path` itself. A byte sequence the
 * encoding cannot decode fails naming its byte offset.
 * @example await withUtf8File('export.csv', 'latin1', (file) => importFile(dir, file, opts));
 */
export async function withUtf8File<T>(
  path: string,
  encoding: string | undefined,
  fn: (utf8Path: string) => Promise<T>,
): Promise<T> {
  const label = checkEncoding(encoding);
  if (label === undefined) return fn(path);
  const file = basename(path);
  const dir = mkdtempSync(join(tmpdir(), 'bookml-utf8-'));
  try {
    const out = join(dir, file);
    let input: number;
    try {
      input = openSync(path, 'r');
    } catch (e) {
      throw new DataBadFileError(file, `cannot open (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const output = openSync(out, 'w');
    try {
      const decoder = new TextDecoder(label, { fatal: true });
      const buf = Buffer.allocUnsafe(1 << 20);
      let at = 0;
      for (;;) {
        const n = readSync(input, buf, 0, buf.length, null);
        let text: string;
        try {
          text = decoder.decode(buf.subarray(0, n), { stream: n > 0 });
        } catch {
          throw new DataBadFileError(
            file,
            `is not valid ${label} (in bytes ${at}–${at + n}); check --encoding`,
            'encoding',
          );
        }
        if (text.length > 0) writeSync(output, Buffer.from(text, 'utf8'));
        if (n === 0) break;
        at += n;
      }
    } finally {
      closeSync(input);
      closeSync(output);
    }
    return await fn(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
