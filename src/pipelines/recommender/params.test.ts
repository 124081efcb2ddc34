import { describe, expect, it } from 'vitest';
import { SIMILARITIES as MODEL_SIMILARITIES } from '../../model/index.js';
import { RECOMMENDER_PARAMS, SIMILARITIES } from './params.js';

describe('recommender parameters', () => {
  it('offer every similarity the trainer has', () => {
    expect([...SIMILARITIES].sort()).toEqual([...MODEL_SIMILARITIES].sort());
    expect(RECOMMENDER_PARAMS.similarityGrid.of.values).toBe(SIMILARITIES);
  });
});
