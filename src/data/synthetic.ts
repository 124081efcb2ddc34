import { Rng } from '../core/index.js';
import { csvField, DatasetFilesWriter, type WrittenFiles } from './dataset-writer.js';
import { formatIsoUtc, parseIso } from './date-format.js';
import { DataBadOptionError } from './errors.js';
import { buildCatalogue } from './synthetic-catalogue.js';
import { BUCKETS, buildCustomers, SyntheticSampler, searchCum } from './synthetic-sampler.js';

/** Options of the synthetic Bookstore; every field has a default matching the original example. */
export interface SyntheticOptions {
  /** Books in the catalogue. @default 200 */
  books: number;
  /** Customers (all are listed; the active ones are drawn by a heavy-tailed activity). @default 800 */
  customers: number;
  /** Orders to generate (ignored when `lines` is set). @default 5000 */
  orders: number;
  /** Stop after exactly this many order lines instead of an order count. */
  lines?: number;
  /** Seed of every random draw: same options ⇒ byte-identical files. @default 42 */
  seed: number;
  /** First day of the period, ISO date (UTC). @default '2025-01-01' */
  start: string;
  /** Length of the period, in days. @default 365 */
  days: number;
  /**
   * Popularity drift in the second half of the period, 0..1 (0 = none): book weights move to
   * another Zipf ranking and the genre mix towards the small genres (see `SyntheticSampler`), and
   * a share shift/2 of the customers' genre-preference lines follow the shifted genre mix. The
   * first half is identical for every shift value.
   * @default 0
   */
  shift: number;
  /** Number of genres (at most the number of books). @default 12 */
  genres: number;
}

export const SYNTHETIC_DEFAULTS: Readonly<SyntheticOptions> = Object.freeze({
  books: 200,
  customers: 800,
  orders: 5000,
  seed: 42,
  start: '2025-01-01',
  days: 365,
  shift: 0,
  genres: 12,
});

function checkOptions(o: SyntheticOptions): number {
  const int = (name: string, v: number | undefined, min: number) => {
    if (v !== undefined && (!Number.isInteger(v) || v < min)) {
      throw new DataBadOptionError(`--${name}`, `must be an integer ≥ ${min}, got ${v}`);
    }
  };
  int('books', o.books, 1);
  int('customers', o.customers, 1);
  int('orders', o.orders, 1);
  int('lines', o.lines, 1);
  int('genres', o.genres, 1);
  int('seed', o.seed, 0);
  if (!(o.days > 0) || !Number.isFinite(o.days))
    throw new DataBadOptionError('--days', `must be > 0, got ${o.days}`);
  if (!(o.shift >= 0 && o.shift <= 1))
    throw new DataBadOptionError('--shift', `must be in 0..1, got ${o.shift}`);
  const start = parseIso(o.start);
  if (Number.isNaN(start))
    throw new DataBadOptionError('--start', `"${o.start}" is not an ISO date (YYYY-MM-DD)`);
  return start;
}

