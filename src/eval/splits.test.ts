import { describe, expect, it } from 'vitest';
import type { Interactions } from '../data/index.js';
import {
  splitByTime,
  splitInteractions,
  splitLastBasket,
  splitLeaveLastOut,
  validationSplit,
} from './splits.js';
import type { TestSet } from './test-set.js';

/** Lines as [customer, item, basket, time]. */
function interactions(
  rows: [number, number, number, number][],
  nItems: number,
  nCustomers: number,
): Interactions {
  const col = (j: number) => Int32Array.from(rows, (r) => r[j]);
  return {
    length: rows.length,
    customer: col(0),
    item: col(1),
    basket: col(2),
    time: Float64Array.from(rows, (r) => r[3]),
    qty: new Int32Array(rows.length).fill(1),
    itemIds: Array.from({ length: nItems }, (_, i) => String(i)),
    itemIdsNumeric: true,
    customerIds: Array.from({ length: nCustomers }, (_, c) => `c${c}`),
    nBaskets: Math.max(...rows.map((r) => r[2])) + 1,
  };
}

/** The test set as plain rows, for readable assertions. */
function rows(t: TestSet): { customer: number; held: number[]; history: number[] }[] {
  return Array.from(t.customer, (customer, u) => ({
    customer,
    held: Array.from(t.heldItems.subarray(t.heldOffsets[u], t.heldOffsets[u + 1])),
    history: Array.from(t.historyItems.subarray(t.historyOffsets[u], t.historyOffsets[u + 1])),
  }));
}

// Customers A=0, B=1, C=2, D=3; items 0..4.
//   A: basket 7 @t0 {3}, basket 0 @t1 {0, 1}, basket 1 @t5 {2, 0}   (0 is a repeat)
//   B: basket 2 @t2 {1}, basket 3 @t2 {3}                          (time tie → basket 3 is last)
//   C: basket 4 @t3 {0, 2}                                         (one basket only)
//   D: basket 5 @t4 {4}, basket 6 @t6 {4}                          (the last basket only repeats)
const x = interactions(
  [
    [0, 3, 7, 0],
    [0, 0, 0, 1],
    [0, 1, 0, 1],
    [0, 2, 1, 5],
    [0, 0, 1, 5],
    [1, 1, 2, 2],
    [1, 3, 3, 2],
    [2, 0, 4, 3],
    [2, 2, 4, 3],
    [3, 4, 5, 4],
    [3, 4, 6, 6],
  ],
  5,
  4,
);

describe('splitLastBasket', () => {
  it('holds out each repeat customer’s last basket, new items only', () => {
    const s = splitLastBasket(x);
    // held: A's basket 1 (2 lines), B's basket 3 (1), D's basket 6 (1)
    expect(s.heldOutLines).toBe(4);
    expect(s.heldOutShare).toBeCloseTo(4 / 11, 12);
    expect(s.train.length).toBe(7);
    expect(Array.from(s.train.basket)).toEqual([7, 0, 0, 2, 4, 4, 5]);
    expect(s.train.itemIds).toBe(x.itemIds);
    // A: item 0 is a repeat, dropped; D: only a repeat, so D is not evaluated; C has one basket.
    expect(rows(s.test)).toEqual([
      { customer: 0, held: [2], history: [0, 1, 3] },
      { customer: 1, held: [3], history: [1] },
    ]);
    expect(s.test.nUsers).toBe(2);
    expect(s.test.nItems).toBe(5);
    expect(s.test.repeats).toBe('exclude');
    expect(s.rule).toEqual({ kind: 'last-basket', keepRepeats: false });
  });

  it('keeps repeat purchases when asked', () => {
    const s = splitLastBasket(x, { keepRepeats: true });
    expect(rows(s.test)).toEqual([
      { customer: 0, held: [0, 2], history: [0, 1, 3] },
      { customer: 1, held: [3], history: [1] },
      { customer: 3, held: [4], history: [4] },
    ]);
    expect(s.test.repeats).toBe('keep');
  });

  it('is the default rule', () => {
    expect(rows(splitInteractions(x).test)).toEqual(rows(splitLastBasket(x).test));
  });

  it('validation applies the same rule inside train', () => {
    // train: A {b7 @t0, b0 @t1}, B {b2}, C {b4}, D {b5}: only A has 2 baskets; b0 is its last.
    const v = validationSplit(splitLastBasket(x));
    expect(rows(v.test)).toEqual([{ customer: 0, held: [0, 1], history: [3] }]);
    expect(v.train.length).toBe(5);
  });

  it('fails clearly when nobody has two baskets', () => {
    const one = interactions(
      [
        [0, 0, 0, 1],
        [1, 1, 1, 1],
      ],
      2,
      2,
    );
    expect(() => splitLastBasket(one)).toThrow(expect.objectContaining({ code: 'EVAL_EMPTY_TEST_SET' }));
  });
});

