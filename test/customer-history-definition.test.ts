/**
 * "The same history definition for training and serving": for every split rule, the evaluator's
 * history row of each customer equals the basket serving builds from that customer's stored history
 * (materialised from the same lines by `customerHistories`, read back as book ids, mapped by
 * `historyBasket`), so the served answer is the answer the metrics were computed on.
 */
import { describe, expect, it } from 'vitest';
import { splitInteractions } from '../src/eval/index.js';
import {
  customerHistories,
  historyBasket,
  historyEntries,
  Recommender,
  trainItemKnn,
} from '../src/model/index.js';
import { randomInteractions } from './fixtures/interactions.js';

describe('customer history: one definition for evaluation and serving', () => {
  it.each(['last-basket', 'leave-last-out'] as const)(
    '%s: history rows equal the served baskets',
    async (kind) => {
      const x = randomInteractions(11, 300, 60, 4000);
      const split = splitInteractions(x, { kind });
      const h = customerHistories(split.train);
      const ids = split.train.itemIds;
      const index = new Map(ids.map((id, i) => [id, i]));
      const rec = new Recommender(await trainItemKnn(split.train, { k: 10 }));
      const t = split.test;
      for (let u = 0; u < t.nUsers; u++) {
        const c = t.customer[u];
        const stored = historyEntries(h, c, ids).map((e) => e.book);
        const { basket } = historyBasket(stored, (b) => index.get(b) ?? -1);
        const row = t.historyItems.subarray(t.historyOffsets[u], t.historyOffsets[u + 1]);
        expect([...basket]).toEqual([...row]);
        // Same basket, same order: the same scores to the last bit.
        const served = rec.forBasket(basket, 10);
        const evaluated = rec.forBasket(row, 10);
        expect([...served.items]).toEqual([...evaluated.items]);
        expect([...served.scores]).toEqual([...evaluated.scores]);
      }
      expect(t.nUsers).toBeGreaterThan(50);
    },
  );
});
