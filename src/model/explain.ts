import type { ItemKnn } from './item-knn.js';

/** One basket book's share in a recommendation. */
export interface Contribution {
  /** The basket book (an item index). */
  readonly item: number;
  /** Its similarity (or EASE weight) to the recommended book: its term in the score. */
  readonly similarity: number;
  /** Rows (customers or baskets) that bought both; null when the model did not store counts. */
  readonly coBuys: number | null;
}

/** Why a book was recommended: the basket books that scored it, largest share first. */
export interface Explanation {
  readonly item: number;
  /** Empty for a book that pads the answer from the popularity list. */
  readonly contributions: readonly Contribution[];
}

/**
 * The evidence behind an answer: for each recommended item, which of the basket's items have it
 * among their kept neighbours, with the similarity each added to its score and their co-buy
 * count. A slow path (a scan of each basket item's K neighbours per answer), for people asking
 * "why", not for the serving hot path.
 *
 * @example
 * const a = rec.forBasket(basket, 5);
 * explainAnswer(model, basket, a.items)[0].contributions; // [{ item: 17, similarity: 0.4, coBuys: 12 }]
 */
export function explainAnswer(
  model: ItemKnn,
  basket: ArrayLike<number>,
  items: ArrayLike<number>,
): Explanation[] {
  const seen = new Set<number>();
  const valid: number[] = [];
  for (let b = 0; b < basket.length; b++) {
    const i = basket[b];
    if (i >= 0 && i < model.nItems && !seen.has(i)) {
      seen.add(i);
      valid.push(i);
    }
  }
  const out: Explanation[] = [];
  for (let t = 0; t < items.length; t++) {
    const j = items[t];
    const contributions: Contribution[] = [];
    for (const i of valid) {
      for (let p = model.offsets[i]; p < model.offsets[i + 1]; p++) {
        if (model.neighbours[p] !== j) continue;
        contributions.push({
          item: i,
          similarity: model.scores[p],
          coBuys: model.coCounts ? model.coCounts[p] : null,
        });
        break;
      }
    }
    contributions.sort((a, b) => b.similarity - a.similarity || a.item - b.item);
    out.push({ item: j, contributions });
  }
  return out;
}
