import { describe, expect, it } from 'vitest';
import { Rng } from '../core/index.js';
import { EASE_MAX_ITEMS, trainParamsSchema } from '../model/index.js';
import { catalogueShape, DEFAULT_SPACE, decode, searchSpace } from './space.js';
import { proposeTpe, randomPoint } from './tpe.js';

describe('search space', () => {
  it('every row names a trainer parameter, and every decoded point is valid for the trainer', () => {
    const names = Object.keys(trainParamsSchema.shape);
    for (const d of DEFAULT_SPACE) expect(names).toContain(d.name);
    const rng = new Rng(1);
    const space = searchSpace(10);
    for (let i = 0; i < 500; i++) {
      const p = decode(space, randomPoint(space, rng));
      expect(trainParamsSchema.safeParse(p).success).toBe(true);
      expect(p.k).toBeGreaterThanOrEqual(10);
    }
  });

  it('decodes ends, off regions, log scales and conditions', () => {
    const space = searchSpace(10);
    const at = (name: string, u: number, rest = 0.5) =>
      decode(
        space,
        // family 0.1 → knn, whose rows are the ones looked at here.
        space.map((d) => (d.name === name ? u : d.name === 'family' ? 0.1 : rest)),
      );
    expect(at('shrinkage', 0.1).shrinkage).toBe(0);
    expect(at('halfLifeDays', 0.1).halfLifeDays).toBeNull();
    expect(at('k', 0).k).toBe(10);
    expect(at('k', 0.999999999).k).toBe(400);
    // similarity 0.9 → conditional: alpha applies; 0.1 → cosine: it does not.
    expect(at('similarity', 0.9)).toHaveProperty('alpha');
    expect(at('similarity', 0.1)).not.toHaveProperty('alpha');
    expect(searchSpace(30).find((d) => d.name === 'k')).toMatchObject({ min: 30 });
  });
});

describe('TPE', () => {
  it('after the random start it proposes near the best trials', () => {
    // One row; the score peaks at u = 0.8.
    const space = [{ name: 'x', kind: 'float', min: 0, max: 1 }] as const;
    const rng = new Rng(3);
    const history = [];
    for (let i = 0; i < 40; i++) {
      const u = proposeTpe(space, history, rng, {}, { startup: 8 });
      history.push({ u, params: decode(space, u), score: -Math.abs(u[0] - 0.8) });
    }
    const late = history.slice(20).map((h) => Math.abs(h.u[0] - 0.8));
    const early = history.slice(0, 8).map((h) => Math.abs(h.u[0] - 0.8));
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(late)).toBeLessThan(mean(early) / 2);
  });
});

describe('EASE in the space', () => {
  const rng = new Rng(4);
  it('draws both families; kNN-only rows never with EASE, λ only with EASE', () => {
    const space = searchSpace(10);
    const families = new Set<unknown>();
    for (let i = 0; i < 200; i++) {
      const p = decode(space, randomPoint(space, rng));
      families.add(p.family);
      if (p.family === 'ease') {
        expect(p.easeLambda).toEqual(expect.any(Number));
        for (const knnOnly of ['similarity', 'alpha', 'shrinkage', 'minCoCount'])
          expect(p).not.toHaveProperty(knnOnly);
      } else {
        expect(p).not.toHaveProperty('easeLambda');
        expect(p.similarity).toEqual(expect.any(String));
      }
    }
    expect([...families].sort()).toEqual(['ease', 'knn']);
  });

  it('offers EASE only when the training catalogue fits, and scales λ to its mean popularity', () => {
    const fits = searchSpace(10, {}, DEFAULT_SPACE, { items: EASE_MAX_ITEMS, meanPopularity: 200 });
    expect(fits.find((d) => d.name === 'family')).toMatchObject({ values: ['knn', 'ease'] });
    // Steck's λ sat at 0.25–1 × the mean popularity; the range spans 0.02–50 ×.
    expect(fits.find((d) => d.name === 'easeLambda')).toMatchObject({ min: 4, max: 10_000, log: true });
    const big = searchSpace(10, {}, DEFAULT_SPACE, { items: EASE_MAX_ITEMS + 1, meanPopularity: 200 });
    expect(big.find((d) => d.name === 'family')).toMatchObject({ values: ['knn'] });
    for (let i = 0; i < 50; i++) expect(decode(big, randomPoint(big, rng)).family).toBe('knn');
    expect(catalogueShape(Int32Array.from([0, 2, 4, 0]))).toEqual({ items: 4, meanPopularity: 3 });
  });

  it('pinning the family searches that family alone', () => {
    const space = searchSpace(10, { family: 'ease' });
    expect(space.map((d) => d.name)).not.toContain('family');
    const p = decode(space, randomPoint(space, rng), { family: 'ease' });
    expect(p).toMatchObject({ family: 'ease', easeLambda: expect.any(Number) });
    expect(p).not.toHaveProperty('similarity');
  });
});
