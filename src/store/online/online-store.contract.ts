/**
 * One suite for every online store — what `online-store.ts` promises: histories by feature version,
 * newest first, merged by (customer, book) keeping the newest time; appends reach every materialised
 * version (or the ones named) without touching others; a version is listed once written; batches
 * larger than one round trip. Run on Redis (`online-store.redis.test.ts`) and on the metadata database
 * (`online-store.sqlite.test.ts`, `online-store.postgres.test.ts`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CustomerHistory, FeatureRef, OnlineStore } from './online-store.js';

/** A store under test, with its clock under control. */
export interface OnlineStoreHarness {
  readonly store: OnlineStore;
  /** Set the clock that stamps `createdAt`. */
  setNow(ms: number): void;
  close(): Promise<void>;
}

const V1: FeatureRef = { view: 'customer_history', version: 'd1-aaaa' };
const V2: FeatureRef = { view: 'customer_history', version: 'd1-bbbb' };

function histories(n: number, books = 3): CustomerHistory[] {
  return Array.from({ length: n }, (_, c) => ({
    customer: `c${c}`,
    entries: Array.from({ length: books }, (_, b) => ({ book: String(b + c), time: 1000 * (b + 1) })),
  }));
}

/** Runs the online-store contract against `open()`; `skip` names why this backend cannot run here. */
export function onlineStoreContract(
  name: string,
  open: () => Promise<OnlineStoreHarness>,
  skip?: string,
): void {
  describe.skipIf(skip !== undefined)(skip === undefined ? name : `${name} — skipped: ${skip}`, () => {
    let h: OnlineStoreHarness;
    let store: OnlineStore;
    beforeEach(async () => {
      h = await open();
      store = h.store;
    });
    afterEach(async () => {
      await h?.close();
    });

    it('reads back a materialised history, newest first, ties by book id; unknown customers are undefined', async () => {
      h.setNow(5000);
      const rec = await store.materialise(V1, 'hash-a', [
        {
          customer: '7',
          entries: [
            { book: '3', time: 10 },
            { book: '12', time: 30 },
            { book: '1', time: 30 },
            { book: 'whole milk', time: 0 },
          ],
        },
        { customer: 'nobody', entries: [] },
      ]);
      expect(rec).toEqual({ ...V1, source: 'hash-a', customers: 1, entries: 4, createdAt: 5000 });
      expect(await store.history(V1, '7')).toEqual([
        { book: '1', time: 30 },
        { book: '12', time: 30 },
        { book: '3', time: 10 },
        { book: 'whole milk', time: 0 },
      ]);
      expect(await store.history(V1, 'nobody')).toBeUndefined();
      expect(await store.history(V1, '8')).toBeUndefined();
      expect(await store.history(V2, '7')).toBeUndefined();
    });

    it('lists versions newest first, once written, and by view', async () => {
      expect(await store.versions()).toEqual([]);
      h.setNow(1);
      await store.materialise(V1, 'hash-a', histories(2));
      h.setNow(2);
      await store.materialise(V2, 'hash-b', histories(1));
      await store.materialise({ view: 'other', version: 'x' }, 'hash-c', []);
      expect((await store.versions('customer_history')).map((v) => v.version)).toEqual([
        'd1-bbbb',
        'd1-aaaa',
      ]);
      expect((await store.versions()).map((v) => v.view).sort()).toEqual([
        'customer_history',
        'customer_history',
        'other',
      ]);
      expect((await store.versions('customer_history'))[1]).toMatchObject({ customers: 2, entries: 6 });
    });

    it('appends new orders to every materialised version, keeping the newest time per book', async () => {
      await store.materialise(V1, 'hash-a', [{ customer: '7', entries: [{ book: '3', time: 100 }] }]);
      await store.materialise(V2, 'hash-b', []);
      const out = await store.append([
        { customer: '7', book: '5', time: 200 },
        { customer: '7', book: '3', time: 50 }, // older than what is stored: the time stays
        { customer: '7', book: '5', time: 150 },
        { customer: 'new', book: '9', time: 300 },
      ]);
      expect(out.purchases).toBe(4);
      expect(out.customers).toBe(2);
      expect(out.versions.map((v) => v.version).sort()).toEqual(['d1-aaaa', 'd1-bbbb']);
      expect(await store.history(V1, '7')).toEqual([
        { book: '5', time: 200 },
        { book: '3', time: 100 },
      ]);
      expect(await store.history(V2, '7')).toEqual([
        { book: '5', time: 200 },
        { book: '3', time: 50 },
      ]);
      expect(await store.history(V2, 'new')).toEqual([{ book: '9', time: 300 }]);
      // An older re-materialisation never loses what was appended.
      await store.materialise(V1, 'hash-a', [{ customer: '7', entries: [{ book: '3', time: 100 }] }]);
      expect((await store.history(V1, '7'))?.map((e) => e.book)).toEqual(['5', '3']);
    });

    it('appends only to the versions named', async () => {
      await store.materialise(V1, 'hash-a', []);
      await store.materialise(V2, 'hash-b', []);
      await store.append([{ customer: '1', book: '2', time: 3 }], [V2]);
      expect(await store.history(V1, '1')).toBeUndefined();
      expect(await store.history(V2, '1')).toEqual([{ book: '2', time: 3 }]);
      // Nothing materialised, nothing named: nowhere to append.
    });

    it('writes batches larger than one round trip', async () => {
      const many = histories(4500, 2);
      const rec = await store.materialise(V1, 'hash-a', many);
      expect(rec).toMatchObject({ customers: 4500, entries: 9000 });
      expect(await store.history(V1, 'c4499')).toEqual([
        { book: '4500', time: 2000 },
        { book: '4499', time: 1000 },
      ]);
      expect(await store.history(V1, 'c0')).toHaveLength(2);
    });

    it('refuses a bad feature name and a bad purchase, naming the field, and writes nothing', async () => {
      await expect(store.materialise({ view: 'a b', version: 'x' }, 'h', [])).rejects.toMatchObject({
        code: 'STORE_CONFIG_INVALID',
        field: 'view',
      });
      await store.materialise(V1, 'hash-a', []);
      await expect(
        store.append([
          { customer: '1', book: '2', time: 3 },
          { customer: '', book: '2', time: 3 },
        ]),
      ).rejects.toMatchObject({ code: 'STORE_CONFIG_INVALID', field: 'purchases[1].customer' });
      await expect(store.append([{ customer: '1', book: '2', time: Number.NaN }])).rejects.toMatchObject({
        field: 'purchases[0].time',
      });
      expect(await store.history(V1, '1')).toBeUndefined();
    });

    it('keeps customer ids with separators and unicode apart', async () => {
      await store.materialise(V1, 'hash-a', [
        { customer: 'a:b', entries: [{ book: 'x', time: 1 }] },
        { customer: 'a', entries: [{ book: 'y', time: 1 }] },
        { customer: 'Zoë', entries: [{ book: 'z', time: 1 }] },
      ]);
      expect(await store.history(V1, 'a:b')).toEqual([{ book: 'x', time: 1 }]);
      expect(await store.history(V1, 'a')).toEqual([{ book: 'y', time: 1 }]);
      expect(await store.history(V1, 'Zoë')).toEqual([{ book: 'z', time: 1 }]);
    });
  });
}