describe('splitLeaveLastOut', () => {
  it('holds out each customer’s latest line; a time tie holds out the larger item id', () => {
    // A: latest t5 holds items 2 and 0 → 2 (item 0 @t5 trains). B: 1 and 3 tie @t2 → 3.
    // C: 0 and 2 tie @t3 → 2. D: a single distinct item → nothing held out.
    const s = splitLeaveLastOut(x);
    expect(s.heldOutLines).toBe(3);
    expect(s.rule).toEqual({ kind: 'leave-last-out', keepRepeats: false });
    expect(rows(s.test)).toEqual([
      { customer: 0, held: [2], history: [0, 1, 3] },
      { customer: 1, held: [3], history: [1] },
      { customer: 2, held: [2], history: [0] },
    ]);
    expect(rows(splitInteractions(x, { kind: 'leave-last-out' }).test)).toEqual(rows(s.test));
  });

  it('one relevant item per customer; duplicate lines of it go together', () => {
    const y = interactions(
      [
        [0, 1, 0, 1],
        [0, 2, 1, 2],
        [0, 2, 1, 2],
        [0, 0, 1, 2],
      ],
      3,
      1,
    );
    const s = splitLeaveLastOut(y);
    expect(s.heldOutLines).toBe(2);
    expect(rows(s.test)).toEqual([{ customer: 0, held: [2], history: [0, 1] }]);
  });

  it('numeric ids tie by number, string ids by code point (not UTF-16 unit)', () => {
    // Items 0 and 1 tie at t1; item 2, bought earlier, is the history.
    const tie = (ids: string[], numeric: boolean) =>
      splitLeaveLastOut({
        ...interactions(
          [
            [0, 2, 0, 0],
            [0, 0, 1, 1],
            [0, 1, 1, 1],
          ],
          3,
          1,
        ),
        itemIds: [...ids, numeric ? '1' : 'filler'],
        itemIdsNumeric: numeric,
      });
    // Item indices deliberately not in id order: the rule looks at the ids.
    expect(rows(tie(['10', '9'], true).test)[0].held).toEqual([0]);
    expect(rows(tie(['10', '9'], false).test)[0].held).toEqual([1]);
    // U+1F600 is after U+FFFD by code point, before it by UTF-16 unit (0xD83D < 0xFFFD).
    expect(rows(tie(['\u{1F600}', '\uFFFD'], false).test)[0].held).toEqual([0]);
  });

  it('a repeat held out is dropped unless repeats are kept', () => {
    const y = interactions(
      [
        [0, 1, 0, 1],
        [0, 2, 1, 2],
        [0, 1, 2, 3],
      ],
      3,
      1,
    );
    expect(() => splitLeaveLastOut(y)).toThrow(expect.objectContaining({ code: 'EVAL_EMPTY_TEST_SET' }));
    expect(rows(splitLeaveLastOut(y, { keepRepeats: true }).test)).toEqual([
      { customer: 0, held: [1], history: [1, 2] },
    ]);
  });

  it('validation applies the same rule inside train', () => {
    // train: A {3@0, 0@1, 1@1, 0@5}: latest is 0@5 → held 0 … a repeat of 0@1, dropped;
    // B {1}, C {0}: one item each. So only with repeats kept is anyone evaluated.
    const outer = splitLeaveLastOut(x, { keepRepeats: true });
    const v = validationSplit(outer);
    expect(v.rule.kind).toBe('leave-last-out');
    expect(rows(v.test)).toEqual([{ customer: 0, held: [0], history: [0, 1, 3] }]);
  });
});

