import type { Interactions } from '../data/index.js';
import { linesByCustomer } from './test-set.js';

/**
 * Distinct buyers per item: how many customers bought item i at least once in `x`
 * (a customer buying it twice counts once). Length `x.itemIds.length`.
 *
 * @example
 * const pop = itemPopularity(split.train); // pop[i] = customers who bought item i in train
 */
export function itemPopularity(x: Interactions): Int32Array {
  const nI = x.itemIds.length;
  const pop = new Int32Array(nI);
  const seen = new Int32Array(nI).fill(-1);
  const { offsets, lines } = linesByCustomer(x);
  for (let c = 0; c + 1 < offsets.length; c++) {
    for (let j = offsets[c]; j < offsets[c + 1]; j++) {
      const it = x.item[lines[j]];
      if (seen[it] === c) continue;
      seen[it] = c;
      pop[it]++;
    }
  }
  return pop;
}

/**
 * Every item index, most popular first; ties → smaller index (the dataset's id order).
 * Items nobody bought come last, so a list built from it still ranks the whole catalogue.
 */
export function popularityOrder(popularity: Int32Array): Int32Array {
  const order = new Int32Array(popularity.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => popularity[b] - popularity[a] || a - b);
}
