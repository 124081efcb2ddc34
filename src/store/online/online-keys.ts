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

/**
 * Feed non-empty histories to `flush` in batches of at least `limit` by `weight` (customers or
 * entries), and count what went: what every backend's materialisation does before recording the
 * version.
 */
export async function inBatches(
  histories: Iterable<CustomerHistory>,
  limit: number,
  weight: (h: CustomerHistory) => number,
  flush: (batch: CustomerHistory[]) => Promise<void>,
): Promise<{ customers: number; entries: number }> {
  let customers = 0;
  let entries = 0;
  let batch: CustomerHistory[] = [];
  let held = 0;
  for (const h of histories) {
    if (h.entries.length === 0) continue;
    customers++;
    entries += h.entries.length;
    batch.push(h);
    held += weight(h);
    if (held >= limit) {
      await flush(batch);
      batch = [];
      held = 0;
    }
  }
  if (batch.length > 0) await flush(batch);
  return { customers, entries };
}

/** The versions an append goes to: those named (checked), else every materialised one. */
export async function appendTargets(
  refs: readonly FeatureRef[] | undefined,
  versions: () => Promise<readonly FeatureRef[]>,
): Promise<FeatureRef[]> {
  if (refs !== undefined) {
    refs.forEach(checkRef);
    return [...refs];
  }
  return (await versions()).map(({ view, version }) => ({ view, version }));
}
