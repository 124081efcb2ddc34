import { describe, expect, it } from 'vitest';
import { interactionsFrom } from '../../test/fixtures/interactions.js';
import { customerHistories, customerHistoryRef, historyBasket, historyEntries } from './customer-history.js';

describe('customer history (definition 1)', () => {
  it('keeps each distinct book once, ascending, with its newest purchase time', () => {
    const x = interactionsFrom([
      [0, 3, 10],
      [0, 1, 20],
      [0, 3, 30],
      [1, 2, 5],
      [0, 1, 15],
    ]);
    const h = customerHistories(x);
    expect([...h.offsets]).toEqual([0, 2, 3]);
    expect(historyEntries(h, 0, x.itemIds)).toEqual([
      { book: '1', time: 20 },
      { book: '3', time: 30 },
    ]);
    expect(historyEntries(h, 1, x.itemIds)).toEqual([{ book: '2', time: 5 }]);
  });

  it('turns stored books into the scored basket: known, distinct, ascending', () => {
    const ids = ['10', '11', '12'];
    const { basket, unknown } = historyBasket(['12', 'new', '10', '12'], (b) => ids.indexOf(b));
    expect([...basket]).toEqual([0, 2]);
    expect(unknown).toBe(1);
  });

  it('names the feature version after the definition and the dataset', () => {
    expect(customerHistoryRef('0123456789abcdef0123')).toEqual({
      view: 'customer_history',
      version: 'd1-0123456789abcdef',
    });
  });
});
