import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from './load-interactions.js';
import { DEFAULT_THRESHOLDS, reportFor, validateDataset } from './validate.js';

/**
 * A dataset small enough to count by hand, with one of every problem the report looks for.
 *
 * books 1..5 in books.csv; customers 1..4 (4 never buys).
 * orders: 1 (c1, Jan 1 10:00), 2 (c1, Jan 3 10:00), 3 (c2, Jan 2), 4 (c3, Jan 11 10:00),
 *   5 (c3, no lines), 6 (c2, a date that is not one), and order 2 listed twice (the repeat ignored).
 * lines: order 1: books 1, 2, 1 again (a duplicate); order 2: 3; order 3: 1 and 9 (unknown book);
 *   order 4: 1, 2 with qty 0, 3; order 6: 4; order 7 (unknown order, dropped): book 8.
 */
const NOW = {
  'books.csv': [
    'id,title,author,genre,price',
    '1,A,X,g,1',
    '2,B,X,g,1',
    '3,C,Y,h,1',
    '4,D,Y,h,1',
    '5,E,Z,h,1',
  ],
  'customers.csv': ['id', '1', '2', '3', '4'],
  'orders.csv': [
    'id,customer_id,created_at',
    '1,1,2025-01-01T10:00:00Z',
    '2,1,2025-01-03T10:00:00Z',
    '3,2,2025-01-02T00:00:00Z',
    '4,3,2025-01-11T10:00:00Z',
    '5,3,2025-01-05T00:00:00Z',
    '6,2,not a date',
    '2,3,2025-02-01T00:00:00Z',
  ],
  'order_lines.csv': [
    'order_id,book_id,qty,price',
    '1,1,1,1',
    '1,2,1,1',
    '1,1,2,1',
    '2,3,1,1',
    '3,1,1,1',
    '3,9,1,1',
    '4,1,1,1',
    '4,2,0,1',
    '4,3,1,1',
    '6,4,1,1',
    '7,8,1,1',
  ],
};

/** The dataset before: books 1, 2, 3 and 5 bought once each. */
const BEFORE = {
  'books.csv': NOW['books.csv'],
  'customers.csv': ['id', '1', '2'],
  'orders.csv': ['id,customer_id,created_at', '1,1,2024-12-01T00:00:00Z', '2,2,2024-12-02T00:00:00Z'],
  'order_lines.csv': ['order_id,book_id,qty,price', '1,1,1,1', '1,2,1,1', '2,3,1,1', '2,5,1,1'],
};

