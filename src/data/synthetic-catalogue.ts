import { Rng } from '../core/index.js';
import { authorNames, bookTitle, genreName, seriesName, volumeTitle } from './synthetic-names.js';

/**
 * The synthetic Bookstore's catalogue: genres of uneven size, authors who write a few books of one
 * genre, series (an author's books in volume order), Zipf-like popularity, and a trend per book.
 * Book index b is book id b + 1.
 */
export interface SyntheticCatalogue {
  nBooks: number;
  nGenres: number;
  genre: Int32Array;
  author: Int32Array;
  /** Books of author a: authorBooks[authorStart[a] .. authorStart[a + 1]), in volume order. */
  authorStart: Int32Array;
  authorBooks: Int32Array;
  /** Next volume of the same series, or -1. */
  nextVolume: Int32Array;
  /** Base popularity weight (Zipf over a seeded ranking; later volumes sell less). */
  popularity: Float64Array;
  /** The same Zipf law over an independent ranking: where popularity moves under `--shift`. */
  shiftedPopularity: Float64Array;
  /** Trend rate: weight × exp(trend · (t − ½)), t ∈ [0, 1] through the period. */
  trend: Float64Array;
  /** Release point in [0, 1): the book sells from then on (0 for the back catalogue). */
  release: Float64Array;
  /** Genres paired as "bought together": a customer's second genre is often its sibling. */
  siblingGenre: Int32Array;
  title: string[];
  authorName: string[];
  genreName: string[];
  /** Price, with two decimals, as written. */
  price: string[];
}

/** Zipf exponent of book popularity. */
const ZIPF_S = 1.05;

function zipfOverRandomRanking(rng: Rng, n: number): Float64Array {
  const rank = shuffled(rng, n);
  const w = new Float64Array(n);
  for (let b = 0; b < n; b++) w[b] = 1 / (rank[b] + 1) ** ZIPF_S;
  return w;
}

function shuffled(rng: Rng, n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** Build the catalogue for `nBooks` books in `nGenres` genres, from its own seeded stream. */
export function buildCatalogue(seed: number, nBooks: number, nGenres: number): SyntheticCatalogue {
  const rng = new Rng(seed);
  const G = Math.max(1, Math.min(nGenres, nBooks));

  // Uneven genre sizes (weights u² + 0.05), every genre non-empty, in a shuffled book order.
  const gw = Array.from({ length: G }, () => rng.next() ** 2 + 0.05);
  const gTotal = gw.reduce((s, x) => s + x, 0);
  const genreOfSlot = new Int32Array(nBooks);
  for (let b = 0; b < nBooks; b++) {
    if (b < G) genreOfSlot[b] = b;
    else {
      let u = rng.next() * gTotal;
      let g = 0;
      while (g < G - 1 && u >= gw[g]) u -= gw[g++];
      genreOfSlot[b] = g;
    }
  }
  const perm = shuffled(rng, nBooks);
  const genre = new Int32Array(nBooks);
  for (let b = 0; b < nBooks; b++) genre[b] = genreOfSlot[perm[b]];

  // Authors: consecutive runs of 1..8 books inside each genre (books taken in id order).
  const byGenre = Array.from({ length: nBooks }, (_, b) => b).sort((a, b) => genre[a] - genre[b] || a - b);
  const author = new Int32Array(nBooks);
  const starts: number[] = [];
  for (let pos = 0, a = 0; pos < nBooks; a++) {
    const run = 1 + rng.int(8);
    starts.push(pos);
    const g = genre[byGenre[pos]];
    let end = pos;
    while (end < nBooks && end - pos < run && genre[byGenre[end]] === g) author[byGenre[end++]] = a;
    pos = end;
  }
  const nAuthors = starts.length;
  starts.push(nBooks);
  const authorStart = Int32Array.from(starts);
  const authorBooks = Int32Array.from(byGenre);

  // Series: 40 % of the authors with 3+ books write one series (all their books, in id order).
  const nextVolume = new Int32Array(nBooks).fill(-1);
  const volume = new Int32Array(nBooks);
  const seriesOf = new Array<string | undefined>(nBooks);
  for (let a = 0; a < nAuthors; a++) {
    const s = authorStart[a];
    const e = authorStart[a + 1];
    if (e - s < 3 || rng.next() >= 0.4) continue;
    const name = seriesName(rng);
    for (let k = s; k < e; k++) {
      volume[authorBooks[k]] = k - s + 1;
      seriesOf[authorBooks[k]] = name;
      if (k + 1 < e) nextVolume[authorBooks[k]] = authorBooks[k + 1];
    }
  }

  const popularity = zipfOverRandomRanking(rng, nBooks);
  const shiftedPopularity = zipfOverRandomRanking(rng, nBooks);
  // A series sells like its best volume, and each later volume keeps 70 % of the readers.
  for (let a = 0; a < nAuthors; a++) {
    const s = authorStart[a];
    const e = authorStart[a + 1];
    if (volume[authorBooks[s]] !== 1) continue;
    for (const pop of [popularity, shiftedPopularity]) {
      let best = 0;
      for (let k = s; k < e; k++) best = Math.max(best, pop[authorBooks[k]]);
      for (let k = s; k < e; k++) pop[authorBooks[k]] = best * 0.7 ** (k - s);
    }
  }

  // Trends: 15 % rising, 15 % fading, the rest steady; 5 % are released during the period.
  const trend = new Float64Array(nBooks);
  const release = new Float64Array(nBooks);
  for (let b = 0; b < nBooks; b++) {
    const u = rng.next();
    const rate = 1.5 + 1.5 * rng.next();
    trend[b] = u < 0.15 ? rate : u < 0.3 ? -rate : 0;
    if (rng.next() < 0.05 && nBooks > G) release[b] = 0.1 + 0.8 * rng.next();
  }
  // Something must be on sale from the first day.
  if (release.every((r) => r > 0)) release[0] = 0;

  const siblingGenre = new Int32Array(G);
  const gp = shuffled(rng, G);
  for (let i = 0; i < G; i++) siblingGenre[gp[i]] = gp[(i ^ 1) < G ? i ^ 1 : i];

  const names = authorNames(rng, nAuthors);
  const title = new Array<string>(nBooks);
  const price = new Array<string>(nBooks);
  for (let b = 0; b < nBooks; b++) {
    const series = seriesOf[b];
    title[b] = series === undefined ? bookTitle(rng) : volumeTitle(rng, series, volume[b]);
    // Log-normal around 14, 3..80, ending in .99.
    const p = Math.min(80, Math.max(3, Math.round(14 * Math.exp(0.45 * rng.normal()))));
    price[b] = (p - 0.01).toFixed(2);
  }
  return {
    nBooks,
    nGenres: G,
    genre,
    author,
    authorStart,
    authorBooks,
    nextVolume,
    popularity,
    shiftedPopularity,
    trend,
    release,
    siblingGenre,
    title,
    authorName: Array.from(author, (a) => names[a]),
    genreName: Array.from({ length: G }, (_, g) => genreName(g)),
    price,
  };
}
