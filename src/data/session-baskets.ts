import { parseIso } from './date-format.js';
import type { AppOrder } from './schema.js';

/**
 * The basket proxy for the Bookstore app's orders, which carry no customer: in created_at order,
 * an order less than `gapMinutes` after the previous one joins its basket; a longer pause starts a
 * new basket. `SessionSplitter` is the streaming form (the PostgreSQL source feeds it a cursor).
 */
export class SessionSplitter {
  readonly #gapMs: number;
  #prev = Number.NEGATIVE_INFINITY;
  #basket = -1;

  /** @param gapMinutes pause that ends a session, in minutes. @default 30 */
  constructor(gapMinutes = 30) {
    this.#gapMs = gapMinutes * 60_000;
  }

  /** Basket index (0, 1, …) of the next order at `timeMs`; times must not go backwards. */
  next(timeMs: number): number {
    if (timeMs - this.#prev >= this.#gapMs) this.#basket++;
    this.#prev = timeMs;
    return this.#basket;
  }
}

/**
 * Basket index per order, for orders given in any order (they are sorted by created_at, then id;
 * created_at is ISO 8601, read as UTC when it has no zone).
 * @example sessionBaskets(orders, 30)[i] // basket of orders[i]
 */
export function sessionBaskets(orders: readonly AppOrder[], gapMinutes = 30): Int32Array {
  const t = orders.map((o) => parseIso(o.created_at));
  const idx = orders.map((_, i) => i).sort((a, b) => t[a] - t[b] || orders[a].id - orders[b].id);
  const out = new Int32Array(orders.length);
  const s = new SessionSplitter(gapMinutes);
  for (const i of idx) out[i] = s.next(t[i]);
  return out;
}
