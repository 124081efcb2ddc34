import { describe, expect, it } from 'vitest';
import { isBookmlError } from '../core/index.js';
import { METRICS, metricLabel, rankingMetrics, scoreRecommender } from './metrics.js';
import type { Recommender } from './recommender.js';
import type { TestSet } from './test-set.js';

const log2 = Math.log2;

describe('rankingMetrics (hand-computed)', () => {
  it('one relevant item at rank 2 of 3', () => {
    // list [7, 3, 9], relevant {3}, k = 3: the hit is at rank 2.
    const m = rankingMetrics([7, 3, 9], [3], 3);
    expect(m.hitRate).toBe(1); // ≥ 1 hit
    expect(m.precision).toBeCloseTo(1 / 3, 12); // 1 hit / k = 3
    expect(m.recall).toBe(1); // 1 hit / 1 relevant
    // DCG = 1/log2(2+1); ideal DCG over min(3, 1) = 1 item = 1/log2(1+1) = 1
    expect(m.ndcg).toBeCloseTo(1 / log2(3), 12); // ≈ 0.6309
    expect(m.mrr).toBe(1 / 2); // first hit at rank 2
  });

  it('two hits of three relevant, k = 5', () => {
    // list [1, 2, 3, 4, 5], relevant {2, 5, 8}: hits at ranks 2 and 5.
    const m = rankingMetrics([1, 2, 3, 4, 5], [2, 5, 8], 5);
    expect(m.hitRate).toBe(1);
    expect(m.precision).toBeCloseTo(2 / 5, 12); // 0.4
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    // DCG = 1/log2(3) + 1/log2(6) = 0.63093 + 0.38685 = 1.01778
    // IDCG over min(5, 3) = 3: 1/log2(2) + 1/log2(3) + 1/log2(4) = 1 + 0.63093 + 0.5 = 2.13093
    const dcg = 1 / log2(3) + 1 / log2(6);
    const idcg = 1 + 1 / log2(3) + 1 / 2;
    expect(m.ndcg).toBeCloseTo(dcg / idcg, 12);
    expect(m.ndcg).toBeCloseTo(0.47762, 4);
    expect(m.mrr).toBe(1 / 2);
  });

  it('only the first k entries count', () => {
    // list [4, 1, 2], relevant {2}, k = 2: the top 2 are [4, 1], no hit.
    expect(rankingMetrics([4, 1, 2], [2], 2)).toEqual({
      hitRate: 0,
      precision: 0,
      recall: 0,
      ndcg: 0,
      mrr: 0,
    });
  });

  it('more relevant items than k: the ideal DCG stops at k', () => {
    // list [1, 2], relevant {1, 2, 3, 4}, k = 2: both slots hit.
    const m = rankingMetrics([1, 2], [1, 2, 3, 4], 2);
    expect(m.precision).toBe(1); // 2 / 2
    expect(m.recall).toBe(0.5); // 2 / 4
    // DCG = 1 + 1/log2(3); IDCG over min(2, 4) = 2 items: the same → 1
    expect(m.ndcg).toBeCloseTo(1, 12);
    expect(m.mrr).toBe(1);
  });

  it('a list shorter than k wastes the empty slots in precision only', () => {
    // list [9], relevant {9}, k = 4.
    const m = rankingMetrics([9], [9], 4);
    expect(m.precision).toBe(1 / 4); // 1 hit / k = 4
    expect(m.recall).toBe(1); // 1 / 1
    expect(m.ndcg).toBe(1); // DCG 1 / IDCG over min(4, 1) = 1 item = 1
    expect(m.mrr).toBe(1);
  });

  it('rejects a bad k', () => {
    for (const k of [0, 1.5, 1001]) {
      expect(() => rankingMetrics([1], [1], k)).toThrow(
        expect.objectContaining({ code: 'EVAL_K_OUT_OF_RANGE' }),
      );
    }
  });

  it('labels', () => {
    expect(METRICS.map((m) => metricLabel(m, 10))).toEqual([
      'HitRate@10',
      'Precision@10',
      'Recall@10',
      'NDCG@10',
      'MRR@10',
    ]);
  });
});

