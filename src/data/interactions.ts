/**
 * Purchase lines in columnar form: what the trainer and the evaluator consume. One entry per
 * order line; parallel typed arrays, no per-line objects.
 *
 * Item indices follow id order (numeric for integer ids, code point otherwise), so
 * "ties go to the smaller id" is "ties go to the smaller index" everywhere downstream.
 */
export interface Interactions {
  /** Number of purchase lines. */
  readonly length: number;
  /** Dense customer index per line, in [0, customerIds.length). */
  readonly customer: Int32Array;
  /** Dense item index per line, in [0, itemIds.length). */
  readonly item: Int32Array;
  /** Dense basket (order) index per line, in [0, nBaskets). */
  readonly basket: Int32Array;
  /** Purchase time per line, epoch milliseconds (0 when the source has no time). */
  readonly time: Float64Array;
  /** Quantity per line. */
  readonly qty: Int32Array;
  /** Index → external item id, sorted by the id order above. */
  readonly itemIds: readonly string[];
  /** True when every item id is an integer. */
  readonly itemIdsNumeric: boolean;
  /** Index → external customer id. */
  readonly customerIds: readonly string[];
  readonly nBaskets: number;
}

/** Titles and authors for friendly answers, parallel to `Interactions.itemIds`. */
export interface ItemCatalogue {
  readonly title: readonly string[];
  readonly author: readonly string[];
  readonly genre: readonly string[];
}

/** Compare two item ids in the dataset's id order. */
export function compareItemIds(a: string, b: string, numeric: boolean): number {
  if (numeric) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Keep only the lines for which `keep(line)` is true; ids and indices are unchanged. */
export function selectLines(x: Interactions, keep: (line: number) => boolean): Interactions {
  let n = 0;
  const idx = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) if (keep(i)) idx[n++] = i;
  const pick = <T extends Int32Array | Float64Array>(src: T, dst: T): T => {
    for (let i = 0; i < n; i++) dst[i] = src[idx[i]];
    return dst;
  };
  return {
    length: n,
    customer: pick(x.customer, new Int32Array(n)),
    item: pick(x.item, new Int32Array(n)),
    basket: pick(x.basket, new Int32Array(n)),
    time: pick(x.time, new Float64Array(n)),
    qty: pick(x.qty, new Int32Array(n)),
    itemIds: x.itemIds,
    itemIdsNumeric: x.itemIdsNumeric,
    customerIds: x.customerIds,
    nBaskets: x.nBaskets,
  };
}
