import { describe, expect, it } from 'vitest';
import type { PredictionRecord } from '../store/predictions/index.js';
import { answerFeatures, FEATURE_NAMES, recordFeatures } from './features.js';

function record(over: Partial<PredictionRecord>): PredictionRecord {
  return {
    time: '2026-03-01T12:00:00.000Z',
    version: '7',
    role: 'primary',
    route: 'recommend',
    book_ids: [17],
    k: 3,
    returned: [1, 2, 3],
    scores: [0.5, 0.25, 0.125],
    fallback: false,
    book_ranks: [40],
    returned_ranks: [1, 2, 6],
    ...over,
  };
}

describe('features', () => {
  it('are four, in a fixed order', () => {
    expect(FEATURE_NAMES).toEqual(['requested_rank', 'top_score', 'fallback', 'recommended_rank']);
  });

  it('of an answer: requested rank, top score, no fallback, mean recommended rank', () => {
    expect(recordFeatures(record({}))).toEqual({
      requested_rank: 40,
      top_score: 0.5,
      fallback: 0,
      recommended_rank: 3,
    });
  });

  it('of a basket: the mean rank of the books the model knows', () => {
    const f = recordFeatures(record({ route: 'basket', book_ids: [1, 99, 2], book_ranks: [10, null, 20] }));
    expect(f.requested_rank).toBe(15);
  });

  it('of a fallback: no requested rank for an unknown book, no score or recommended rank', () => {
    const f = recordFeatures(
      record({
        book_ids: [99999],
        book_ranks: [null],
        fallback: true,
        scores: [0.2, 0.1],
        returned_ranks: [1, 2],
      }),
    );
    expect(f.fallback).toBe(1);
    expect(f.requested_rank).toBeNaN();
    expect(f.top_score).toBeNaN();
    expect(f.recommended_rank).toBeNaN();
  });

  it('of a record logged before ranks: score and fallback only', () => {
    const { book_ranks: _, returned_ranks: __, ...old } = record({});
    const f = recordFeatures(old);
    expect(f.top_score).toBe(0.5);
    expect(f.fallback).toBe(0);
    expect(f.requested_rank).toBeNaN();
    expect(f.recommended_rank).toBeNaN();
  });

  it('of an empty answer or a null score: no top score', () => {
    expect(recordFeatures(record({ returned: [], scores: [], returned_ranks: [] })).top_score).toBeNaN();
    expect(recordFeatures(record({ scores: [Number.NaN] })).top_score).toBeNaN();
  });

  it('computed from a model answer equal those of the record the server would log', () => {
    const ranks = Int32Array.from([3, 1, 2, 5, 4]);
    const answer = {
      items: Int32Array.from([1, 2]),
      scores: Float64Array.from([0.9, 0.3]),
      fallback: false,
    };
    expect(answerFeatures(ranks, [4], answer)).toEqual(
      recordFeatures(record({ book_ranks: [4], scores: [0.9, 0.3], returned_ranks: [1, 2] })),
    );
    expect(answerFeatures(ranks, [-1], { ...answer, fallback: true }).requested_rank).toBeNaN();
  });
});
