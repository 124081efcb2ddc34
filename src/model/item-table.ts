import { bundleCorrupt } from './errors.js';

/**
 * Strings stored as one UTF-8 buffer plus `n + 1` byte offsets: a million titles are two buffers
 * instead of a million heap strings, and a string is decoded only when someone reads it.
 */
export class StringTable {
  readonly length: number;
  readonly #bytes: Buffer;
  readonly #offsets: Uint32Array;

  constructor(bytes: Buffer, offsets: Uint32Array) {
    this.length = offsets.length - 1;
    this.#bytes = bytes;
    this.#offsets = offsets;
  }

  /** String `i` (decoded on each call: callers that need it often keep it). */
  at(i: number): string {
    return this.#bytes.toString('utf8', this.#offsets[i], this.#offsets[i + 1]);
  }

  /** Every string, as an array (for code that wants one; serving never does). */
  toArray(): string[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i));
  }

  /** Encode `strings` as a table: the UTF-8 bytes and their offsets. */
  static encode(strings: readonly string[]): { bytes: Buffer; offsets: Uint32Array } {
    const offsets = new Uint32Array(strings.length + 1);
    let total = 0;
    for (let i = 0; i < strings.length; i++) {
      total += Buffer.byteLength(strings[i] ?? '', 'utf8');
      offsets[i + 1] = total;
    }
    const bytes = Buffer.allocUnsafe(total);
    for (let i = 0; i < strings.length; i++) bytes.write(strings[i] ?? '', offsets[i], 'utf8');
    return { bytes, offsets };
  }

  /** A table over a bundle's two files; refuses offsets that do not fit the bytes. */
  static over(bytes: Buffer, offsets: Uint32Array, name: string): StringTable {
    const n = offsets.length - 1;
    if (n < 0 || offsets[0] !== 0 || offsets[n] !== bytes.byteLength)
      throw bundleCorrupt(`${name} offsets disagree with its bytes`, name);
    for (let i = 0; i < n; i++) {
      if (offsets[i + 1] < offsets[i]) throw bundleCorrupt(`${name} offsets go backwards`, name);
    }
    return new StringTable(bytes, offsets);
  }
}

/**
 * A bundle's books: external id, title and author per item index, read without building an
 * object or a string per book. Numeric ids are a `Float64Array` (`numbers`); text ids, titles and
 * authors are {@link StringTable}s (or, for bundles of format 1, the arrays `items.json` held).
 */
export interface ItemTable {
  readonly count: number;
  /** The ids are integers (the Bookstore's): `numbers` holds them. */
  readonly numeric: boolean;
  /** Each item's id as a number when every id is a canonical integer; else null. */
  readonly numbers: Float64Array | null;
  id(i: number): string;
  title(i: number): string;
  author(i: number): string;
}

/** Strings readable by index: an array or a {@link StringTable}. */
type Column = readonly string[] | StringTable;

function read(col: Column, i: number): string {
  return Array.isArray(col) ? (col[i] ?? '') : (col as StringTable).at(i);
}

/** An {@link ItemTable} over columns (format 2 tables, or format 1's arrays). */
export function itemTable(
  ids: Column | Float64Array,
  numeric: boolean,
  titles: Column,
  authors: Column,
): ItemTable {
  const numbers = ids instanceof Float64Array ? ids : null;
  const count = numbers !== null ? numbers.length : ids.length;
  return {
    count,
    numeric,
    numbers,
    id: numbers !== null ? (i) => String(numbers[i]) : (i) => read(ids as Column, i),
    title: (i) => read(titles, i),
    author: (i) => read(authors, i),
  };
}

/** The ids as numbers when all are canonical integers below 2^53 (`17`, not `017` or `1e3`). */
export function canonicalNumbers(ids: readonly string[]): Float64Array | null {
  const out = new Float64Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const v = Number(ids[i]);
    if (!Number.isSafeInteger(v) || String(v) !== ids[i]) return null;
    out[i] = v;
  }
  return out;
}
