import { describe, expect, it } from 'vitest';
import { Rng } from '../core/index.js';
import type { Interactions } from '../data/index.js';
import { mostPopularBaseline, randomBaseline } from './baselines.js';
import { evaluate, flatMetrics } from './evaluate.js';
import { METRICS } from './metrics.js';
import { Marker, type Recommender } from './recommender.js';
import { splitInteractions } from './splits.js';

// 100 items in 5 taste clusters of 20 (item i is in cluster i % 5); item popularity is skewed so
// most-popular is a real baseline. Each customer has one cluster and 3 baskets of 2 items from it.
function clustered(nCustomers: number, seed: number): Interactions {
  const rng = new Rng(seed);
  const customer: number[] = [];
  const item: number[] = [];
  const basket: number[] = [];
  const time: number[] = [];
  let b = 0;
  for (let c = 0; c < nCustomers; c++) {
    const cluster = rng.int(5);
    for (let t = 0; t < 3; t++, b++) {
      for (let j = 0; j < 2; j++) {
        // rank r in the cluster with P ∝ 1/(r + 1): a few best sellers per cluster
        const r = Math.min(19, Math.floor(Math.exp(rng.next() * Math.log(21)) - 1));
        customer.push(c);
        item.push(r * 5 + cluster);
        basket.push(b);
        time.push(t * 1000 + c);
      }
    }
  }
  return {
    length: customer.length,
    customer: Int32Array.from(customer),
    item: Int32Array.from(item),
    basket: Int32Array.from(basket),
    time: Float64Array.from(time),
    qty: new Int32Array(customer.length).fill(1),
    itemIds: Array.from({ length: 100 }, (_, i) => String(i)),
    itemIdsNumeric: true,
    customerIds: Array.from({ length: nCustomers }, (_, c) => `c${c}`),
    nBaskets: b,
  };
}

/** Knows the clusters: items of the customer's cluster, by index, minus history. */
const clusterAware = (): Recommender => {
  const owned = new Marker(100);
  return (history, k, out) => {
    owned.reset(history);
    const cluster = history[0] % 5;
    let n = 0;
    for (let i = cluster; i < 100 && n < k; i += 5) if (!owned.has(i)) out[n++] = i;
    return n;
  };
};

describe('evaluate', () => {
  const x = clustered(600, 1);
  const { train, test } = splitInteractions(x);
  const run = (seed = 42) =>
    evaluate({
      train,
      test,
      recommenders: {
        model: clusterAware(),
        'most-popular': mostPopularBaseline(train),
        random: randomBaseline(test.nItems, 7),
      },
      resamples: 300,
      seed,
    });

  it('reports every metric with a CI for every recommender, and paired comparisons', () => {
    const r = run();
    expect(r).toMatchObject({
      k: 10,
      users: test.nUsers,
      catalogueSize: 100,
      repeats: 'exclude',
      model: 'model',
    });
    expect(r.recommenders.map((x) => x.name)).toEqual(['model', 'most-popular', 'random']);
    expect(r.comparisons.map((c) => c.baseline)).toEqual(['most-popular', 'random']);
    for (const rec of r.recommenders) {
      for (const m of METRICS) {
        const iv = rec.metrics[m];
        expect(iv.low).toBeLessThanOrEqual(iv.mean);
        expect(iv.high).toBeGreaterThanOrEqual(iv.mean);
      }
      expect(rec.meanListLength).toBe(10);
    }
    // the cluster-aware model clearly beats both baselines on every metric
    for (const c of r.comparisons) {
      for (const m of METRICS) {
        expect(c.metrics[m].verdict).toBe('better');
        expect(c.metrics[m].low).toBeGreaterThan(0);
      }
    }
    const [model, popular, random] = r.recommenders;
    expect(popular.metrics.ndcg.mean).toBeGreaterThan(random.metrics.ndcg.mean);
    // popularity leans on best sellers; random covers (nearly) the whole catalogue
    expect(popular.meanPopularityNorm).toBeGreaterThan(model.meanPopularityNorm);
    expect(popular.meanPopularityNorm).toBeGreaterThan(random.meanPopularityNorm);
    expect(random.coverage).toBeGreaterThan(0.9);
    expect(popular.coverage).toBeLessThan(0.2);
  });

  it('is deterministic for a seed and plain JSON', () => {
    const a = run(5);
    expect(run(5)).toEqual(a);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    expect(flatMetrics(a).ndcg_at_10).toBe(a.recommenders[0].metrics.ndcg.mean);
    expect(flatMetrics(a)['ndcg_at_10_vs_most-popular']).toBe(a.comparisons[0].metrics.ndcg.difference);
    expect(flatMetrics(a, 'random').hit_rate_at_10).toBe(a.recommenders[2].metrics.hitRate.mean);
  });

  it('reports progress up to the total', () => {
    const seen: [number, number][] = [];
    evaluate({
      train,
      test,
      recommenders: { p: mostPopularBaseline(train) },
      resamples: 100,
      onProgress: (d, t) => seen.push([d, t]),
    });
    const total = test.nUsers + 100;
    expect(seen.at(-1)).toEqual([total, total]);
    expect(seen.every(([d, t], i) => t === total && (i === 0 || d >= seen[i - 1][0]))).toBe(true);
  });

  it('validates its input', () => {
    const recs = { p: mostPopularBaseline(train) };
    const cases: [() => unknown, string][] = [
      [() => evaluate({ train, test, recommenders: {} }), 'EVAL_NO_RECOMMENDERS'],
      [() => evaluate({ train, test, recommenders: recs, model: 'nope' }), 'EVAL_NO_RECOMMENDERS'],
      [() => evaluate({ train, test, recommenders: recs, k: 0 }), 'EVAL_K_OUT_OF_RANGE'],
      [() => evaluate({ train, test, recommenders: recs, k: 101 }), 'EVAL_K_OUT_OF_RANGE'],
      [() => evaluate({ train, test, recommenders: recs, resamples: 1 }), 'EVAL_BAD_BOOTSTRAP'],
      [
        () => evaluate({ train: { ...train, itemIds: [] }, test, recommenders: recs }),
        'EVAL_CATALOGUE_MISMATCH',
      ],
      [() => evaluate({ train, test: { ...test, nUsers: 0 }, recommenders: recs }), 'EVAL_EMPTY_TEST_SET'],
    ];
    for (const [f, code] of cases) expect(f).toThrow(expect.objectContaining({ code }));
  });
});
