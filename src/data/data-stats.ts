import type { Interactions, ItemCatalogue } from './interactions.js';

/**
 * The numbers behind the data-quality report, computed from columnar `Interactions` with typed
 * arrays only (they run on 20-million-line datasets).
 */

/** Summary of a distribution of counts (nearest-rank percentiles). */
export interface Distribution {
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Lines per basket, over baskets with at least one line. */
export function basketSizes(x: Interactions): Distribution {
  const size = new Int32Array(x.nBaskets);
  for (let l = 0; l < x.length; l++) size[x.basket[l]]++;
  let max = 0;
  for (let b = 0; b < size.length; b++) if (size[b] > max) max = size[b];
  const hist = new Float64Array(max + 1);
  let n = 0;
  for (let b = 0; b < size.length; b++) {
    if (size[b] > 0) {
      hist[size[b]]++;
      n++;
    }
  }
  if (n === 0) return { min: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const at = (q: number): number => {
    const rank = Math.max(1, Math.ceil(q * n));
    let c = 0;
    for (let s = 0; s <= max; s++) if ((c += hist[s]) >= rank) return s;
    return max;
  };
  let min = 0;
  while (hist[min] === 0) min++;
  return { min, p50: at(0.5), p90: at(0.9), p99: at(0.99), max, mean: round(x.length / n) };
}

/** (basket, item) pairs beyond their first occurrence: the same book twice in one order. */
export function duplicateLines(x: Interactions): number {
  const start = new Int32Array(x.nBaskets + 1);
  for (let l = 0; l < x.length; l++) start[x.basket[l] + 1]++;
  for (let b = 0; b < x.nBaskets; b++) start[b + 1] += start[b];
  const order = new Int32Array(x.length);
  const cursor = start.slice(0, x.nBaskets);
  for (let l = 0; l < x.length; l++) order[cursor[x.basket[l]]++] = l;
  const stamp = new Int32Array(x.itemIds.length).fill(-1);
  let dups = 0;
  for (let b = 0; b < x.nBaskets; b++) {
    for (let p = start[b]; p < start[b + 1]; p++) {
      const i = x.item[order[p]];
      if (stamp[i] === b) dups++;
      else stamp[i] = b;
    }
  }
  return dups;
}

/** Purchase lines per item index. */
export function itemCounts(x: Interactions): Float64Array {
  const c = new Float64Array(x.itemIds.length);
  for (let l = 0; l < x.length; l++) c[x.item[l]]++;
  return c;
}

/** Concentration of purchases over books: Gini (0 = even, →1 = one book) and top-share. */
export interface Concentration {
  gini: number;
  /** Share of purchase lines going to the top 1 % of books (at least one book). */
  top1PctShare: number;
  top10PctShare: number;
}

export function concentration(counts: Float64Array): Concentration {
  const n = counts.length;
  const sorted = Float64Array.from(counts).sort();
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    total += sorted[i];
    weighted += (2 * (i + 1) - n - 1) * sorted[i];
  }
  if (total === 0) return { gini: 0, top1PctShare: 0, top10PctShare: 0 };
  const top = (q: number): number => {
    let s = 0;
    for (let i = n - Math.max(1, Math.ceil(q * n)); i < n; i++) s += sorted[i];
    return round(s / total);
  };
  return { gini: round(weighted / (n * total)), top1PctShare: top(0.01), top10PctShare: top(0.1) };
}

/** How far the purchase shares of books moved between two datasets. */
export interface PopularityShift {
  /** Jensen–Shannon divergence of the purchase shares, log base 2: 0 = same, 1 = disjoint. */
  jsd: number;
  /** Total-variation distance: half the sum of absolute share changes, 0..1. */
  tvd: number;
  /** The books whose share moved most, biggest move first. */
  topMovers: Array<{ book: string; title: string; before: number; after: number; change: number }>;
  /** Books bought now and not before, and the reverse (counts and the first ids in id order). */
  newBooks: { count: number; examples: string[] };
  vanishedBooks: { count: number; examples: string[] };
}

/**
 * Compare purchase shares per book id (ids match by their external string).
 * @param movers how many top movers to list. @default 10
 */
export function popularityShift(
  now: { x: Interactions; catalogue: ItemCatalogue },
  before: { x: Interactions; catalogue: ItemCatalogue },
  movers = 10,
): PopularityShift {
  const share = new Map<string, { before: number; after: number; title: string }>();
  const add = (x: Interactions, cat: ItemCatalogue, key: 'before' | 'after'): void => {
    const c = itemCounts(x);
    const total = x.length || 1;
    for (let i = 0; i < c.length; i++) {
      if (c[i] === 0) continue;
      const id = x.itemIds[i];
      const e = share.get(id) ?? { before: 0, after: 0, title: cat.title[i] };
      e[key] = c[i] / total;
      share.set(id, e);
    }
  };
  add(before.x, before.catalogue, 'before');
  add(now.x, now.catalogue, 'after');
  let jsd = 0;
  let tvd = 0;
  const moved: PopularityShift['topMovers'] = [];
  const fresh: string[] = [];
  const gone: string[] = [];
  for (const [book, e] of share) {
    const m = (e.before + e.after) / 2;
    if (e.before > 0) jsd += 0.5 * e.before * Math.log2(e.before / m);
    if (e.after > 0) jsd += 0.5 * e.after * Math.log2(e.after / m);
    tvd += 0.5 * Math.abs(e.after - e.before);
    moved.push({ book, title: e.title, before: e.before, after: e.after, change: e.after - e.before });
    if (e.before === 0) fresh.push(book);
    if (e.after === 0) gone.push(book);
  }
  const numeric = now.x.itemIdsNumeric && before.x.itemIdsNumeric;
  const byId = (a: string, b: string) => (numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0);
  moved.sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || byId(a.book, b.book));
  return {
    jsd: round(Math.max(0, jsd)),
    tvd: round(tvd),
    topMovers: moved.slice(0, movers).map((m) => ({
      ...m,
      before: round(m.before),
      after: round(m.after),
      change: round(m.change),
    })),
    newBooks: { count: fresh.length, examples: fresh.sort(byId).slice(0, 10) },
    vanishedBooks: { count: gone.length, examples: gone.sort(byId).slice(0, 10) },
  };
}

/** Six significant digits: reports stay readable and stable across runs. */
export function round(v: number): number {
  return v === 0 || !Number.isFinite(v) ? v : Number(v.toPrecision(6));
}
