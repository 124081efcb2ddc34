import { describe, expect, it } from 'vitest';
import { datasetDistributions } from './distributions.js';
import type { Interactions } from './interactions.js';

/** Lines as (basket, item, day) triples. */
function lines(rows: Array<[basket: number, item: number, day: number]>, items: number): Interactions {
  return {
    length: rows.length,
    customer: new Int32Array(rows.length),
    item: Int32Array.from(rows, (r) => r[1]),
    basket: Int32Array.from(rows, (r) => r[0]),
    time: Float64Array.from(rows, (r) => (r[2] < 0 ? 0 : Date.UTC(2026, 0, 1 + r[2], 13))),
    qty: new Int32Array(rows.length).fill(1),
    itemIds: Array.from({ length: items }, (_, i) => String(i)),
    itemIdsNumeric: true,
    customerIds: ['c0'],
    nBaskets: Math.max(...rows.map((r) => r[0])) + 1,
  };
}

describe('datasetDistributions', () => {
  it('ranks books by purchases, counts orders by size, and lines per UTC day', () => {
    const x = lines(
      [
        [0, 2, 0],
        [0, 1, 0],
        [0, 0, 0],
        [1, 2, 1],
        [1, 1, 1],
        [2, 2, 1],
        [3, 2, -1],
      ],
      4,
    );
    const d = datasetDistributions(x);
    expect(d.popularity).toEqual({ rank: [1, 2, 3], purchases: [4, 2, 1], books: 3 });
    expect(d.basketSizes).toEqual({ size: [1, 2, 3], orders: [2, 1, 1] });
    expect(d.purchasesPerDay).toEqual({ day: [Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 2)], lines: [3, 3] });
  });

  it('thins a long tail to log-spaced ranks and caps basket sizes', () => {
    const rows: Array<[number, number, number]> = [];
    for (let i = 0; i < 1000; i++) rows.push([0, i, 0]);
    const d = datasetDistributions(lines(rows, 1000), 20, 30);
    expect(d.popularity.rank.length).toBeLessThanOrEqual(20);
    expect(d.popularity.rank[0]).toBe(1);
    expect(d.popularity.rank.at(-1)).toBe(1000);
    expect(d.basketSizes.size.at(-1)).toBe(30);
    expect(d.basketSizes.orders.at(-1)).toBe(1);
  });
});
