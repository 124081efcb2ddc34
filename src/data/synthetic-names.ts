import type { Rng } from '../core/index.js';

/**
 * Word lists and the rules that compose book titles, series names and author names for the
 * synthetic Bookstore. Titles deliberately include commas, colons and now and then double quotes,
 * so every CSV path meets quoted fields.
 */

const FIRST = [
  'Ada',
  'Ben',
  'Cora',
  'Dan',
  'Eva',
  'Finn',
  'Gia',
  'Hal',
  'Iris',
  'Jon',
  'Kira',
  'Leo',
  'Mara',
  'Nils',
  'Olga',
  'Pau',
  'Quinn',
  'Rosa',
  'Sven',
  'Tara',
  'Uma',
  'Vik',
  'Wren',
  'Yara',
  'Amir',
  'Bea',
  'Cyril',
  'Dalia',
  'Emil',
  'Freya',
  'Goran',
  'Hana',
  'Ines',
  'Jude',
  'Kofi',
  'Lena',
];
const LAST = [
  'Abbott',
  'Brandt',
  'Castillo',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Horvat',
  'Ivanova',
  'Jensen',
  'Kowalski',
  'Laine',
  'Moreau',
  'Novak',
  'Okafor',
  'Petrov',
  'Quint',
  'Rossi',
  'Silva',
  'Tanaka',
  'Urban',
  'Varga',
  'Weber',
  'Young',
  'Zeller',
  'Achebe',
  'Bianchi',
  'Costa',
  'Duarte',
  'Engel',
  'Farrow',
  'Grant',
];
const ADJ = [
  'Silent',
  'Crimson',
  'Hidden',
  'Last',
  'Broken',
  'Golden',
  'Northern',
  'Quiet',
  'Burning',
  'Lost',
  'Winter',
  'Paper',
  'Glass',
  'Iron',
  'Distant',
  'Secret',
  'Wild',
  'Hollow',
  'Salt',
  'Midnight',
  'Borrowed',
  'Small',
  'Bright',
  'Forgotten',
  'Restless',
  'Painted',
  'Second',
  'Long',
  'Velvet',
  'Electric',
];
const NOUN = [
  'River',
  'Garden',
  'Empire',
  'Harbour',
  'Orchard',
  'Signal',
  'Library',
  'Tide',
  'Engine',
  'Forest',
  'Mirror',
  'Atlas',
  'Lantern',
  'Bridge',
  'Island',
  'Archive',
  'Compass',
  'Storm',
  'Kingdom',
  'Letter',
  'Station',
  'Crown',
  'Shadow',
  'Map',
  'Summer',
  'Daughter',
  'Theory',
  'Kitchen',
  'Voyage',
  'Machine',
  'Orchestra',
];
const PLACE = [
  'Lisbon',
  'the North',
  'Kyoto',
  'the Valley',
  'Prague',
  'the Coast',
  'Marrakesh',
  'the Moon',
  'Oslo',
];

/** Genre names; more genres than names get `genre-N`. */
export const GENRE_NAMES = [
  'fiction',
  'mystery',
  'fantasy',
  'science-fiction',
  'romance',
  'history',
  'biography',
  'science',
  'poetry',
  'travel',
  'cooking',
  'children',
  'business',
  'philosophy',
  'art',
  'horror',
  'thriller',
  'self-help',
  'religion',
  'comics',
];

export function genreName(g: number): string {
  return g < GENRE_NAMES.length ? GENRE_NAMES[g] : `genre-${g + 1}`;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

/** A standalone title. */
export function bookTitle(rng: Rng): string {
  const u = rng.next();
  const adj = pick(rng, ADJ);
  const noun = pick(rng, NOUN);
  if (u < 0.3) return `The ${adj} ${noun}`;
  if (u < 0.45) return `${noun} of ${pick(rng, NOUN)}s`;
  if (u < 0.6) return `A ${noun} in ${pick(rng, PLACE)}`;
  if (u < 0.72) return `${adj} ${noun}s: A Novel`;
  if (u < 0.84) return `${noun}, ${pick(rng, NOUN)} and ${pick(rng, NOUN)}`;
  if (u < 0.94) return `The ${noun}'s ${pick(rng, NOUN)}`;
  return `"${adj}" and Other Stories`;
}

/** A series name; volume titles are `<series>, Book <k>: <subtitle>`. */
export function seriesName(rng: Rng): string {
  return rng.next() < 0.5 ? `The ${pick(rng, ADJ)} ${pick(rng, NOUN)}` : `${pick(rng, NOUN)} Chronicles`;
}

export function volumeTitle(rng: Rng, series: string, volume: number): string {
  return `${series}, Book ${volume}: ${pick(rng, ADJ)} ${pick(rng, NOUN)}`;
}

/**
 * A distinct author name for every index: the first/last-name pairs in a seeded order, then with
 * a middle initial once the pairs run out.
 */
export function authorNames(rng: Rng, n: number): string[] {
  const pairs = FIRST.length * LAST.length;
  const order = Array.from({ length: pairs }, (_, i) => i);
  for (let i = pairs - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const out = new Array<string>(n);
  for (let a = 0; a < n; a++) {
    const p = order[a % pairs];
    const tier = Math.floor(a / pairs);
    const first = FIRST[p % FIRST.length];
    const last = LAST[Math.floor(p / FIRST.length)];
    const middle = tier === 0 ? '' : tier <= 26 ? ` ${String.fromCharCode(64 + tier)}.` : ` ${tier}`;
    out[a] = `${first}${middle} ${last}`;
  }
  return out;
}
