import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/index.js';
import type { Interactions } from '../../data/index.js';
import { trainParamsSchema } from '../../model/index.js';
import { fitKnn, pointParams } from './model-fit.js';
import { FAILED_PREFIX, rankSweep, tunerPoints } from './sweep.js';

/** 40 customers over 12 books in 3 clusters, 4 purchases each. */
function shop(): Interactions {
  const rng = new Rng(2);
  const rows: [number, number][] = [];
  for (let c = 0; c < 40; c++) {
    const g = c % 3;
    for (let t = 0; t < 4; t++) rows.push([c, g * 4 + rng.int(4)]);
  }
  return {
    length: rows.length,
    customer: Int32Array.from(rows, (r) => r[0]),
    item: Int32Array.from(rows, (r) => r[1]),
    basket: Int32Array.from(rows, (_, i) => i),
    time: Float64Array.from(rows, (_, i) => i),
    qty: new Int32Array(rows.length).fill(1),
    itemIds: Array.from({ length: 12 }, (_, i) => String(i + 1)),
    itemIdsNumeric: true,
    customerIds: Array.from({ length: 40 }, (_, c) => `c${c}`),
    nBaskets: rows.length,
  };
}

describe('the sweep with EASE points', () => {
  it("the tuner's points include EASE; each becomes valid trainer parameters and trains", async () => {
    const points = await tunerPoints(24, 42);
    const ease = points.filter((p) => JSON.parse(p.options).family === 'ease');
    expect(ease.length).toBeGreaterThan(0);
    for (const p of points) {
      const params = pointParams(p.similarity, p.k, p.options, {});
      expect(trainParamsSchema.safeParse(params).success).toBe(true);
    }
    const p = ease[0];
    // The run's trainOptions still win over a draw.
    const params = pointParams(p.similarity, p.k, p.options, { heavyBuyerBeta: 0 });
    expect(params).toMatchObject({ family: 'ease', easeLambda: expect.any(Number), heavyBuyerBeta: 0 });
    const model = await fitKnn(shop(), params);
    expect(model.params).toMatchObject({ family: 'ease', k: p.k });
  });

  it('a failed point ranks last, whatever its score', () => {
    const r = (k: number, ndcg: number, modelId: string) => ({
      similarity: 'cosine' as const,
      k,
      ndcg,
      modelId,
    });
    const ranked = rankSweep([
      r(10, 0, `${FAILED_PREFIX}MODEL_EASE_TOO_LARGE`),
      r(50, 0, 'b'),
      r(20, 0.1, 'a'),
    ]);
    expect(ranked.map((x) => x.modelId)).toEqual(['a', 'b', `${FAILED_PREFIX}MODEL_EASE_TOO_LARGE`]);
  });
});