let root: string;
let now: string;
let before: string;
function writeDir(name: string, files: Record<string, string[]>): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const [f, rows] of Object.entries(files)) writeFileSync(join(dir, f), `${rows.join('\n')}\n`);
  return dir;
}
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bookml-validate-'));
  now = writeDir('now', NOW);
  before = writeDir('before', BEFORE);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('data-quality report', () => {
  it('counts every number by hand', async () => {
    const r = await validateDataset(now);
    expect(r.dataset.uri).toBe(now);
    expect(r.counts).toEqual({ books: 5, customers: 4, orders: 7, orderLines: 11 });
    // Customers 1, 2, 3 buy; books 1, 2, 3, 4 and the unknown 9 are bought; orders 1, 2, 3, 4, 6 have lines.
    expect(r.distinct).toEqual({ customers: 3, books: 5, baskets: 5 });
    expect(r.issues).toEqual({
      unknownOrderLines: 1,
      unknownBookLines: 1,
      unknownBooks: 1,
      badQtyLines: 1,
      badDateOrders: 1,
      duplicateOrders: 1,
      ordersWithoutLines: 1,
      catalogueBooks: 5,
      orders: 6,
      duplicateLines: 1,
    });
    // Basket sizes 3, 1, 2, 3, 1 → sorted 1 1 2 3 3; nearest-rank p50 = 3rd = 2, p90 = p99 = 5th = 3.
    expect(r.basketSize).toEqual({ min: 1, p50: 2, p90: 3, p99: 3, max: 3, mean: 2 });
    // Lines per item (books 1..5 and 9): 4, 2, 2, 1, 0, 1 of 10. Sorted 0 1 1 2 2 4:
    // Gini = Σ (2i − n − 1)·xᵢ / (n·Σx) = (0 − 3 − 1 + 2 + 6 + 20) / 60 = 0.4; the top book (1 % and
    // 10 % of 6 books round up to one) has 4 of 10 lines.
    expect(r.popularity).toEqual({ gini: 0.4, top1PctShare: 0.4, top10PctShare: 0.4 });
    // Order 6 has no date, order 2's repeat is ignored, order 5 has no lines.
    expect(r.dateRange).toEqual({ first: '2025-01-01T10:00:00Z', last: '2025-01-11T10:00:00Z', days: 10 });
    expect(r.against).toBeUndefined();
  });

  it('checks each share against its limit; the gate fails on any', async () => {
    const r = await validateDataset(now);
    const value = Object.fromEntries(r.checks.map((c) => [c.name, c.value]));
    expect(value).toEqual({
      lines: 10,
      customers: 3,
      'books-bought': 5,
      'unknown-book-share': 0.1,
      'unknown-order-share': 0.0909091,
      'duplicate-line-share': 0.1,
      'bad-qty-share': 0.1,
      'bad-date-share': 0.166667,
      'empty-order-share': 0.166667,
      'top-1pct-share': 0.4,
    });
    expect(r.checks.find((c) => c.name === 'lines')).toEqual({
      name: 'lines',
      value: 10,
      op: '>=',
      threshold: DEFAULT_THRESHOLDS.minLines,
      pass: false,
    });
    expect(r.pass).toBe(false);

    const lenient = await validateDataset(now, {
      thresholds: {
        minLines: 10,
        minCustomers: 3,
        minBooks: 5,
        maxUnknownBookShare: 0.1,
        maxUnknownOrderShare: 0.1,
        maxDuplicateShare: 0.1,
        maxBadQtyShare: 0.1,
        maxBadDateShare: 0.2,
        maxEmptyOrderShare: 0.2,
        maxTop1PctShare: 0.4,
      },
    });
    expect(lenient.checks.filter((c) => !c.pass)).toEqual([]);
    expect(lenient.pass).toBe(true);
    const oneOff = await validateDataset(now, { thresholds: { minLines: 11 } });
    expect(oneOff.checks.find((c) => c.name === 'lines')?.pass).toBe(false);
  });

  it('measures the popularity shift against a previous dataset', async () => {
    const r = await validateDataset(now, { againstDir: before });
    // Shares before: books 1, 2, 3, 5 a quarter each; now 1: .4, 2: .2, 3: .2, 4: .1, 9: .1.
    // Total variation = ½(.15 + .05 + .05 + .1 + .25 + .1) = .35; Jensen–Shannon (log 2) = 0.241614.
    expect(r.against?.dataset.uri).toBe(before);
    expect(r.against?.shift).toEqual({
      jsd: 0.241614,
      tvd: 0.35,
      topMovers: [
        { book: '5', title: 'E', before: 0.25, after: 0, change: -0.25 },
        { book: '1', title: 'A', before: 0.25, after: 0.4, change: 0.15 },
        { book: '4', title: 'D', before: 0, after: 0.1, change: 0.1 },
        { book: '9', title: 'Book 9', before: 0, after: 0.1, change: 0.1 },
        { book: '2', title: 'B', before: 0.25, after: 0.2, change: -0.05 },
        { book: '3', title: 'C', before: 0.25, after: 0.2, change: -0.05 },
      ],
      newBooks: { count: 2, examples: ['4', '9'] },
      vanishedBooks: { count: 1, examples: ['5'] },
    });
    const jsd = r.checks.find((c) => c.name === 'popularity-jsd');
    expect(jsd).toEqual({ name: 'popularity-jsd', value: 0.241614, op: '<=', threshold: 0.2, pass: false });
    // A dataset against itself has not moved.
    const same = await validateDataset(before, { againstDir: before });
    expect(same.against?.shift).toMatchObject({
      jsd: 0,
      tvd: 0,
      newBooks: { count: 0 },
      vanishedBooks: { count: 0 },
    });
  });

  it('is plain JSON: the shape machines read', async () => {
    const r = await validateDataset(now, { againstDir: before });
    const json = JSON.parse(JSON.stringify(r));
    expect(json).toEqual(r);
    expect(Object.keys(json)).toEqual([
      'dataset',
      'counts',
      'distinct',
      'issues',
      'basketSize',
      'popularity',
      'dateRange',
      'against',
      'checks',
      'pass',
    ]);
    expect(json.dataset.hash).toMatch(/^[0-9a-f]{64}$/);
    for (const c of json.checks) {
      expect(Object.keys(c)).toEqual(['name', 'value', 'op', 'threshold', 'pass']);
      expect(typeof c.value).toBe('number');
    }
  });

  it('a strict load refuses what the report only counts', async () => {
    await expect(loadDataset(now)).rejects.toMatchObject({
      code: 'DATA_BAD_ROW',
      field: 'created_at',
      line: 7,
    });
  });

  it('rejects a limit that is not a number', async () => {
    const loaded = await loadDataset(before, { strict: false });
    expect(() => reportFor(loaded, undefined, { minLines: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'DATA_BAD_OPTION', field: 'minLines' }),
    );
  });

  it('reports no date range for a dataset without dates', async () => {
    const dir = writeDir('undated', {
      ...BEFORE,
      'orders.csv': ['id,customer_id,created_at', '1,1,', '2,2,'],
    });
    const r = await validateDataset(dir);
    expect(r.dateRange).toBeNull();
    expect(r.issues.badDateOrders).toBe(0);
  });
});