describe('splitByTime', () => {
  it('default: the newest 20 % of lines by time', () => {
    // times sorted: 0 1 1 2 2 3 3 4 5 5 6; round(0.2 × 11) = 2 → cut = 9th-smallest time = 5;
    // the tie at 5 holds out 3 lines (A's basket 1 and D's basket 6).
    const s = splitByTime(x);
    expect(s.rule).toEqual({ kind: 'time', cutAt: 5, fraction: 0.2, keepRepeats: false });
    expect(s.heldOutLines).toBe(3);
    // D's held-out item 4 is a repeat → D is not evaluated.
    expect(rows(s.test)).toEqual([{ customer: 0, held: [2], history: [0, 1, 3] }]);
  });

  it('a date cut: time < cut is train, time ≥ cut is test', () => {
    // cut 3: held = A b1 (t5), C b4 (t3, 2 lines), D b5 (t4), D b6 (t6) = 6 lines.
    // C and D have no line before the cut (no history), B none after it: only A is evaluated.
    const s = splitByTime(x, { cutAt: new Date(3) });
    expect(s.heldOutLines).toBe(6);
    expect(s.rule).toMatchObject({ kind: 'time', cutAt: 3, fraction: null });
    expect(rows(s.test)).toEqual([{ customer: 0, held: [2], history: [0, 1, 3] }]);
    expect(Array.from(s.train.time)).toEqual([0, 1, 1, 2, 2]);
    expect(rows(splitInteractions(x, { kind: 'time', cutAt: 3 }).test)).toEqual(rows(s.test));
  });

  it('validation cuts train again at the same share', () => {
    // one customer, five single-item baskets at t1..t5.
    const y = interactions(
      [
        [0, 0, 0, 1],
        [0, 1, 1, 2],
        [0, 2, 2, 3],
        [0, 3, 3, 4],
        [0, 4, 4, 5],
      ],
      5,
      1,
    );
    const outer = splitByTime(y); // round(0.2 × 5) = 1 line: cut 5
    expect(rows(outer.test)).toEqual([{ customer: 0, held: [4], history: [0, 1, 2, 3] }]);
    const inner = validationSplit(outer); // round(0.2 × 4) = 1 line: cut 4
    expect(rows(inner.test)).toEqual([{ customer: 0, held: [3], history: [0, 1, 2] }]);
    // a date cut that held out 1 of 5 lines → validation holds out round(0.2 × 4) = 1 line too.
    const byDate = validationSplit(splitByTime(y, { cutAt: 5 }));
    expect(rows(byDate.test)).toEqual(rows(inner.test));
  });

  it('rejects malformed rules and empty sides with a code and a field', () => {
    const bad = [
      () => splitByTime(x, { cutAt: 3, fraction: 0.1 }),
      () => splitByTime(x, { fraction: 1 }),
      () => splitByTime(x, { fraction: 0 }),
      () => splitByTime(x, { cutAt: new Date('not a date') }),
    ];
    for (const f of bad) expect(f).toThrow(expect.objectContaining({ code: 'EVAL_BAD_SPLIT', field: 'cut' }));
    expect(() => splitByTime(x, { cutAt: 0 })).toThrow(expect.objectContaining({ code: 'EVAL_EMPTY_TRAIN' }));
    expect(() => splitByTime(x, { cutAt: 100 })).toThrow(
      expect.objectContaining({ code: 'EVAL_EMPTY_TEST_SET' }),
    );
  });
});
