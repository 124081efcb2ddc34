import { popularityOrder } from './popularity.js';

/**
 * Exposure of the catalogue in a recommender's evaluation lists: how many list slots each book got,
 * the share that went to long-tail books, and how concentrated exposure is by book, author and genre
 * (Gini). What a fairness gate reads. Pure: typed arrays in, numbers out.
 */

/**
 * The head of the catalogue: the most purchased 20 % of its books (by distinct train buyers, ties →
 * the dataset's id order, as `popularityOrder`). Every other book — unsold ones included — is the
 * long tail. A share of *books*, not of purchases, so the definition does not move with how skewed
 * sales are.
 */
export const HEAD_SHARE = 0.2;

/**
 * A grouping (author, genre) is applicable when at least this share of the catalogue's books carry
 * it: below, the groups would describe a part of the catalogue only. Books without one are left out.
 */
export const MIN_METADATA_SHARE = 0.95;

/** Book metadata parallel to the item indices (`ItemCatalogue`'s columns); '' = unknown. */
export interface ExposureCatalogue {
  readonly author?: readonly string[];
  readonly genre?: readonly string[];
}

/** A concentration by group: its Gini, or why it does not apply to this catalogue. */
export type GroupConcentration =
  | { readonly gini: number; readonly groups: number }
  | { readonly notApplicable: string };

/** What {@link exposureReport} returns (plain JSON). */
export interface ExposureReport {
  /** List slots filled, over every evaluated customer. */
  readonly slots: number;
  /** Share of slots holding a long-tail book, in [0, 1]. */
  readonly longTailShare: number;
  /** Gini of slots per book over the whole catalogue (unexposed books count as 0), in [0, 1). */
  readonly giniBook: number;
  readonly byAuthor: GroupConcentration;
  readonly byGenre: GroupConcentration;
  /** The head as used: its share of the catalogue and its size in books. */
  readonly head: { readonly share: number; readonly books: number };
}

/**
 * Gini coefficient of non-negative values: 0 when all are equal, (n−1)/n when one holds everything.
 * G = Σᵢ (2i − n − 1)·xᵢ / (n·Σx) over the values sorted ascending (i from 1). 0 for no mass.
 *
 * @example gini([0, 0, 0, 4]) // 0.75
 */
export function gini(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    total += sorted[i];
    weighted += (2 * (i + 1) - n - 1) * sorted[i];
  }
  return total > 0 ? weighted / (n * total) : 0;
}

/** 1 for long-tail books, 0 for the head (see {@link HEAD_SHARE}). */
export function longTailMask(popularity: Int32Array, headShare = HEAD_SHARE): Uint8Array {
  const tail = new Uint8Array(popularity.length).fill(1);
  const order = popularityOrder(popularity);
  const head = headSize(popularity.length, headShare);
  for (let r = 0; r < head; r++) tail[order[r]] = 0;
  return tail;
}

function headSize(n: number, headShare: number): number {
  return Math.ceil(headShare * n);
}

/**
 * Exposure summed by group: `labels[i]` is book i's group ('' = none, left out). Returns one total per
 * distinct label, or the reason the grouping does not apply (see {@link MIN_METADATA_SHARE}).
 */
export function groupExposure(
  exposure: Int32Array,
  labels: readonly string[] | undefined,
  what: string,
): Float64Array | { notApplicable: string } {
  const n = exposure.length;
  if (labels === undefined || labels.length !== n) {
    return { notApplicable: `the dataset has no ${what} column for its books` };
  }
  const index = new Map<string, number>();
  const group = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const label = labels[i].trim();
    if (label === '') continue;
    let g = index.get(label);
    if (g === undefined) {
      g = index.size;
      index.set(label, g);
    }
    group[i] = g;
  }
  let known = 0;
  for (let i = 0; i < n; i++) if (group[i] >= 0) known++;
  if (n === 0 || known / n < MIN_METADATA_SHARE) {
    return {
      notApplicable:
        known === 0
          ? `no book in the catalogue has ${article(what)}`
          : `only ${known} of ${n} books have ${article(what)} (needs ${Math.round(MIN_METADATA_SHARE * 100)} %)`,
    };
  }
  const totals = new Float64Array(index.size);
  for (let i = 0; i < n; i++) if (group[i] >= 0) totals[group[i]] += exposure[i];
  return totals;
}

function concentration(totals: Float64Array | { notApplicable: string }): GroupConcentration {
  if (!(totals instanceof Float64Array)) return totals;
  return { gini: gini(totals), groups: totals.length };
}

/**
 * Exposure statistics of one recommender's lists: `exposure[i]` is how many lists held book i,
 * `popularity` the train side's distinct buyers per book (defines the long tail), `catalogue` the
 * books' authors and genres when the dataset has them.
 *
 * @example
 * const r = exposureReport(scored.exposure, itemPopularity(train), loaded.catalogue);
 * r.longTailShare; r.giniBook; 'gini' in r.byAuthor ? r.byAuthor.gini : r.byAuthor.notApplicable;
 */
export function exposureReport(
  exposure: Int32Array,
  popularity: Int32Array,
  catalogue: ExposureCatalogue = {},
): ExposureReport {
  const tail = longTailMask(popularity);
  let slots = 0;
  let tailSlots = 0;
  for (let i = 0; i < exposure.length; i++) {
    slots += exposure[i];
    if (tail[i] === 1) tailSlots += exposure[i];
  }
  return {
    slots,
    longTailShare: slots > 0 ? tailSlots / slots : 0,
    giniBook: gini(exposure),
    byAuthor: concentration(groupExposure(exposure, catalogue.author, 'author')),
    byGenre: concentration(groupExposure(exposure, catalogue.genre, 'genre')),
    head: { share: HEAD_SHARE, books: headSize(popularity.length, HEAD_SHARE) },
  };
}

/**
 * The report as flat metrics (what the registry's fairness gate reads): `long_tail_exposure`,
 * `exposure_gini_book`, and `exposure_gini_author` / `exposure_gini_genre` when they apply.
 */
export function exposureMetrics(r: ExposureReport): Record<string, number> {
  const out: Record<string, number> = {
    long_tail_exposure: r.longTailShare,
    exposure_gini_book: r.giniBook,
  };
  if ('gini' in r.byAuthor) out.exposure_gini_author = r.byAuthor.gini;
  if ('gini' in r.byGenre) out.exposure_gini_genre = r.byGenre.gini;
  return out;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}
