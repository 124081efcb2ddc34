import { type CsvRecord, fieldInt, fieldText } from './csv-reader.js';
import { compareItemIds } from './interactions.js';

const CANONICAL_INT = /^(0|[1-9][0-9]{0,14})$/;

/**
 * Interns external ids (customers, books, orders) into dense indices 0, 1, 2… in first-seen order.
 *
 * Generated and most exported ids are small integers, so those take a typed-array fast path
 * (value → index, read straight from CSV bytes with no string made); anything else goes to a Map.
 * Once any integer has gone to the Map the table stops growing, so every integer has one home:
 * below the table's length it lives in the table, above it in the Map.
 */
export class IdIndex {
  #table: Int32Array;
  #frozen = false;
  #map = new Map<string, number>();
  #intVal: Float64Array;
  #strVal: string[] = [];
  #size = 0;
  #allInt = true;

  /** @param expectedMaxId a hint that sizes the integer table up front (e.g. the row count). */
  constructor(expectedMaxId = 1024) {
    this.#table = new Int32Array(nextPow2(Math.max(1024, Math.min(expectedMaxId + 1, 1 << 26))));
    this.#intVal = new Float64Array(1024);
  }

  /** Number of distinct ids. */
  get size(): number {
    return this.#size;
  }

  /** True while every id is a canonical non-negative integer ("0", "17", not "007" or "-1"). */
  get allInt(): boolean {
    return this.#allInt;
  }

  /** Index of field `i` of a CSV record, adding it when new. */
  internField(r: CsvRecord, i: number): number {
    const v = fieldInt(r, i);
    if (v >= 0 && this.#inTable(v)) {
      const at = this.#table[v];
      return at > 0 ? at - 1 : this.#addInt(v);
    }
    return this.internString(fieldText(r, i));
  }

  /** Index of field `i` of a CSV record, or -1 when it is not known. */
  findField(r: CsvRecord, i: number): number {
    const v = fieldInt(r, i);
    if (v >= 0 && v < this.#table.length) return this.#table[v] - 1;
    return this.findString(fieldText(r, i));
  }

  /** Index of the canonical integer id `v` (0 ≤ v < 10^9), adding it when new. */
  internInt(v: number): number {
    if (this.#inTable(v)) {
      const at = this.#table[v];
      return at > 0 ? at - 1 : this.#addInt(v);
    }
    return this.internString(String(v));
  }

  /** Index of the canonical integer id `v` (0 ≤ v < 10^9), or -1 when it is not known. */
  findInt(v: number): number {
    if (v < this.#table.length) return this.#table[v] - 1;
    return this.#map.get(String(v)) ?? -1;
  }

  /** Index of `id`, adding it when new. */
  internString(id: string): number {
    if (CANONICAL_INT.test(id)) {
      const v = Number(id);
      if (this.#inTable(v)) {
        const at = this.#table[v];
        return at > 0 ? at - 1 : this.#addInt(v);
      }
      this.#frozen = true;
    } else this.#allInt = false;
    const at = this.#map.get(id);
    if (at !== undefined) return at;
    const idx = this.#push(Number.NaN);
    this.#strVal[idx] = id;
    this.#map.set(id, idx);
    return idx;
  }

  /** Index of `id`, or -1 when it is not known. */
  findString(id: string): number {
    if (CANONICAL_INT.test(id)) {
      const v = Number(id);
      if (v < this.#table.length) return this.#table[v] - 1;
    }
    return this.#map.get(id) ?? -1;
  }

  /** Id of index `idx`. */
  id(idx: number): string {
    const v = this.#intVal[idx];
    return Number.isNaN(v) ? this.#strVal[idx] : String(v);
  }

  /** Every id, by index. */
  ids(): string[] {
    const out = new Array<string>(this.#size);
    for (let i = 0; i < this.#size; i++) out[i] = this.id(i);
    return out;
  }

  /**
   * The permutation that sorts the ids in dataset id order (numeric when all are integers, else
   * `compareItemIds`' code-unit order): `rankOf[index]` is the index's position in sorted order.
   */
  sortedRanks(): { rankOf: Int32Array; order: Int32Array } {
    const n = this.#size;
    const order = new Int32Array(n);
    if (this.#allInt && n < 1 << 21 && this.#intVal.subarray(0, n).every((v) => v < 2 ** 31)) {
      // Pack (value, index) into one double so a native typed-array sort does the work.
      const keys = new Float64Array(n);
      for (let i = 0; i < n; i++) keys[i] = this.#intVal[i] * 2097152 + i;
      keys.sort();
      for (let r = 0; r < n; r++) order[r] = keys[r] % 2097152;
    } else {
      const ids = this.ids();
      const idx = Array.from({ length: n }, (_, i) => i);
      idx.sort((a, b) => compareItemIds(ids[a], ids[b], this.#allInt));
      for (let r = 0; r < n; r++) order[r] = idx[r];
    }
    const rankOf = new Int32Array(n);
    for (let r = 0; r < n; r++) rankOf[order[r]] = r;
    return { rankOf, order };
  }

  #inTable(v: number): boolean {
    if (v < this.#table.length) return true;
    if (this.#frozen || v >= Math.max(1 << 22, 32 * (this.#size + 1)) || v >= 1 << 27) return false;
    const bigger = new Int32Array(nextPow2(v + 1));
    bigger.set(this.#table);
    this.#table = bigger;
    return true;
  }

  #addInt(v: number): number {
    const idx = this.#push(v);
    this.#table[v] = idx + 1;
    return idx;
  }

  #push(v: number): number {
    if (this.#size === this.#intVal.length) {
      const bigger = new Float64Array(this.#size * 2);
      bigger.set(this.#intVal);
      this.#intVal = bigger;
    }
    this.#intVal[this.#size] = v;
    return this.#size++;
  }
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
