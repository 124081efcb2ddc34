import { itemCounts, round } from './data-stats.js';
import type { Interactions } from './interactions.js';

/**
 * The shapes of a dataset the dashboard draws: how purchases spread over books (rank–frequency), how
 * many lines orders hold, and purchases per day. Typed arrays in, a few hundred numbers out, so a
 * 20-million-line dataset answers in one pass per chart.
 */
export interface DatasetDistributions {
  /** Purchases of the book at each popularity rank (1 = most bought), thinned to at most `points` ranks. */
  popularity: { rank: number[]; purchases: number[]; books: number };
  /** Orders by number of lines: `orders[i]` orders hold `size[i]` lines; the last size holds every larger basket. */
  basketSizes: { size: number[]; orders: number[] };
  /** Order lines per UTC day (epoch ms of the day's start); lines without a time are left out. */
  purchasesPerDay: { day: number[]; lines: number[] };
}

const DAY_MS = 86_400_000;

/**
 * Computes {@link DatasetDistributions}.
 * @param points most ranks kept on the popularity curve (log-spaced, both ends kept). @default 200
 * @param maxBasket baskets above this size are counted in its bucket. @default 30
 * @example const d = datasetDistributions(loaded.interactions);
 */
export function datasetDistributions(x: Interactions, points = 200, maxBasket = 30): DatasetDistributions {
  const counts = itemCounts(x)
    .filter((c) => c > 0)
    .sort()
    .reverse();
  const ranks: number[] = [];
  if (counts.length > 0) {
    // Log-spaced ranks: the head (a few best sellers) and the long tail both show on a log axis.
    const last = counts.length;
    for (let i = 0; i < points; i++) {
      const r = Math.round(Math.exp((Math.log(last) * i) / Math.max(1, points - 1)));
      if (ranks.at(-1) !== r) ranks.push(r);
    }
  }
  const size = new Int32Array(x.nBaskets);
  for (let l = 0; l < x.length; l++) size[x.basket[l]]++;
  const hist = new Float64Array(maxBasket + 1);
  for (let b = 0; b < size.length; b++) if (size[b] > 0) hist[Math.min(maxBasket, size[b])]++;
  let top = maxBasket;
  while (top > 1 && hist[top] === 0) top--;
  const perDay = new Map<number, number>();
  for (let l = 0; l < x.length; l++) {
    const t = x.time[l];
    if (t === 0) continue;
    const day = Math.floor(t / DAY_MS) * DAY_MS;
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  const days = [...perDay.keys()].sort((a, b) => a - b);
  return {
    popularity: { rank: ranks, purchases: ranks.map((r) => round(counts[r - 1])), books: counts.length },
    basketSizes: {
      size: Array.from({ length: top }, (_, i) => i + 1),
      orders: Array.from(hist.subarray(1, top + 1)),
    },
    purchasesPerDay: { day: days, lines: days.map((d) => perDay.get(d) ?? 0) },
  };
}
