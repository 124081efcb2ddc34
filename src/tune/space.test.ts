import { describe, expect, it } from 'vitest';
import { Rng } from '../core/index.js';
import { trainParamsSchema } from '../model/index.js';
import { DEFAULT_SPACE, decode, searchSpace } from './space.js';
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
        space.map((d) => (d.name === name ? u : rest)),
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
