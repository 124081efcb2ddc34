import { StoreError } from '../errors.js';
import type { CustomerHistory, FeatureRef, HistoryEntry, OnlinePurchase } from './online-store.js';

const NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** Throws STORE_CONFIG_INVALID unless `ref`'s view and version are plain names (they become keys). */
export function checkRef(ref: FeatureRef): void {
  for (const field of ['view', 'version'] as const) {
    if (typeof ref[field] !== 'string' || !NAME.test(ref[field])) {
      throw new StoreError(
        'STORE_CONFIG_INVALID',
        `feature ${field} must be 1–128 letters, digits, "_" or "-" (got ${JSON.stringify(ref[field])})`,
        { field },
      );
    }
  }
}

/** Throws STORE_CONFIG_INVALID naming the line and field of a purchase that cannot be stored. */
export function checkPurchases(purchases: readonly OnlinePurchase[]): void {
  for (let i = 0; i < purchases.length; i++) {
    const p = purchases[i];
    for (const field of ['customer', 'book'] as const) {
      if (typeof p[field] !== 'string' || p[field] === '' || p[field].length > 256) {
        throw new StoreError(
          'STORE_CONFIG_INVALID',
          `purchases[${i}].${field} must be a 1–256 character id`,
          {
            field: `purchases[${i}].${field}`,
          },
        );
      }
    }
    if (!Number.isFinite(p.time) || p.time < 0) {
      throw new StoreError('STORE_CONFIG_INVALID', `purchases[${i}].time must be epoch ms ≥ 0`, {
        field: `purchases[${i}].time`,
      });
    }
  }
}

/** Purchases grouped by customer, newest time per (customer, book): what one write per customer needs. */
export function groupPurchases(purchases: readonly OnlinePurchase[]): CustomerHistory[] {
  const byCustomer = new Map<string, Map<string, number>>();
  for (const p of purchases) {
    let books = byCustomer.get(p.customer);
    if (books === undefined) byCustomer.set(p.customer, (books = new Map()));
    const t = books.get(p.book);
    if (t === undefined || p.time > t) books.set(p.book, p.time);
  }
  return [...byCustomer].map(([customer, books]) => ({
    customer,
    entries: [...books].map(([book, time]) => ({ book, time })),
  }));
}

/** Newest first; ties by book id (code-point order), so both backends answer in one order. */
export function sortEntries(entries: HistoryEntry[]): HistoryEntry[] {
  return entries.sort((a, b) => b.time - a.time || (a.book < b.book ? -1 : a.book > b.book ? 1 : 0));
}
