import { describe, expect, it } from 'vitest';
import { interactionsFrom } from '../../test/fixtures/interactions.js';
import { explainAnswer, ItemIndex, Recommender, trainItemKnn } from './index.js';

// c0 {0,1}, c1 {0,1,2}, c2 {2,3}, c3 {4}: item 4 is bought alone, item 5 never.
const x = interactionsFrom(
  [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
    [1, 2],
    [2, 2],
    [2, 3],
    [3, 4],
    [4, 0],
    [5, 1],
  ],
  6,
);

describe('Recommender', () => {
  it('answers one item with its neighbours, best first, as views', async () => {
    const rec = new Recommender(await trainItemKnn(x, { k: 3 }));
    const r = rec.forItem(0, 2);
    expect(Array.from(r.items)).toEqual([1, 2]);
    expect(r.fallback).toBe(false);
    expect(r.padFrom).toBe(2); // nothing padded
    expect(r.items.buffer).toBe(rec.model.neighbours.buffer);
  });

  it('falls back to popularity for unknown and lone items, flagged, never returning the item itself', async () => {
    const rec = new Recommender(await trainItemKnn(x, { k: 3 }));
    // popularity: 0→3, 1→3, 2→2, 3→1, 4→1, 5→0
    const unknown = rec.forItem(-1, 3);
    expect(unknown.fallback).toBe(true);
    expect(Array.from(unknown.items)).toEqual([0, 1, 2]);
    expect(unknown.scores[0]).toBeCloseTo(3 / 6);
    expect(unknown.padFrom).toBe(0); // all of it is popularity
    const lone = rec.forItem(4, 3);
    expect(lone.fallback).toBe(true);
    expect(Array.from(lone.items)).toEqual([0, 1, 2]);
    const never = rec.forItem(5, 2);
    expect(Array.from(never.items)).toEqual([0, 1]);
    expect(never.padFrom).toBe(0);
  });

  it('aggregates a basket, excludes its own items and pads with popular ones', async () => {
    const m = await trainItemKnn(x, { k: 3 });
    const rec = new Recommender(m);
    const r = rec.forBasket([0, 1], 3);
    expect(r.fallback).toBe(false);
    expect(Array.from(r.items)).not.toContain(0);
    expect(Array.from(r.items)).not.toContain(1);
    expect(r.items[0]).toBe(2); // co-bought with both
    expect(r.items.length).toBe(3); // padded by popularity (3, 4 have popularity 1: smaller id first)
    expect(Array.from(r.items)).toEqual([2, 3, 4]);
    expect(r.padFrom).toBe(1); // 3 and 4 are padding
    const again = rec.forBasket([0, 1], 3);
    expect(Array.from(again.items)).toEqual([2, 3, 4]); // scratch state was reset
    const empty = rec.forBasket([-1], 2);
    expect(empty.fallback).toBe(true);
    expect(Array.from(empty.items)).toEqual([0, 1]);
    expect(empty.padFrom).toBe(0);
  });

  it('rejects k outside 1..K with the field', async () => {
    const rec = new Recommender(await trainItemKnn(x, { k: 3 }));
    for (const k of [0, 4, 1.5, Number.NaN]) {
      expect(() => rec.forItem(0, k)).toThrow(
        expect.objectContaining({ code: 'MODEL_K_OUT_OF_RANGE', field: 'k' }),
      );
    }
  });
});

describe('ItemIndex', () => {
  it('matches numeric ids by value and string ids exactly', () => {
    const n = new ItemIndex(['1', '2', '10'], true);
    expect([n.indexOf('10'), n.indexOf(10), n.indexOf('010'), n.indexOf('3')]).toEqual([2, 2, 2, -1]);
    const s = new ItemIndex(['whole milk', 'yogurt'], false);
    expect([s.indexOf('yogurt'), s.indexOf('Yogurt')]).toEqual([1, -1]);
  });
});

describe('explainAnswer', () => {
  it('names the basket books behind each recommendation, with similarity and co-buys', async () => {
    const m = await trainItemKnn(x, { k: 3 });
    const rec = new Recommender(m);
    const a = rec.forBasket([0, 1], 3);
    const ex = explainAnswer(m, [0, 1, -1, 0], a.items);
    // Item 2 is co-bought once with 0 (by c1) and once with 1 (by c1); 3 and 4 are padding.
    expect(ex[0].item).toBe(2);
    expect(ex[0].contributions.map((c) => [c.item, c.coBuys])).toEqual([
      [0, 1],
      [1, 1],
    ]);
    const sum = ex[0].contributions.reduce((s, c) => s + c.similarity, 0);
    expect(sum).toBeCloseTo(a.scores[0], 14);
    expect(ex[1].contributions).toEqual([]);
    const { coCounts: _, ...older } = m;
    expect(explainAnswer(older, [0], [1])[0].contributions[0].coBuys).toBeNull();
  });
});
