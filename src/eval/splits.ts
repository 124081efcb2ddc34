import { type Interactions, selectLines } from '../data/index.js';
import { EvaluationError } from './errors.js';
import { buildTestSet, type TestSet } from './test-set.js';

/** Share of lines (by time) the time split holds out when no cut is given. */
export const DEFAULT_TEST_FRACTION = 0.2;

/**
 * Hold out each customer's last basket (by time, ties → larger basket index), for customers with
 * at least 2 baskets; everything else is train. The default rule: it asks "given what this
 * customer bought before, what do they buy next?", and every repeat customer is evaluated.
 */
export interface LastBasketRule {
  kind: 'last-basket';
  /** Keep held-out items the customer already bought in train (see {@link TestSet}). @default false */
  keepRepeats?: boolean;
}

/**
 * A global time cut: lines with `time < cut` are train, `time >= cut` are test. Closer to
 * production (the model never sees the future), but customers new after the cut are not evaluated.
 * Give `cutAt` (a date) or `fraction` (share of lines, by time, to hold out), not both.
 */
export interface TimeRule {
  kind: 'time';
  /** The cut, as a Date or epoch milliseconds. */
  cutAt?: Date | number;
  /**
   * Share of lines to hold out, in (0, 1): the cut is the time of the first line of the newest
   * `round(fraction × lines)`; lines tied with it are held out too, so the share can be a bit larger.
   * @default 0.2
   */
  fraction?: number;
  /** Keep held-out items the customer already bought in train (see {@link TestSet}). @default false */
  keepRepeats?: boolean;
}

/**
 * Leave-last-out: per customer with at least 2 distinct items, the latest interaction is held out —
 * one relevant item per customer. Ties at the same time hold out the larger item id (numeric order
 * for integer ids, code-point order otherwise: item indices follow that order, so the larger index).
 * Duplicate lines of that (item, time) go with it; every other line trains.
 */
export interface LeaveLastOutRule {
  kind: 'leave-last-out';
  /** Keep a held-out item the customer also bought earlier (see {@link TestSet}). @default false */
  keepRepeats?: boolean;
}

/** How to split interactions into train and test. */
export type SplitRule = LastBasketRule | LeaveLastOutRule | TimeRule;

/** The split rules by name, as the CLI and the tuner spell them. */
export const SPLIT_KINDS = ['leave-last-out', 'last-basket', 'time'] as const;

/** A split: train interactions, the held-out test set, and the rule as it was applied. */
export interface Split {
  /** Train lines; ids and indices unchanged from the input. */
  readonly train: Interactions;
  readonly test: TestSet;
  /** The rule with every default filled in; for `time`, `cutAt` is the cut actually used. */
  readonly rule:
    | { kind: 'last-basket' | 'leave-last-out'; keepRepeats: boolean }
    | { kind: 'time'; cutAt: number; fraction: number | null; keepRepeats: boolean };
  /** Lines held out (before dropping customers who cannot be evaluated). */
  readonly heldOutLines: number;
  /** Share of all lines held out, in [0, 1]. */
  readonly heldOutShare: number;
  /**
   * Per customer index, the time of their held-out moment (the held-out item's or basket's time),
   * NaN for customers with nothing held out; absent for `time` (one cut for all). Only times, never
   * items: {@link validationSplit} rewinds each customer to before it.
   */
  readonly heldOutTime?: Float64Array;
}

/**
 * Leave-last-basket-out.
 *
 * @example
 * const { train, test } = splitLastBasket(interactions);
 * console.log(`${test.nUsers} customers evaluated on their last order`);
 */
export function splitLastBasket(x: Interactions, opts: { keepRepeats?: boolean } = {}): Split {
  const keepRepeats = opts.keepRepeats ?? false;
  const nC = x.customerIds.length;
  const lastBasket = new Int32Array(nC).fill(-1);
  const lastTime = new Float64Array(nC).fill(Number.NEGATIVE_INFINITY);
  const baskets = new Int32Array(nC);
  // A basket counts once for the first customer seen with it (an order has one customer).
  const owner = new Int32Array(x.nBaskets).fill(-1);
  for (let l = 0; l < x.length; l++) {
    const c = x.customer[l];
    const b = x.basket[l];
    const t = x.time[l];
    if (owner[b] === -1) {
      owner[b] = c;
      baskets[c]++;
    }
    if (t > lastTime[c] || (t === lastTime[c] && b > lastBasket[c])) {
      lastTime[c] = t;
      lastBasket[c] = b;
    }
  }
  const isTest = new Uint8Array(x.length);
  const heldOutTime = new Float64Array(nC).fill(Number.NaN);
  let held = 0;
  for (let l = 0; l < x.length; l++) {
    const c = x.customer[l];
    if (baskets[c] >= 2 && x.basket[l] === lastBasket[c]) {
      isTest[l] = 1;
      heldOutTime[c] = lastTime[c];
      held++;
    }
  }
  return { ...finish(x, isTest, held, { kind: 'last-basket', keepRepeats }, 'last-basket'), heldOutTime };
}

