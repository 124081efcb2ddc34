/**
 * External book id → item index, decided once per model: a dense table when the ids are small
 * non-negative integers (the Bookstore's case: one array read per request), else a Map.
 */

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

  constructor(ids: readonly string[], numeric: boolean) {
    this.numeric = numeric;
    if (!numeric) {
      this.#dense = null;
      this.#byNumber = null;
      this.#byText = new Map(ids.map((id, i) => [id, i]));
      return;
    }
    const values = ids.map(Number);
    let max = -1;
    let dense = true;
    for (const v of values) {
      if (!Number.isSafeInteger(v) || v < 0) dense = false;
      else if (v > max) max = v;
    }
    dense = dense && max < DENSE_SLACK * ids.length + 1024;
    this.#byText = null;
    if (dense) {
      // Cells hold index + 1 so that the zero fill means "unknown".
      const table = new Int32Array(max + 1);
      for (let i = 0; i < values.length; i++) table[values[i]] = i + 1;
      this.#dense = table;
      this.#byNumber = null;
    } else {
      this.#dense = null;
      this.#byNumber = new Map(values.map((v, i) => [v, i]));
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
