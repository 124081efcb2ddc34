import type { Interactions } from '../data/index.js';

/**
 * The held-out side of a split, in CSR form: one row per evaluated customer ("user"), holding the
 * distinct items they bought in the test period and the distinct items they bought in train.
 *
 * Users `u` run over `[0, nUsers)`; their held-out items are
 * `heldItems[heldOffsets[u] .. heldOffsets[u + 1])` and their train history is
 * `historyItems[historyOffsets[u] .. historyOffsets[u + 1])`, both sorted ascending, no duplicates.
 * Only customers with a non-empty history and a non-empty held-out row are users.
 *
 * Repeat purchases: with `repeats: 'exclude'` (the default) a held-out item the customer already
 * bought in train is dropped — purchase data is implicit feedback, every recommender here leaves
 * the customer's history out of its list, and "you bought this again" is not a discovery.
 * With `repeats: 'keep'` such items stay relevant; since recommenders exclude history they can
 * never be hit, so the metrics then measure against all demand, repeat buying included.
 */
export interface TestSet {
  /** Catalogue size: item indices are in [0, nItems). */
  readonly nItems: number;
  /** Evaluated customers. */
  readonly nUsers: number;
  /** Customer index (into `Interactions.customerIds`) per user, ascending. */
  readonly customer: Int32Array;
  /** Length nUsers + 1. */
  readonly heldOffsets: Int32Array;
  readonly heldItems: Int32Array;
  /** Length nUsers + 1. */
  readonly historyOffsets: Int32Array;
  readonly historyItems: Int32Array;
  /** How held-out items already in the train history were treated. */
  readonly repeats: 'exclude' | 'keep';
}

/**
 * Lines grouped by customer (a counting sort): customer c's lines are
 * `lines[offsets[c] .. offsets[c + 1])`, in their original order. Lines with `skip[l] === skipValue`
 * are left out when `skip` is given.
 */
export function linesByCustomer(
  x: Interactions,
  skip?: Uint8Array,
  skipValue = 1,
): { offsets: Int32Array; lines: Int32Array } {
  const nC = x.customerIds.length;
  const offsets = new Int32Array(nC + 1);
  let total = 0;
  for (let l = 0; l < x.length; l++) {
    if (skip !== undefined && skip[l] === skipValue) continue;
    offsets[x.customer[l] + 1]++;
    total++;
  }
  for (let c = 0; c < nC; c++) offsets[c + 1] += offsets[c];
  const cursor = offsets.slice(0, nC);
  const lines = new Int32Array(total);
  for (let l = 0; l < x.length; l++) {
    if (skip !== undefined && skip[l] === skipValue) continue;
    lines[cursor[x.customer[l]]++] = l;
  }
  return { offsets, lines };
}

/**
 * Build the test set of a split from a per-line mask (`isTest[l] === 1` → held out).
 * O(lines + items); sorting happens per customer row only.
 */
export function buildTestSet(x: Interactions, isTest: Uint8Array, keepRepeats: boolean): TestSet {
  const nC = x.customerIds.length;
  const nI = x.itemIds.length;
  const train = linesByCustomer(x, isTest, 1);
  const test = linesByCustomer(x, isTest, 0);

  // Upper bounds; trimmed at the end.
  const customer = new Int32Array(nC);
  const heldOffsets = new Int32Array(nC + 1);
  const heldItems = new Int32Array(test.lines.length);
  const historyOffsets = new Int32Array(nC + 1);
  const historyItems = new Int32Array(train.lines.length);
  const inHistory = new Int32Array(nI).fill(-1);
  const inHeld = new Int32Array(nI).fill(-1);

  let nUsers = 0;
  let hLen = 0;
  let gLen = 0;
  for (let c = 0; c < nC; c++) {
    const hs = train.offsets[c];
    const he = train.offsets[c + 1];
    const ts = test.offsets[c];
    const te = test.offsets[c + 1];
    if (hs === he || ts === te) continue;
    const hStart = hLen;
    for (let j = hs; j < he; j++) {
      const it = x.item[train.lines[j]];
      if (inHistory[it] === c) continue;
      inHistory[it] = c;
      historyItems[hLen++] = it;
    }
    const gStart = gLen;
    for (let j = ts; j < te; j++) {
      const it = x.item[test.lines[j]];
      if (inHeld[it] === c) continue;
      inHeld[it] = c;
      if (!keepRepeats && inHistory[it] === c) continue;
      heldItems[gLen++] = it;
    }
    if (gLen === gStart) {
      hLen = hStart;
      continue;
    }
    historyItems.subarray(hStart, hLen).sort();
    heldItems.subarray(gStart, gLen).sort();
    customer[nUsers] = c;
    nUsers++;
    historyOffsets[nUsers] = hLen;
    heldOffsets[nUsers] = gLen;
  }
  return {
    nItems: nI,
    nUsers,
    customer: customer.slice(0, nUsers),
    heldOffsets: heldOffsets.slice(0, nUsers + 1),
    heldItems: heldItems.slice(0, gLen),
    historyOffsets: historyOffsets.slice(0, nUsers + 1),
    historyItems: historyItems.slice(0, hLen),
    repeats: keepRepeats ? 'keep' : 'exclude',
  };
}