/**
 * Leave-last-out (see {@link LeaveLastOutRule}). O(lines).
 *
 * @example
 * const { train, test } = splitLeaveLastOut(interactions); // one held-out book per customer
 */
export function splitLeaveLastOut(x: Interactions, opts: { keepRepeats?: boolean } = {}): Split {
  const keepRepeats = opts.keepRepeats ?? false;
  const nC = x.customerIds.length;
  const lastItem = new Int32Array(nC).fill(-1);
  const lastTime = new Float64Array(nC).fill(Number.NEGATIVE_INFINITY);
  // Distinct items per customer, counted up to 2: the first item seen, and whether another followed.
  const firstItem = new Int32Array(nC).fill(-1);
  const distinct = new Uint8Array(nC);
  for (let l = 0; l < x.length; l++) {
    const c = x.customer[l];
    const it = x.item[l];
    const t = x.time[l];
    if (firstItem[c] === -1) {
      firstItem[c] = it;
      distinct[c] = 1;
    } else if (it !== firstItem[c]) distinct[c] = 2;
    if (t > lastTime[c] || (t === lastTime[c] && largerId(x, it, lastItem[c]))) {
      lastTime[c] = t;
      lastItem[c] = it;
    }
  }
  const isTest = new Uint8Array(x.length);
  const heldOutTime = new Float64Array(nC).fill(Number.NaN);
  let held = 0;
  for (let l = 0; l < x.length; l++) {
    const c = x.customer[l];
    if (distinct[c] === 2 && x.item[l] === lastItem[c] && x.time[l] === lastTime[c]) {
      isTest[l] = 1;
      heldOutTime[c] = lastTime[c];
      held++;
    }
  }
  return {
    ...finish(x, isTest, held, { kind: 'leave-last-out', keepRepeats }, 'leave-last-out'),
    heldOutTime,
  };
}

/**
 * Global time cut.
 *
 * @example
 * const split = splitByTime(interactions, { cutAt: new Date('2024-06-01T00:00:00Z') });
 * const last20 = splitByTime(interactions); // newest 20 % of lines held out
 */
export function splitByTime(x: Interactions, opts: Omit<TimeRule, 'kind'> = {}): Split {
  const keepRepeats = opts.keepRepeats ?? false;
  if (opts.cutAt !== undefined && opts.fraction !== undefined) {
    throw new EvaluationError('EVAL_BAD_SPLIT', 'give the time cut as a date or as a fraction, not both', {
      field: 'cut',
    });
  }
  let cut: number;
  let fraction: number | null = null;
  if (opts.cutAt !== undefined) {
    cut = opts.cutAt instanceof Date ? opts.cutAt.getTime() : opts.cutAt;
    if (!Number.isFinite(cut)) {
      throw new EvaluationError('EVAL_BAD_SPLIT', `the cut is not a valid date (${String(opts.cutAt)})`, {
        field: 'cut',
      });
    }
  } else {
    fraction = opts.fraction ?? DEFAULT_TEST_FRACTION;
    if (!(fraction > 0 && fraction < 1)) {
      throw new EvaluationError(
        'EVAL_BAD_SPLIT',
        `the held-out fraction must be in (0, 1), got ${fraction}`,
        {
          field: 'cut',
        },
      );
    }
    cut = fractionCut(x.time, fraction);
  }
  const isTest = new Uint8Array(x.length);
  let held = 0;
  for (let l = 0; l < x.length; l++) {
    if (x.time[l] >= cut) {
      isTest[l] = 1;
      held++;
    }
  }
  return finish(x, isTest, held, { kind: 'time', cutAt: cut, fraction, keepRepeats }, 'time');
}

/**
 * Split by a rule.
 *
 * @example
 * const split = splitInteractions(interactions, { kind: 'time', fraction: 0.1 });
 */
export function splitInteractions(x: Interactions, rule: SplitRule = { kind: 'last-basket' }): Split {
  if (rule.kind === 'time') return splitByTime(x, rule);
  return rule.kind === 'leave-last-out' ? splitLeaveLastOut(x, rule) : splitLastBasket(x, rule);
}

