/**
 * External book id → item index, decided once per model: a dense table when the ids are small
 * non-negative integers (the Bookstore's case: one array read per request), else a Map.
 */

import type { ItemTable } from '../model/index.js';

/** Most table cells per item before a Map is cheaper in memory. */
const DENSE_SLACK = 4;

/** Parse `-?[0-9]{1,15}` without allocating; NaN for anything else (so no float, hex, space or unsafe value). */
export function parseIntText(s: string): number {
  const n = s.length;
  if (n === 0 || n > 16) return Number.NaN;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return Number.NaN;
    neg = true;
    i = 1;
  } else if (n === 16) {
    return Number.NaN;
  }
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/** Looks up item indices by external id for one model; -1 when the model does not know the id. */
export class BookIdLookup {
  readonly numeric: boolean;
  readonly #dense: Int32Array | null;
  readonly #byNumber: Map<number, number> | null;
  readonly #byText: Map<string, number> | null;

  constructor(items: ItemTable) {
    const n = items.count;
    const numeric = (this.numeric = items.numeric);
    if (!numeric) {
      this.#dense = null;
      this.#byNumber = null;
      this.#byText = new Map();
      for (let i = 0; i < n; i++) this.#byText.set(items.id(i), i);
      return;
    }
    // Format 2 bundles hold numeric ids as numbers: no string per book.
    const values = items.numbers ?? Float64Array.from({ length: n }, (_, i) => Number(items.id(i)));
    let max = -1;
    let dense = true;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (!Number.isSafeInteger(v) || v < 0) dense = false;
      else if (v > max) max = v;
    }
    dense = dense && max < DENSE_SLACK * n + 1024;
    this.#byText = null;
    if (dense) {
      // Cells hold index + 1 so that the zero fill means "unknown".
      const table = new Int32Array(max + 1);
      for (let i = 0; i < n; i++) table[values[i]] = i + 1;
      this.#dense = table;
      this.#byNumber = null;
    } else {
      this.#dense = null;
      this.#byNumber = new Map();
      for (let i = 0; i < n; i++) this.#byNumber.set(values[i], i);
    }
  }

  /** Index of a numeric id (an integer); -1 when unknown. Only for numeric models. */
  ofNumber(v: number): number {
    const t = this.#dense;
    if (t !== null) return v >= 0 && v < t.length ? t[v] - 1 : -1;
    return this.#byNumber?.get(v) ?? -1;
  }

  /** Index of a string id; -1 when unknown. Only for string-id models. */
  ofText(id: string): number {
    return this.#byText?.get(id) ?? -1;
  }
}
