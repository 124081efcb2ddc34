import { isUtf8 } from 'node:buffer';

// Import text must be UTF-8 without NUL bytes: an invalid byte decoded as U+FFFD would merge two
// different ids ("caf\xe9" and "caf\xe8" both become "caf\ufffd"), and a NUL hides the rest of an id
// from every tool that reads it as a C string. Checking a whole chunk is one native pass each
// (simdutf, memchr); only a chunk that fails is examined record by record.

/** Longest id (customer, book, basket) an import accepts, in UTF-8 bytes. */
export const MAX_ID_BYTES = 256;

/** True when `b[start, end)` is valid UTF-8 and holds no NUL byte. */
export function cleanText(b: Buffer, start: number, end: number): boolean {
  if (end <= start) return true;
  const nul = b.indexOf(0, start);
  if (nul >= 0 && nul < end) return false;
  return isUtf8(b.subarray(start, end));
}

/** What is wrong with a span of text, and where: the byte offset from the span's start. */
export interface TextFault {
  offset: number;
  reason: string;
}

/**
 * The first NUL or invalid UTF-8 byte in `b[start, end)`, or undefined when the span is clean.
 * Call it on a span {@link cleanText} refused: it walks the bytes in JavaScript.
 */
export function findTextFault(b: Buffer, start: number, end: number): TextFault | undefined {
  let p = start;
  while (p < end) {
    const c = b[p];
    if (c === 0) return { offset: p - start, reason: 'holds a NUL byte (0x00)' };
    if (c < 0x80) {
      p++;
      continue;
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    let ok = need > 0 && p + need < end;
    for (let k = 1; ok && k <= need; k++) if ((b[p + k] & 0xc0) !== 0x80) ok = false;
    // Overlong forms and surrogates, as the UTF-8 spec (RFC 3629) excludes them.
    if (ok && c === 0xe0 && b[p + 1] < 0xa0) ok = false;
    if (ok && c === 0xed && b[p + 1] > 0x9f) ok = false;
    if (ok && c === 0xf0 && b[p + 1] < 0x90) ok = false;
    if (ok && c === 0xf4 && b[p + 1] > 0x8f) ok = false;
    if (!ok) {
      const bytes = Array.from(
        b.subarray(p, Math.min(end, p + Math.max(1, need + 1))),
        (x) => `0x${x.toString(16).padStart(2, '0')}`,
      ).join(' ');
      return {
        offset: p - start,
        reason: `is not valid UTF-8 (bytes ${bytes}); if the file is in another encoding, pass --encoding (e.g. latin1, windows-1252, utf16le)`,
      };
    }
    p += need + 1;
  }
  return undefined;
}

/**
 * The physical line and 1-based character column of byte `offset` in a record that starts at
 * `b[start]` on line `line` (a quoted field may span lines). The bytes before `offset` are valid UTF-8.
 */
export function lineAndColumn(
  b: Buffer,
  start: number,
  offset: number,
  line: number,
): { line: number; column: number } {
  let l = line;
  let column = 1;
  for (let p = start; p < start + offset; p++) {
    const c = b[p];
    if (c === 10) {
      l++;
      column = 1;
    } else if ((c & 0xc0) !== 0x80) column++;
  }
  return { line: l, column };
}

/**
 * A value fit for an error message: control characters escaped (`\x00`, `\n`, …, so a message stays
 * one line and a terminal shows what is there) and cut to `max` characters.
 * @example shown('a\u0000b') // 'a\\x00b'
 */
export function shown(value: string, max = 80): string {
  const cut = value.length > max ? `${value.slice(0, max)}…(${value.length} chars)` : value;
  return escapeControls(cut);
}

/**
 * A header's column names for a message: each {@link shown}, at most `max` of them.
 * @example shownColumns(['a', 'b\u0000']) // 'a, b\\x00'
 */
export function shownColumns(names: readonly string[], max = 20): string {
  const list = names.slice(0, max).map((n) => shown(n, 40));
  return names.length > max ? `${list.join(', ')}, … (${names.length} columns)` : list.join(', ');
}

/** Escapes C0 controls, DEL and C1 controls as `\xNN` (`\t`, `\n`, `\r` by name). */
export function escapeControls(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/**
 * Why an id is refused, or undefined: empty is the caller's check; this is length, and with
 * `decoded` (a JSON string, where `\u0000` is an escape, not a byte the reader saw) a NUL.
 */
export function idFault(id: string, decoded = false): string | undefined {
  // UTF-16 length × 3 bounds the UTF-8 length: most ids never need the byte count.
  if (id.length * 3 > MAX_ID_BYTES && Buffer.byteLength(id) > MAX_ID_BYTES) {
    return `is ${Buffer.byteLength(id)} bytes long; an id is at most ${MAX_ID_BYTES} bytes`;
  }
  if (decoded && id.includes('\u0000')) return 'holds a NUL character';
  return undefined;
}
