import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalogue } from './catalogue-file.js';
import { parseIso } from './date-format.js';
import { DATASET_FILES, DATASET_HEADERS } from './schema.js';
import { generateSynthetic, SYNTHETIC_DEFAULTS, type SyntheticOptions } from './synthetic.js';

/**
 * The synthetic Bookstore read back from its plain files (not through the loader), so the
 * structure checks below do not depend on the code they would otherwise share a bug with.
 */
interface Generated {
  dir: string;
  /** Per order (index = id − 1): customer id and time in epoch ms. */
  orderCustomer: number[];
  orderTime: number[];
  /** Per order: its book ids, in line order. */
  baskets: number[][];
  lines: number;
  author: Map<number, string>;
  genre: Map<number, string>;
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bookml-synthetic-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let seq = 0;
async function generate(options: Partial<SyntheticOptions> = {}): Promise<Generated> {
  const dir = join(root, `g${++seq}`);
  await generateSynthetic(dir, options);
  return read(dir);
}

function rows(dir: string, file: string): string[] {
  const text = readFileSync(join(dir, file), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const all = text.slice(0, -1).split('\n');
  expect(all[0]).toBe(DATASET_HEADERS[file as keyof typeof DATASET_HEADERS]);
  return all.slice(1);
}

function read(dir: string): Generated {
  const orderCustomer: number[] = [];
  const orderTime: number[] = [];
  for (const row of rows(dir, 'orders.csv')) {
    const [id, customer, at] = row.split(',');
    expect(Number(id)).toBe(orderCustomer.length + 1);
    orderCustomer.push(Number(customer));
    orderTime.push(parseIso(at));
  }
  const baskets: number[][] = orderCustomer.map(() => []);
  let lines = 0;
  for (const row of rows(dir, 'order_lines.csv')) {
    const [order, book] = row.split(',');
    baskets[Number(order) - 1].push(Number(book));
    lines++;
  }
  const author = new Map<number, string>();
  const genre = new Map<number, string>();
  for (const b of readCatalogue(join(dir, 'books.csv'))) {
    author.set(Number(b.id), b.author);
    genre.set(Number(b.id), b.genre);
  }
  return { dir, orderCustomer, orderTime, baskets, lines, author, genre };
}

/** Purchase lines per book id. */
function bookCounts(g: Generated, keep: (order: number) => boolean = () => true): Map<number, number> {
  const c = new Map<number, number>();
  for (const id of g.author.keys()) c.set(id, 0);
  g.baskets.forEach((books, o) => {
    if (keep(o)) for (const b of books) c.set(b, (c.get(b) ?? 0) + 1);
  });
  return c;
}

/** Spearman rank correlation (average ranks for ties). */
function spearman(a: number[], b: number[]): number {
  const rank = (v: number[]): number[] => {
    const idx = v.map((_, i) => i).sort((i, j) => v[i] - v[j]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < idx.length; ) {
      let j = i;
      while (j + 1 < idx.length && v[idx[j + 1]] === v[idx[i]]) j++;
      for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const m = (a.length - 1) / 2;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (ra[i] - m) * (rb[i] - m);
    aa += (ra[i] - m) ** 2;
    bb += (rb[i] - m) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Popularity and genre mix of the first half of the period against the second. */
function halves(g: Generated): { rankCorrelation: number; genreTvd: number } {
  const start = parseIso(SYNTHETIC_DEFAULTS.start);
  const mid = start + (SYNTHETIC_DEFAULTS.days * 86_400_000) / 2;
  const early = bookCounts(g, (o) => g.orderTime[o] < mid);
  const late = bookCounts(g, (o) => g.orderTime[o] >= mid);
  const ids = [...early.keys()];
  const genreShares = (c: Map<number, number>): Map<string, number> => {
    const s = new Map<string, number>();
    let total = 0;
    for (const [b, n] of c) {
      s.set(g.genre.get(b)!, (s.get(g.genre.get(b)!) ?? 0) + n);
      total += n;
    }
    for (const [k, v] of s) s.set(k, v / total);
    return s;
  };
  const ge = genreShares(early);
  const gl = genreShares(late);
  let tvd = 0;
  for (const k of new Set([...ge.keys(), ...gl.keys()]))
    tvd += Math.abs((ge.get(k) ?? 0) - (gl.get(k) ?? 0)) / 2;
  return {
    rankCorrelation: spearman(
      ids.map((b) => early.get(b)!),
      ids.map((b) => late.get(b)!),
    ),
    genreTvd: tvd,
  };
}

describe('generateSynthetic', () => {
  let base: Generated;
  beforeAll(async () => {
    base = await generate();
  });

  it('defaults to the original example: 200 books, 800 customers, 5,000 orders, seed 42', async () => {
    expect(SYNTHETIC_DEFAULTS).toMatchObject({ books: 200, customers: 800, orders: 5000, seed: 42 });
    expect(base.author.size).toBe(200);
    expect(rows(base.dir, 'customers.csv')).toEqual(Array.from({ length: 800 }, (_, i) => String(i + 1)));
    expect(base.orderCustomer).toHaveLength(5000);
    expect(base.baskets.every((b) => b.length >= 1)).toBe(true);
    expect(readdirSync(base.dir).sort()).toEqual([...DATASET_FILES].sort());
  });

  it('reports the counts it wrote', async () => {
    const dir = join(root, 'counts');
    const written = await generateSynthetic(dir, { orders: 300 });
    const g = read(dir);
    expect(written.counts).toEqual({ books: 200, customers: 800, orders: 300, orderLines: g.lines });
    expect(written.itemIdKind).toBe('int');
    for (const f of DATASET_FILES) {
      expect(written.files[f].bytes).toBe(readFileSync(join(dir, f)).length);
    }
  });

  it('is deterministic: the same seed gives byte-identical files, another seed differs', async () => {
    const again = await generate();
    const other = await generate({ seed: 43 });
    for (const f of DATASET_FILES) {
      expect(readFileSync(join(again.dir, f)).equals(readFileSync(join(base.dir, f))), f).toBe(true);
    }
    expect(
      readFileSync(join(other.dir, 'order_lines.csv')).equals(
        readFileSync(join(base.dir, 'order_lines.csv')),
      ),
    ).toBe(false);
    expect(readFileSync(join(other.dir, 'books.csv')).equals(readFileSync(join(base.dir, 'books.csv')))).toBe(
      false,
    );
  });

  it('puts every order inside the period, in time order', () => {
    const start = parseIso('2025-01-01');
    const end = start + 365 * 86_400_000;
    expect(base.orderTime.every((t) => t >= start && t < end)).toBe(true);
    for (let o = 1; o < base.orderTime.length; o++)
      expect(base.orderTime[o]).toBeGreaterThanOrEqual(base.orderTime[o - 1]);
    // The orders spread over the whole year, not a corner of it.
    expect(base.orderTime[0] - start).toBeLessThan(2 * 86_400_000);
    expect(end - base.orderTime.at(-1)!).toBeLessThan(2 * 86_400_000);
  });

  it('honours --start and --days', async () => {
    const g = await generate({ start: '2024-02-28', days: 2, orders: 500 });
    const start = parseIso('2024-02-28');
    expect(g.orderTime.every((t) => t >= start && t < start + 2 * 86_400_000)).toBe(true);
    expect(new Set(g.orderTime.map((t) => new Date(t).toISOString().slice(0, 10)))).toEqual(
      new Set(['2024-02-28', '2024-02-29']),
    );
  });

  it('has Zipf-like popularity: the top 10 % of books take far more than 10 % of the lines', () => {
    const counts = [...bookCounts(base).values()].sort((a, b) => b - a);
    const total = counts.reduce((s, c) => s + c, 0);
    const top10 = counts.slice(0, 20).reduce((s, c) => s + c, 0) / total;
    expect(top10).toBeGreaterThan(0.4);
    // A long tail, not a cliff: most books still sell.
    expect(counts.filter((c) => c > 0).length).toBeGreaterThan(180);
    expect(counts[0]).toBeGreaterThan(10 * counts[100]);
  });

  it('has skewed basket sizes: mostly one or two books, a long tail of big baskets', () => {
    const sizes = base.baskets.map((b) => b.length).sort((a, b) => a - b);
    const mean = sizes.reduce((s, x) => s + x, 0) / sizes.length;
    const median = sizes[Math.floor(sizes.length / 2)];
    expect(median).toBeLessThanOrEqual(2);
    // Right-skewed: the mode is 1, the mean is pulled up by the tail, p99 is several medians.
    expect(mean).toBeGreaterThan(1.5);
    expect(sizes[Math.floor(sizes.length * 0.99)]).toBeGreaterThanOrEqual(3 * median);
    expect(sizes.filter((s) => s === 1).length).toBeGreaterThan(sizes.filter((s) => s === 2).length);
    expect(sizes.filter((s) => s === 2).length).toBeGreaterThan(sizes.filter((s) => s === 3).length);
    expect(sizes.at(-1)!).toBeGreaterThanOrEqual(8);
  });

  it('has heavy buyers: customer activity is skewed', () => {
    const perCustomer = new Map<number, number>();
    for (const c of base.orderCustomer) perCustomer.set(c, (perCustomer.get(c) ?? 0) + 1);
    const counts = [...perCustomer.values()].sort((a, b) => b - a);
    const top10 = counts.slice(0, 80).reduce((s, c) => s + c, 0) / base.orderCustomer.length;
    expect(top10).toBeGreaterThan(0.25);
  });

  it('buys books of one author (and series) and one genre together far more than chance', () => {
    let pairs = 0;
    let sameAuthor = 0;
    let sameGenre = 0;
    for (const books of base.baskets) {
      for (let i = 0; i < books.length; i++) {
        for (let j = i + 1; j < books.length; j++) {
          pairs++;
          if (base.author.get(books[i]) === base.author.get(books[j])) sameAuthor++;
          if (base.genre.get(books[i]) === base.genre.get(books[j])) sameGenre++;
        }
      }
    }
    // Chance: two lines drawn independently from the overall line distribution.
    const byAuthor = new Map<string, number>();
    const byGenre = new Map<string, number>();
    for (const [b, n] of bookCounts(base)) {
      byAuthor.set(base.author.get(b)!, (byAuthor.get(base.author.get(b)!) ?? 0) + n);
      byGenre.set(base.genre.get(b)!, (byGenre.get(base.genre.get(b)!) ?? 0) + n);
    }
    const chance = (m: Map<string, number>) => [...m.values()].reduce((s, n) => s + (n / base.lines) ** 2, 0);
    expect(pairs).toBeGreaterThan(1000);
    expect(sameAuthor / pairs / chance(byAuthor)).toBeGreaterThan(2);
    expect(sameGenre / pairs / chance(byGenre)).toBeGreaterThan(2);
  });

  it('sells series volumes in order: volume 2 mostly goes to customers who bought volume 1', () => {
    // A series is an author's books titled "<series>, Book k: …".
    const titles = readCatalogue(join(base.dir, 'books.csv'));
    const vol = new Map<string, number>();
    for (const b of titles) {
      const m = /, Book (\d+):/.exec(b.title);
      if (m) vol.set(`${b.author}#${m[1]}`, Number(b.id));
    }
    let followers = 0;
    let buyersOfTwo = 0;
    const bought = new Map<number, Set<number>>();
    base.baskets.forEach((books, o) => {
      const c = base.orderCustomer[o];
      const mine = bought.get(c) ?? new Set<number>();
      for (const b of books) {
        const author = base.author.get(b)!;
        const v1 = vol.get(`${author}#1`);
        if (v1 !== undefined && vol.get(`${author}#2`) === b) {
          buyersOfTwo++;
          if (mine.has(v1) || books.includes(v1)) followers++;
        }
      }
      for (const b of books) mine.add(b);
      bought.set(c, mine);
    });
    expect(vol.size).toBeGreaterThan(0);
    expect(buyersOfTwo).toBeGreaterThan(20);
    expect(followers / buyersOfTwo).toBeGreaterThan(0.3);
  });

  it('--shift moves popularity and the genre mix of the later period, and only of it', async () => {
    const shifted = await generate({ shift: 1 });
    const calm = halves(base);
    const moved = halves(shifted);
    expect(calm.rankCorrelation).toBeGreaterThan(0.6);
    expect(moved.rankCorrelation).toBeLessThan(calm.rankCorrelation - 0.2);
    expect(moved.genreTvd).toBeGreaterThan(2 * calm.genreTvd);
    // The first half is the same shop whatever the shift.
    const mid = parseIso('2025-01-01') + (365 * 86_400_000) / 2;
    const firstHalf = base.orderTime.filter((t) => t < mid).length;
    expect(firstHalf).toBeGreaterThan(2000);
    expect(shifted.baskets.slice(0, firstHalf)).toEqual(base.baskets.slice(0, firstHalf));
    expect(shifted.orderCustomer.slice(0, firstHalf)).toEqual(base.orderCustomer.slice(0, firstHalf));
  });

  it('--lines N writes exactly N order lines', async () => {
    for (const n of [1, 2, 12_345]) {
      const dir = join(root, `lines-${n}`);
      const written = await generateSynthetic(dir, { lines: n });
      const g = read(dir);
      expect(g.lines).toBe(n);
      expect(written.counts.orderLines).toBe(n);
      expect(written.counts.orders).toBe(g.orderCustomer.length);
      expect(g.baskets.every((b) => b.length >= 1)).toBe(true);
    }
  });

  it('--lines spreads the orders over the whole period, none piled on its last second', async () => {
    const g = await generate({ lines: 20_000 });
    const start = parseIso('2025-01-01');
    const end = start + 365 * 86_400_000;
    expect(g.orderTime.every((t) => t >= start && t < end)).toBe(true);
    expect(g.orderTime[0] - start).toBeLessThan(86_400_000);
    expect(end - g.orderTime.at(-1)!).toBeLessThan(86_400_000);
    const perSecond = new Map<number, number>();
    for (const t of g.orderTime) perSecond.set(t, (perSecond.get(t) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(3);
    // Evenly: each month holds about a twelfth of the orders.
    const perMonth = new Array<number>(12).fill(0);
    for (const t of g.orderTime) perMonth[new Date(t).getUTCMonth()]++;
    for (const n of perMonth) expect(n / g.orderTime.length).toBeGreaterThan(0.06);
  });

  it('reports progress up to the total', async () => {
    const seen: Array<[number, number]> = [];
    await generateSynthetic(join(root, 'progress'), { lines: 20_000 }, (done, total) =>
      seen.push([done, total]),
    );
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toEqual([20_000, 20_000]);
    for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThanOrEqual(seen[i - 1][0]);
  });

  it('rejects bad options naming the flag', async () => {
    const cases: Array<[Partial<SyntheticOptions>, string]> = [
      [{ books: 0 }, '--books'],
      [{ orders: 1.5 }, '--orders'],
      [{ lines: -1 }, '--lines'],
      [{ shift: 2 }, '--shift'],
      [{ days: 0 }, '--days'],
      [{ start: '01/02/2025' }, '--start'],
    ];
    for (const [opts, field] of cases) {
      await expect(generateSynthetic(join(root, 'bad'), opts)).rejects.toMatchObject({
        code: 'DATA_BAD_OPTION',
        field,
      });
    }
  });
});
