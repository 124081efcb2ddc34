import { Rng } from '../core/index.js';
import type { Interactions } from '../data/index.js';
import { itemPopularity, popularityOrder } from './popularity.js';
import { Marker, type Recommender } from './recommender.js';

/**
 * Most-popular baseline: the same list for everyone — items by distinct buyers in `train`,
 * ties → smaller index — minus the customer's history. A model that cannot beat it has learnt
 * nothing about co-purchase.
 *
 * @param train the train interactions (popularity is counted there, never on test data)
 * @example
 * const pop = mostPopularBaseline(split.train);
 * const n = pop(history, 10, out); // out[0..n) = the 10 best sellers the customer does not own
 */
export function mostPopularBaseline(train: Interactions): Recommender {
  const order = popularityOrder(itemPopularity(train));
  const owned = new Marker(order.length);
  return (history, k, out) => {
    owned.reset(history);
    let n = 0;
    for (let i = 0; i < order.length && n < k; i++) {
      const it = order[i];
      if (!owned.has(it)) out[n++] = it;
    }
    return n;
  };
}

/**
 * Random baseline: `k` distinct items drawn uniformly from the catalogue minus the customer's
 * history. Seeded: the same seed and the same sequence of calls give the same lists.
 * The floor any recommender must clear by a wide margin.
 *
 * @param nItems catalogue size
 * @param seed RNG seed @default 42
 * @example
 * const rnd = randomBaseline(split.test.nItems, 7);
 */
export function randomBaseline(nItems: number, seed = 42): Recommender {
  const rng = new Rng(seed);
  // A persistent permutation: a partial Fisher–Yates over it yields a uniform random prefix
  // whatever order earlier calls left it in, without a per-call allocation.
  const perm = new Int32Array(nItems);
  for (let i = 0; i < nItems; i++) perm[i] = i;
  const owned = new Marker(nItems);
  return (history, k, out) => {
    owned.reset(history);
    let n = 0;
    for (let i = 0; i < nItems && n < k; i++) {
      const j = i + rng.int(nItems - i);
      const it = perm[j];
      perm[j] = perm[i];
      perm[i] = it;
      // Dropping history items from a uniform random order leaves a uniform random order of the rest.
      if (!owned.has(it)) out[n++] = it;
    }
    return n;
  };
}
