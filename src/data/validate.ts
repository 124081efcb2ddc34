import {
  basketSizes,
  type Concentration,
  concentration,
  type Distribution,
  duplicateLines,
  itemCounts,
  type PopularityShift,
  popularityShift,
  round,
} from './data-stats.js';
import { formatIsoUtc } from './date-format.js';
import { DataBadOptionError } from './errors.js';
import { type LoadedDataset, type LoadIssues, loadDataset } from './load-interactions.js';

/**
 * Limits of the data-quality gate. Shares are fractions of order lines (or orders), 0..1.
 * Each default is in `DEFAULT_THRESHOLDS`.
 */
export interface ValidateThresholds {
  /** Fewest order lines worth training on. @default 1000 */
  minLines: number;
  /** Fewest distinct customers with a purchase. @default 10 */
  minCustomers: number;
  /** Fewest distinct books bought. @default 10 */
  minBooks: number;
  /** Most lines naming a book missing from books.csv. @default 0.01 */
  maxUnknownBookShare: number;
  /** Most lines naming an order missing from orders.csv. @default 0 */
  maxUnknownOrderShare: number;
  /** Most lines repeating a book already in the same order (real tills do this; doubled exports do it a lot). @default 0.05 */
  maxDuplicateShare: number;
  /** Most lines whose qty is not a positive integer. @default 0.001 */
  maxBadQtyShare: number;
  /** Most orders whose created_at is not a timestamp. @default 0 */
  maxBadDateShare: number;
  /** Most orders without any line. @default 0.05 */
  maxEmptyOrderShare: number;
  /** Most purchases going to the top 1 % of books (beyond it, recommendations are all the same few books). @default 0.5 */
  maxTop1PctShare: number;
  /** With a previous dataset: most Jensen–Shannon divergence of book popularity. @default 0.2 */
  maxPopularityJsd: number;
}

export const DEFAULT_THRESHOLDS: Readonly<ValidateThresholds> = Object.freeze({
  minLines: 1000,
  minCustomers: 10,
  minBooks: 10,
  maxUnknownBookShare: 0.01,
  maxUnknownOrderShare: 0,
  maxDuplicateShare: 0.05,
  maxBadQtyShare: 0.001,
  maxBadDateShare: 0,
  maxEmptyOrderShare: 0.05,
  maxTop1PctShare: 0.5,
  maxPopularityJsd: 0.2,
});

/** One named check of the gate. */
export interface DataCheck {
  name: string;
  value: number;
  op: '>=' | '<=';
  threshold: number;
  pass: boolean;
}

/** The data-quality report of one dataset (and, with `against`, its shift from another). */
export interface DataReport {
  dataset: { hash: string; uri: string };
  /** Rows in each file. */
  counts: { books: number; customers: number; orders: number; orderLines: number };
  /** What the lines actually use. */
  distinct: { customers: number; books: number; baskets: number };
  issues: LoadIssues & { duplicateLines: number };
  basketSize: Distribution;
  popularity: Concentration;
  dateRange: { first: string; last: string; days: number } | null;
  against?: { dataset: { hash: string; uri: string }; shift: PopularityShift };
  checks: DataCheck[];
  pass: boolean;
}

/**
 * Build the report from loaded datasets (load them with `strict: false` so issues are counted,
 * not thrown). Pure: no I/O.
 */
export function reportFor(
  now: LoadedDataset,
  previous?: LoadedDataset,
  limits: Partial<ValidateThresholds> = {},
): DataReport {
  const t = { ...DEFAULT_THRESHOLDS, ...limits };
  for (const [k, v] of Object.entries(t)) {
    if (typeof v !== 'number' || Number.isNaN(v))
      throw new DataBadOptionError(k, `must be a number, got ${v}`);
  }
  const x = now.interactions;
  const counts = itemCounts(x);
  let booksBought = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) booksBought++;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (let l = 0; l < x.length; l++) {
    const v = x.time[l];
    if (v === 0) continue;
    if (v < first) first = v;
    if (v > last) last = v;
  }
  const issues = { ...now.issues, duplicateLines: duplicateLines(x) };
  const linesRead = x.length + issues.unknownOrderLines;
  const share = (n: number, of: number) => round(of === 0 ? 0 : n / of);
  const checks: DataCheck[] = [];
  const check = (name: string, value: number, op: '>=' | '<=', threshold: number) =>
    checks.push({ name, value, op, threshold, pass: op === '>=' ? value >= threshold : value <= threshold });
  const popularity = concentration(counts);
  check('lines', x.length, '>=', t.minLines);
  check('customers', x.customerIds.length, '>=', t.minCustomers);
  check('books-bought', booksBought, '>=', t.minBooks);
  check('unknown-book-share', share(issues.unknownBookLines, x.length), '<=', t.maxUnknownBookShare);
  check('unknown-order-share', share(issues.unknownOrderLines, linesRead), '<=', t.maxUnknownOrderShare);
  check('duplicate-line-share', share(issues.duplicateLines, x.length), '<=', t.maxDuplicateShare);
  check('bad-qty-share', share(issues.badQtyLines, x.length), '<=', t.maxBadQtyShare);
  check('bad-date-share', share(issues.badDateOrders, issues.orders), '<=', t.maxBadDateShare);
  check('empty-order-share', share(issues.ordersWithoutLines, issues.orders), '<=', t.maxEmptyOrderShare);
  check('top-1pct-share', popularity.top1PctShare, '<=', t.maxTop1PctShare);

  let against: DataReport['against'];
  if (previous) {
    const shift = popularityShift(
      { x, catalogue: now.catalogue },
      { x: previous.interactions, catalogue: previous.catalogue },
    );
    against = { dataset: { hash: previous.manifest.hash, uri: previous.manifest.source.uri }, shift };
    check('popularity-jsd', shift.jsd, '<=', t.maxPopularityJsd);
  }
  return {
    dataset: { hash: now.manifest.hash, uri: now.manifest.source.uri },
    counts: now.manifest.counts,
    distinct: { customers: x.customerIds.length, books: booksBought, baskets: x.nBaskets },
    issues,
    basketSize: basketSizes(x),
    popularity,
    dateRange:
      first === Number.POSITIVE_INFINITY
        ? null
        : { first: formatIsoUtc(first), last: formatIsoUtc(last), days: round((last - first) / 86_400_000) },
    ...(against ? { against } : {}),
    checks,
    pass: checks.every((c) => c.pass),
  };
}

/**
 * Validate the dataset in `dir` (optionally against the one in `againstDir`): load leniently,
 * verify the file hashes, report.
 * @example const report = await validateDataset(resolveDataset(ws).dir); if (!report.pass) …
 */
export async function validateDataset(
  dir: string,
  opts: {
    againstDir?: string;
    thresholds?: Partial<ValidateThresholds>;
    onProgress?: (doneBytes: number, totalBytes: number) => void;
    /** `loadDataset`'s parse cache: a pipeline validates first, and its other steps then read the parse. */
    cacheDir?: string;
  } = {},
): Promise<DataReport> {
  const { cacheDir } = opts;
  const now = await loadDataset(dir, { strict: false, onProgress: opts.onProgress, cacheDir });
  const previous = opts.againstDir
    ? await loadDataset(opts.againstDir, { strict: false, cacheDir })
    : undefined;
  return reportFor(now, previous, opts.thresholds);
}