describe('scoreRecommender', () => {
  // user 0: history {0}, held {2, 3}; user 1: history {1, 2}, held {4}; 6 items.
  const test: TestSet = {
    nItems: 6,
    nUsers: 2,
    customer: Int32Array.of(10, 11),
    heldOffsets: Int32Array.of(0, 2, 3),
    heldItems: Int32Array.of(2, 3, 4),
    historyOffsets: Int32Array.of(0, 1, 3),
    historyItems: Int32Array.of(0, 1, 2),
    repeats: 'exclude',
  };
  const popularity = Int32Array.of(5, 4, 3, 2, 1, 0);
  const fixed =
    (lists: number[][]): Recommender =>
    (history, k, out) => {
      const list = history[0] === 0 ? lists[0] : lists[1];
      const n = Math.min(k, list.length);
      for (let i = 0; i < n; i++) out[i] = list[i];
      return n;
    };

  it('per-user values, means, coverage and popularity', () => {
    const s = scoreRecommender(
      test,
      fixed([
        [1, 2],
        [0, 4],
      ]),
      { k: 2, popularity },
    );
    // user 0: list [1, 2] vs {2, 3}: hit at rank 2.
    //   precision 1/2, recall 1/2, DCG 1/log2(3), IDCG over min(2, 2) = 1 + 1/log2(3), RR 1/2
    // user 1: list [0, 4] vs {4}: hit at rank 2.
    //   precision 1/2, recall 1/1, DCG 1/log2(3), IDCG over 1 item = 1, RR 1/2
    const ndcg0 = 1 / log2(3) / (1 + 1 / log2(3)); // ≈ 0.38685
    const ndcg1 = 1 / log2(3); // ≈ 0.63093
    expect(Array.from(s.perUser.hitRate)).toEqual([1, 1]);
    expect(Array.from(s.perUser.precision)).toEqual([0.5, 0.5]);
    expect(Array.from(s.perUser.recall)).toEqual([0.5, 1]);
    expect(s.perUser.ndcg[0]).toBeCloseTo(ndcg0, 12);
    expect(s.perUser.ndcg[1]).toBeCloseTo(ndcg1, 12);
    expect(Array.from(s.perUser.mrr)).toEqual([0.5, 0.5]);
    expect(s.mean.recall).toBe(0.75); // (0.5 + 1) / 2
    expect(s.mean.ndcg).toBeCloseTo((ndcg0 + ndcg1) / 2, 12); // ≈ 0.50889
    // items {1, 2, 0, 4} recommended: 4 of 6
    expect(s.coverage).toBeCloseTo(4 / 6, 12);
    expect(s.distinctItems).toBe(4);
    // popularity of slots: 4 + 3 + 5 + 1 = 13 over 4 slots = 3.25; best seller 5 → 0.65
    expect(s.meanPopularity).toBe(3.25);
    expect(s.meanPopularityNorm).toBeCloseTo(0.65, 12);
    expect(s.meanListLength).toBe(2);
  });

  it('rejects lists that break the contract', () => {
    const cases: Recommender[] = [
      fixed([[0, 4], [3]]), // user 0 gets its own history item 0
      fixed([[4, 4], [3]]), // duplicate
      fixed([[6], [3]]), // out of the catalogue
      () => 3, // more than k = 2
    ];
    for (const rec of cases) {
      let err: unknown;
      try {
        scoreRecommender(test, rec, { k: 2, popularity, name: 'bad' });
      } catch (e) {
        err = e;
      }
      expect(isBookmlError(err, 'EVAL_BAD_RECOMMENDATION')).toBe(true);
      expect((err as Error).message).toContain('"bad"');
    }
  });

  it('rejects popularity of another catalogue and k beyond the catalogue', () => {
    expect(() => scoreRecommender(test, fixed([[1], [0]]), { k: 2, popularity: new Int32Array(3) })).toThrow(
      expect.objectContaining({ code: 'EVAL_CATALOGUE_MISMATCH' }),
    );
    expect(() => scoreRecommender(test, fixed([[1], [0]]), { k: 7, popularity })).toThrow(
      expect.objectContaining({ code: 'EVAL_K_OUT_OF_RANGE' }),
    );
  });
});
