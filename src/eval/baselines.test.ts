import { describe, expect, it } from 'vitest';
import type { Interactions } from '../data/index.js';
import { mostPopularBaseline, randomBaseline } from './baselines.js';
import { itemPopularity, popularityOrder } from './popularity.js';

/** Lines as [customer, item]; one basket per line, time 0. */
function interactions(rows: [number, number][], nItems: number, nCustomers: number): Interactions {
  return {
    length: rows.length,
    customer: Int32Array.from(rows, (r) => r[0]),
    item: Int32Array.from(rows, (r) => r[1]),
    basket: Int32Array.from(rows, (_, i) => i),
    time: new Float64Array(rows.length),
    qty: new Int32Array(rows.length).fill(1),
    itemIds: Array.from({ length: nItems }, (_, i) => String(i)),
    itemIdsNumeric: true,
    customerIds: Array.from({ length: nCustomers }, (_, c) => `c${c}`),
    nBaskets: rows.length,
  };
}

// c0 buys 0, 1, 2; c1 buys 1, 2; c2 buys 2 twice; c3 buys 3. Item 4 is never bought.
// Distinct buyers: item 0 → 1, item 1 → 2, item 2 → 3 (c2 counts once), item 3 → 1, item 4 → 0.
const train = interactions(
  [
    [0, 0],
    [0, 1],
    [0, 2],
    [1, 1],
    [1, 2],
    [2, 2],
    [2, 2],
    [3, 3],
  ],
  5,
  4,
);

const run = (rec: ReturnType<typeof mostPopularBaseline>, history: number[], k: number): number[] => {
  const out = new Int32Array(k);
  return Array.from(out.subarray(0, rec(Int32Array.from(history), k, out)));
};

describe('popularity', () => {
  it('counts distinct buyers and orders ties by index', () => {
    expect(Array.from(itemPopularity(train))).toEqual([1, 2, 3, 1, 0]);
    // 2 (3 buyers), 1 (2), then 0 and 3 tied at 1 → smaller index first, then 4 (never bought).
    expect(Array.from(popularityOrder(itemPopularity(train)))).toEqual([2, 1, 0, 3, 4]);
  });
});

describe('mostPopularBaseline', () => {
  const rec = mostPopularBaseline(train);
  it('ranks the whole catalogue by popularity, minus the history', () => {
    expect(run(rec, [], 5)).toEqual([2, 1, 0, 3, 4]);
    expect(run(rec, [2], 3)).toEqual([1, 0, 3]);
    expect(run(rec, [0, 1, 2, 3], 3)).toEqual([4]); // only one item left
    expect(run(rec, [], 2)).toEqual([2, 1]); // history of the previous call forgotten
  });
});

describe('randomBaseline', () => {
  it('is seeded: same seed, same calls → same lists', () => {
    const a = randomBaseline(50, 7);
    const b = randomBaseline(50, 7);
    const c = randomBaseline(50, 8);
    const la = [run(a, [1, 2], 10), run(a, [], 10)];
    expect([run(b, [1, 2], 10), run(b, [], 10)]).toEqual(la);
    expect([run(c, [1, 2], 10), run(c, [], 10)]).not.toEqual(la);
  });

  it('draws distinct items outside the history, uniformly', () => {
    const rec = randomBaseline(20, 1);
    const history = [0, 5, 6];
    const counts = new Array(20).fill(0);
    const calls = 4000;
    for (let t = 0; t < calls; t++) {
      const list = run(rec, history, 5);
      expect(list).toHaveLength(5);
      expect(new Set(list).size).toBe(5);
      for (const it of list) counts[it]++;
    }
    for (const h of history) expect(counts[h]).toBe(0);
    // each of the 17 other items is expected 4000 × 5 / 17 ≈ 1176 times; sd ≈ 29, so ±10 % is about 4 sd.
    const expected = (calls * 5) / 17;
    for (let i = 0; i < 20; i++) {
      if (!history.includes(i)) expect(Math.abs(counts[i] - expected)).toBeLessThan(expected * 0.1);
    }
  });

  it('returns every remaining item when fewer than k are left', () => {
    const list = run(randomBaseline(5, 3), [0, 2, 4], 4);
    expect(list.slice().sort()).toEqual([1, 3]);
  });
});
