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

  it('validation applies the same rule inside train, rewound to before the held-out moment', () => {
    // Outer: A's item 2 @t5 held out. Its tied line (0 @t5) is dropped from the validation data, so
    // A is rewound to {3@0, 0@1, 1@1}: latest t1, tie → item 1 held out, history {0, 3}.
    const outer = splitLeaveLastOut(x, { keepRepeats: true });
    expect(Array.from(outer.heldOutTime!)).toEqual([5, 2, 3, Number.NaN]);
    const v = validationSplit(outer);
    expect(v.rule.kind).toBe('leave-last-out');
    expect(rows(v.test)).toEqual([{ customer: 0, held: [1], history: [0, 3] }]);
    // Rewound: A's 0@5, B's 1@2, C's 0@3 (their held-out times); then A's 1@1 held out.
    expect(v.train.length).toBe(outer.train.length - 3 - 1);
  });

  it('with one time per basket, the validation item comes from the previous basket, like the test item', () => {
    // A customer buys baskets of 3 items on days 1, 2, 3. Test: the largest id of day 3. Without the
    // rewind, validation would hold out the *second* largest id of day 3; with it, the largest of day 2.
    const y = interactions(
      [
        [0, 0, 0, 1],
        [0, 4, 0, 1],
        [0, 8, 0, 1],
        [0, 1, 1, 2],
        [0, 5, 1, 2],
        [0, 9, 1, 2],
        [0, 2, 2, 3],
        [0, 6, 2, 3],
        [0, 7, 2, 3],
      ],
      10,
      1,
    );
    const outer = splitLeaveLastOut(y);
    expect(rows(outer.test)).toEqual([{ customer: 0, held: [7], history: [0, 1, 2, 4, 5, 6, 8, 9] }]);
    const v = validationSplit(outer);
    expect(rows(v.test)).toEqual([{ customer: 0, held: [9], history: [0, 1, 4, 5, 8] }]);
    // Distinct times per line: nothing is dropped, the rewind changes nothing.
    const distinct = { ...y, time: Float64Array.from(y.time, (t, l) => t * 10 + l) };
    const o2 = splitLeaveLastOut(distinct);
    expect(validationSplit(o2).train.length).toBe(o2.train.length - 1);
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