/**
 * The same rule applied again inside a split's train side, for model selection: tune on the
 * validation split, report once on the outer test set. A time split cut at a date becomes a cut
 * holding out the same share of train lines the outer cut held out of all lines (the date itself
 * would hold out nothing: every train line is before it).
 *
 * For `leave-last-out` and `last-basket`, each customer is first rewound to before their held-out
 * moment (`heldOutTime`): train lines at that same time are dropped, then the rule is applied. The
 * validation split is thus the test split as it would have been drawn one step earlier. Without the
 * rewind, data with coarse times (a day per basket) breaks the likeness: the test item is the
 * largest id of the last basket and the validation item the *second* largest of the same basket, a
 * population of items that differs systematically (for string ids, by name) from the test's. With
 * distinct times per line nothing is dropped and the two forms agree.
 *
 * @example
 * const outer = splitInteractions(interactions);
 * const inner = validationSplit(outer); // train on inner.train, compare params on inner.test
 */
export function validationSplit(
  outer: Pick<Split, 'train' | 'rule' | 'heldOutShare' | 'heldOutTime'>,
): Split {
  const r = outer.rule;
  if (r.kind !== 'time') {
    const again = r.kind === 'last-basket' ? splitLastBasket : splitLeaveLastOut;
    return again(rewind(outer.train, outer.heldOutTime), { keepRepeats: r.keepRepeats });
  }
  const fraction = r.fraction ?? Math.min(Math.max(outer.heldOutShare, 1e-9), 1 - 1e-9);
  return splitByTime(outer.train, { fraction, keepRepeats: r.keepRepeats });
}

/** `train` without each customer's lines at or after their held-out time (the test's tied context). */
function rewind(train: Interactions, heldOutTime: Float64Array | undefined): Interactions {
  if (heldOutTime === undefined) return train;
  let drop = 0;
  for (let l = 0; l < train.length; l++) if (train.time[l] >= heldOutTime[train.customer[l]]) drop++;
  if (drop === 0) return train;
  return selectLines(train, (l) => !(train.time[l] >= heldOutTime[train.customer[l]]));
}

/**
 * Whether item `a`'s id is after item `b`'s: numerically for integer ids, else by code point (not
 * UTF-16 unit: the two differ past U+FFFF). Ids are compared, not indices, so the rule holds for any
 * `Interactions`, whatever order its item table is in.
 */
function largerId(x: Interactions, a: number, b: number): boolean {
  if (b < 0) return true;
  if (a === b) return false;
  const ia = x.itemIds[a];
  const ib = x.itemIds[b];
  if (x.itemIdsNumeric) return Number(ia) > Number(ib);
  const ca = [...ia];
  const cb = [...ib];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = (ca[i].codePointAt(0) ?? 0) - (cb[i].codePointAt(0) ?? 0);
    if (d !== 0) return d > 0;
  }
  return ca.length > cb.length;
}

/** The time of the first of the newest round(fraction × n) lines. */
function fractionCut(time: Float64Array, fraction: number): number {
  const n = time.length;
  const m = Math.max(1, Math.round(fraction * n));
  if (n === 0) return 0;
  const sorted = Float64Array.from(time).sort();
  return sorted[Math.max(0, n - m)];
}

function finish(
  x: Interactions,
  isTest: Uint8Array,
  held: number,
  rule: Split['rule'],
  kind: SplitRule['kind'],
): Split {
  if (held === x.length) {
    throw new EvaluationError(
      'EVAL_EMPTY_TRAIN',
      kind === 'time'
        ? `every line is at or after the cut (${isoOrRaw(rule)}): move the cut later; ` +
            'if the data has no order dates (every time is 0), use --split last-basket'
        : kind === 'leave-last-out'
          ? 'every line is held out: the data has no customer with more than one distinct item'
          : 'every line is held out: the data has no customer with more than one basket',
      { field: kind === 'time' ? 'cut' : 'split' },
    );
  }
  const test = buildTestSet(x, isTest, rule.keepRepeats);
  if (test.nUsers === 0) {
    throw new EvaluationError(
      'EVAL_EMPTY_TEST_SET',
      kind === 'time'
        ? `no customer bought before the cut (${isoOrRaw(rule)}) and something new after it: move the cut earlier, or use --split last-basket`
        : kind === 'leave-last-out'
          ? 'no customer has 2 or more distinct items with a new one last: the data needs repeat customers, or use --split time'
          : 'no customer has 2 or more baskets with something new in the last one: the data needs repeat customers, or use --split time',
      { field: kind === 'time' ? 'cut' : 'split' },
    );
  }
  const train = selectLines(x, (l) => isTest[l] === 0);
  return { train, test, rule, heldOutLines: held, heldOutShare: x.length === 0 ? 0 : held / x.length };
}

function isoOrRaw(rule: Split['rule']): string {
  if (rule.kind !== 'time') return '';
  const d = new Date(rule.cutAt);
  return Number.isFinite(d.getTime()) ? d.toISOString() : String(rule.cutAt);
}