const TWO = Array.from({ length: 60 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

/**
 * Write a synthetic Bookstore dataset (the four CSV files) into `dir`, streaming: memory is bounded
 * by the catalogue and the customers, never by the number of lines. Orders come in time order with
 * ids 1, 2, …; customer and book ids are 1..N.
 *
 * What shapes the purchases: popularity is Zipf-like with per-book trends (rising, fading, new
 * releases); a basket's size is log-normal; a customer (drawn by log-normal activity, so a few buy
 * a lot) mostly buys from a primary and a sibling genre; within a basket, lines follow the series
 * (next volume), the author, or the first line's genre; a customer who bought volume k tends to buy
 * volume k + 1 in a later order.
 * @param onProgress (done, total) in lines when `lines` is set, else in orders.
 * @example const written = await generateSynthetic(tmpDir, { seed: 7, orders: 1000 });
 */
export async function generateSynthetic(
  dir: string,
  options: Partial<SyntheticOptions> = {},
  onProgress?: (done: number, total: number) => void,
): Promise<WrittenFiles & { options: SyntheticOptions }> {
  const o: SyntheticOptions = { ...SYNTHETIC_DEFAULTS, ...options };
  const startMs = checkOptions(o);
  const cat = buildCatalogue(o.seed, o.books, o.genres);
  const sampler = new SyntheticSampler(cat, o.shift);
  const rng = new Rng((o.seed ^ 0x5bd1e995) >>> 0);
  const cust = buildCustomers(rng, o.customers, sampler);
  const w = new DatasetFilesWriter(dir);
  try {
    const bookId = Array.from({ length: o.books }, (_, b) => String(b + 1));
    for (let b = 0; b < o.books; b++) {
      w.books.row(
        `${bookId[b]},${csvField(cat.title[b])},${csvField(cat.authorName[b])},${cat.genreName[cat.genre[b]]},${cat.price[b]}\n`,
      );
    }
    for (let c = 1; c <= o.customers; c++) w.customers.row(`${c}\n`);

    const byLines = o.lines !== undefined;
    const target = byLines ? o.lines! : o.orders;
    const periodS = Math.round(o.days * 86_400);
    const nextSeries = new Int32Array(o.customers).fill(-1);
    const basket = new Int32Array(64);
    const qty = new Int32Array(64);
    // The order being built: its customer, time bucket and lines so far.
    let c = 0;
    let k = 0;
    let n = 0;
    const prefGenre = (g: number): number =>
      k >= BUCKETS / 2 && o.shift > 0 && rng.next() < o.shift / 2 ? sampler.genre(rng, k) : g;
    const lineGenre = (): number => {
      const u = rng.next();
      if (u < 0.55) return prefGenre(cust.primary[c]);
      if (u < 0.75) return prefGenre(cust.secondary[c]);
      return sampler.genre(rng, k);
    };
    const drawLine = (j: number): number => {
      const u = rng.next();
      if (j === 0) {
        const pending = nextSeries[c];
        if (pending >= 0 && u < 0.35 && sampler.released(pending, k)) return pending;
        return sampler.book(rng, k, lineGenre());
      }
      const prev = basket[n - 1];
      const nv = cat.nextVolume[prev];
      if (u < 0.25 && nv >= 0 && sampler.released(nv, k)) return nv;
      if (u < 0.4) {
        const a = cat.author[prev];
        const s = cat.authorStart[a];
        const b = cat.authorBooks[s + rng.int(cat.authorStart[a + 1] - s)];
        if (sampler.released(b, k)) return b;
      }
      return sampler.book(rng, k, rng.next() < 0.5 ? cat.genre[basket[0]] : lineGenre());
    };
    const indexIn = (b: number): number => {
      for (let i = 0; i < n; i++) if (basket[i] === b) return i;
      return -1;
    };

    let lines = 0;
    let day = -1;
    let dayPrefix = '';
    for (let order = 0; byLines ? lines < target : order < target; order++) {
      // Time runs with progress towards the target: orders, or lines (an order count guessed from
      // the mean basket would pile the surplus orders onto the period's last second).
      const frac = Math.min(((byLines ? lines : order) + rng.next()) / target, 1 - 1e-12);
      const sec = Math.floor(frac * periodS);
      k = Math.min(BUCKETS - 1, Math.floor(frac * BUCKETS));
      c = searchCum(cust.cum, 0, o.customers, rng.next() * cust.cum[o.customers - 1]);
      let size = sampler.basketSize(rng);
      if (byLines) size = Math.min(size, target - lines);
      n = 0;
      for (let j = 0; j < size; j++) {
        let b = drawLine(j);
        // A book already in the basket: draw again a few times, then buy another copy.
        for (let attempt = 0; attempt < 3 && indexIn(b) >= 0; attempt++) b = drawLine(j);
        const at = indexIn(b);
        if (at >= 0) qty[at]++;
        else {
          basket[n] = b;
          const u = rng.next();
          qty[n++] = u < 0.95 ? 1 : u < 0.99 ? 2 : 3;
        }
      }

      const id = String(order + 1);
      const d = Math.floor(sec / 86_400);
      if (d !== day) {
        day = d;
        dayPrefix = formatIsoUtc(startMs + d * 86_400_000).slice(0, 11);
      }
      const s = sec - d * 86_400;
      const hh = Math.floor(s / 3600);
      const mm = Math.floor((s - hh * 3600) / 60);
      w.orders.row(`${id},${c + 1},${dayPrefix}${TWO[hh]}:${TWO[mm]}:${TWO[s % 60]}Z\n`);
      let text = '';
      for (let i = 0; i < n; i++) {
        const b = basket[i];
        text += `${id},${bookId[b]},${qty[i]},${cat.price[b]}\n`;
        // Series are read in order: the next volume becomes this customer's likely next buy.
        if (b === nextSeries[c] || cat.nextVolume[b] >= 0) nextSeries[c] = cat.nextVolume[b];
      }
      w.lines.row(text, n);
      lines += n;
      if ((order & 4095) === 4095) {
        onProgress?.(byLines ? lines : order + 1, target);
        if (w.blocked) await w.ready();
      }
    }
    onProgress?.(target, target);
    const written = await w.close('int');
    return { ...written, options: o };
  } catch (e) {
    await w.destroy();
    throw e;
  }
}
