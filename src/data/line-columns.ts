import type { IdIndex } from './id-index.js';
import type { Interactions, ItemCatalogue } from './interactions.js';

/**
 * Purchase lines as they are read: growable parallel typed arrays, then turned into
 * `Interactions` once the item ids are known and can be put in id order.
 */
export class LineColumns {
  n = 0;
  customer: Int32Array;
  item: Int32Array;
  basket: Int32Array;
  time: Float64Array;
  qty: Int32Array;

  /** @param capacity expected number of lines; an exact count avoids any copy. */
  constructor(capacity = 1 << 16) {
    const c = Math.max(16, capacity);
    this.customer = new Int32Array(c);
    this.item = new Int32Array(c);
    this.basket = new Int32Array(c);
    this.time = new Float64Array(c);
    this.qty = new Int32Array(c);
  }

  /**
   * Columns written over lines already parsed into arrays: items over their book ids, baskets over
   * their order ids, quantities over their own, so the load holds no second copy of those. Safe for
   * a caller that reads line l before it pushes, and pushes at most once per line (so n <= l).
   */
  static over(item: Int32Array, basket: Int32Array, qty: Int32Array, lines: number): LineColumns {
    const c = new LineColumns(0);
    c.item = item.subarray(0, lines);
    c.basket = basket.subarray(0, lines);
    c.qty = qty.subarray(0, lines);
    c.customer = new Int32Array(lines);
    c.time = new Float64Array(lines);
    return c;
  }

  push(customer: number, item: number, basket: number, time: number, qty: number): void {
    const i = this.n;
    if (i === this.customer.length) this.#grow();
    this.customer[i] = customer;
    this.item[i] = item;
    this.basket[i] = basket;
    this.time[i] = time;
    this.qty[i] = qty;
    this.n = i + 1;
  }

  /** Drop capacity past `n` (a view when exact, else a copy so the spare memory is freed). */
  trim(): void {
    if (this.n === this.customer.length) return;
    const n = this.n;
    if (n >= this.customer.length * 0.9) {
      // Close to the capacity (a good estimate): views cost a few spare percent, copies double the peak.
      this.customer = this.customer.subarray(0, n);
      this.item = this.item.subarray(0, n);
      this.basket = this.basket.subarray(0, n);
      this.time = this.time.subarray(0, n);
      this.qty = this.qty.subarray(0, n);
      return;
    }
    this.customer = this.customer.slice(0, n);
    this.item = this.item.slice(0, n);
    this.basket = this.basket.slice(0, n);
    this.time = this.time.slice(0, n);
    this.qty = this.qty.slice(0, n);
  }

  #grow(): void {
    const c = Math.ceil(this.customer.length * 1.5);
    const g = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(c);
      b.set(a);
      return b;
    };
    this.customer = g(this.customer, (n) => new Int32Array(n));
    this.item = g(this.item, (n) => new Int32Array(n));
    this.basket = g(this.basket, (n) => new Int32Array(n));
    this.time = g(this.time, (n) => new Float64Array(n));
    this.qty = g(this.qty, (n) => new Int32Array(n));
  }
}

/** Names for books, by index of the item IdIndex (books missing from a catalogue have none). */
export interface CatalogueColumns {
  title: string[];
  author: string[];
  genre: string[];
}

/** The title a book without a catalogue entry gets: "Book <id>" for integer ids, else the id. */
export function fallbackTitle(id: string, numeric: boolean): string {
  return numeric ? `Book ${id}` : id;
}

/**
 * Put items in id order (rewriting `cols.item` in place) and assemble `Interactions` and the
 * catalogue parallel to it.
 */
export function finishInteractions(
  cols: LineColumns,
  items: IdIndex,
  customerIds: readonly string[],
  nBaskets: number,
  names?: CatalogueColumns,
): { interactions: Interactions; catalogue: ItemCatalogue } {
  cols.trim();
  const { rankOf, order } = items.sortedRanks();
  const item = cols.item;
  for (let l = 0; l < cols.n; l++) item[l] = rankOf[item[l]];
  const numeric = items.allInt;
  const n = items.size;
  const itemIds = new Array<string>(n);
  const title = new Array<string>(n);
  const author = new Array<string>(n);
  const genre = new Array<string>(n);
  for (let r = 0; r < n; r++) {
    const old = order[r];
    const id = items.id(old);
    itemIds[r] = id;
    title[r] = names?.title[old] ?? fallbackTitle(id, numeric);
    author[r] = names?.author[old] ?? '';
    genre[r] = names?.genre[old] ?? '';
  }
  return {
    interactions: {
      length: cols.n,
      customer: cols.customer,
      item,
      basket: cols.basket,
      time: cols.time,
      qty: cols.qty,
      itemIds,
      itemIdsNumeric: numeric,
      customerIds,
      nBaskets,
    },
    catalogue: { title, author, genre },
  };
}
