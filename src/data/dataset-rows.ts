import { csvField, type DatasetFilesWriter } from './dataset-writer.js';
import { formatIsoUtc } from './date-format.js';
import { compareItemIds } from './interactions.js';
import { fallbackTitle } from './line-columns.js';
import type { Book } from './schema.js';

const CANONICAL_INT = /^(0|[1-9][0-9]{0,14})$/;

/**
 * Turns purchase lines from an outside source into the four dataset files: lines go to
 * order_lines.csv as they arrive, while customers, books and orders are collected (one entry per
 * distinct id, never per line) and written sorted at the end.
 *
 * With a catalogue (the app's books table, `--books`), books.csv is that catalogue and nothing
 * else, so lines naming a book it lacks stay visible to `validate` as unknown books. Without one,
 * books.csv lists the books the lines name, with fallback titles.
 */
export class DatasetRows {
  #w: DatasetFilesWriter;
  #catalogue: Map<string, Book>;
  #hasCatalogue: boolean;
  #customers = new Set<string>();
  /** Book id → first price seen in the lines ('' when none) and the id as a CSV field. */
  #seenBooks = new Map<string, { price: string; field: string }>();
  #orderIndex = new Map<string, number>();
  #orderId: string[] = [];
  /** Per order: `<order id as a CSV field>,`, the start of each of its lines. */
  #linePrefix: string[] = [];
  #orderCustomer: string[] = [];
  #orderTime: number[] = [];

  constructor(w: DatasetFilesWriter, catalogue?: readonly Book[]) {
    this.#w = w;
    this.#hasCatalogue = catalogue !== undefined;
    this.#catalogue = new Map((catalogue ?? []).map((b) => [b.id, b]));
  }

  /**
   * Add one line. Without `basket`, the order is the customer at `time` (or the customer alone
   * when `time` is NaN) and gets a new numeric id.
   * @returns a reason when the line contradicts an earlier one (a basket of another customer).
   */
  addLine(
    customer: string,
    item: string,
    time: number,
    qty: number,
    price: string,
    basket?: string,
  ): string | undefined {
    const key = basket ?? (Number.isNaN(time) ? customer : `${customer}\u0000${time}`);
    let o = this.#orderIndex.get(key);
    if (o === undefined) {
      o = this.#orderId.length;
      this.#orderIndex.set(key, o);
      this.#orderId.push(basket ?? String(o + 1));
      this.#linePrefix.push(`${csvField(this.#orderId[o])},`);
      this.#orderCustomer.push(customer);
      this.#orderTime.push(time);
      this.#customers.add(customer);
    } else if (basket !== undefined && this.#orderCustomer[o] !== customer) {
      return `order "${basket}" belongs to customer "${this.#orderCustomer[o]}" on an earlier line, not "${customer}"`;
    }
    let book = this.#seenBooks.get(item);
    if (book === undefined) this.#seenBooks.set(item, (book = { price, field: csvField(item) }));
    else if (book.price === '') book.price = price;
    this.#w.lines.row(`${this.#linePrefix[o]}${book.field},${qty},${price}\n`);
    return undefined;
  }

  /** Every book id (catalogue and lines) is a canonical integer. */
  itemIdKind(): 'int' | 'string' {
    for (const id of this.#catalogue.keys()) if (!CANONICAL_INT.test(id)) return 'string';
    for (const id of this.#seenBooks.keys()) if (!CANONICAL_INT.test(id)) return 'string';
    return 'int';
  }

  /** Write books, customers and orders. */
  async finish(): Promise<void> {
    const w = this.#w;
    const numericBooks = this.itemIdKind() === 'int';
    const bookIds = (this.#hasCatalogue ? [...this.#catalogue.keys()] : [...this.#seenBooks.keys()]).sort(
      (a, b) => compareItemIds(a, b, numericBooks),
    );
    let n = 0;
    for (const id of bookIds) {
      const b = this.#catalogue.get(id);
      const seenPrice = this.#seenBooks.get(id)?.price ?? '';
      const price = b && Number.isFinite(b.price) ? String(b.price) : seenPrice;
      w.books.row(
        b
          ? `${csvField(id)},${csvField(b.title)},${csvField(b.author)},${csvField(b.genre)},${price}\n`
          : `${csvField(id)},${csvField(fallbackTitle(id, numericBooks))},,,${price}\n`,
      );
      if (++n % 4096 === 0 && w.blocked) await w.ready();
    }
    const numericCustomers = [...this.#customers].every((c) => CANONICAL_INT.test(c));
    const customers = [...this.#customers].sort((a, b) => compareItemIds(a, b, numericCustomers));
    for (const c of customers) {
      w.customers.row(`${csvField(c)}\n`);
      if (++n % 4096 === 0 && w.blocked) await w.ready();
    }
    for (let o = 0; o < this.#orderId.length; o++) {
      const t = this.#orderTime[o];
      w.orders.row(
        `${csvField(this.#orderId[o])},${csvField(this.#orderCustomer[o])},${Number.isNaN(t) ? '' : formatIsoUtc(t)}\n`,
      );
      if (++n % 4096 === 0 && w.blocked) await w.ready();
    }
  }
}
