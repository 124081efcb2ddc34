import { describe, expect, it } from 'vitest';
import { Rng } from '../core/index.js';
import { bootstrapCi, bootstrapIntervals, differenceSeries, pairedBootstrap } from './bootstrap.js';

function bernoulli(n: number, p: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => (rng.next() < p ? 1 : 0));
}

describe('bootstrap', () => {
  const values = bernoulli(500, 0.3, 1);

  it('is deterministic for a seed', () => {
    const a = bootstrapCi(values, { seed: 5 });
    expect(bootstrapCi(values, { seed: 5 })).toEqual(a);
    expect(bootstrapCi(values, { seed: 6 })).not.toEqual(a);
  });

  it('gives an interval around the mean, about ±1.96 standard errors wide', () => {
    const { mean, low, high } = bootstrapCi(values);
    expect(low).toBeLessThan(mean);
    expect(high).toBeGreaterThan(mean);
    // standard error of a proportion: sqrt(p(1 − p)/n)
    const se = Math.sqrt((mean * (1 - mean)) / values.length);
    expect(high - low).toBeGreaterThan(2 * 1.96 * se * 0.85);
    expect(high - low).toBeLessThan(2 * 1.96 * se * 1.15);
    // a 99 % interval is wider
    const wide = bootstrapCi(values, { confidence: 0.99 });
    expect(wide.high - wide.low).toBeGreaterThan(high - low);
  });

  it('a constant series has a zero-width interval', () => {
    expect(bootstrapCi(new Float64Array(50).fill(0.25), { resamples: 100 })).toEqual({
      mean: 0.25,
      low: 0.25,
      high: 0.25,
    });
  });

  it('shares resamples across series: mean of a difference = difference of means, per resample', () => {
    const a = bernoulli(300, 0.5, 2);
    const b = bernoulli(300, 0.4, 3);
    const [ia, ib, id] = bootstrapIntervals([a, b, differenceSeries(a, b)], { seed: 9 });
    expect(id.mean).toBeCloseTo(ia.mean - ib.mean, 12);
    // the same draws for a lone series give the same interval as in company
    expect(bootstrapCi(a, { seed: 9 })).toEqual(ia);
    expect(ib.mean).toBeCloseTo(b.reduce((s, v) => s + v, 0) / 300, 12);
  });

  it('a clearly better series: the paired CI of the difference excludes 0', () => {
    const better = bernoulli(2000, 0.6, 4);
    const worse = bernoulli(2000, 0.3, 5);
    const d = pairedBootstrap(better, worse);
    expect(d.difference).toBeGreaterThan(0.2);
    expect(d.low).toBeGreaterThan(0);
    expect(d).toMatchObject({ excludesZero: true, verdict: 'better' });
    expect(pairedBootstrap(worse, better)).toMatchObject({ excludesZero: true, verdict: 'worse' });
    expect(pairedBootstrap(better, better)).toMatchObject({
      difference: 0,
      low: 0,
      high: 0,
      verdict: 'inconclusive',
    });
  });

  it('pairing removes the between-user noise', () => {
    // b varies a lot between users; a is b plus a small constant gain. Unpaired CIs overlap,
    // the paired difference is exactly the gain.
    const rng = new Rng(11);
    const b = Float64Array.from({ length: 400 }, () => rng.next());
    const a = b.map((v) => v + 0.01);
    const [ia, ib] = bootstrapIntervals([a, b]);
    expect(ia.low).toBeLessThan(ib.high);
    const d = pairedBootstrap(a, b);
    expect(d.low).toBeCloseTo(0.01, 9);
    expect(d.high).toBeCloseTo(0.01, 9);
    expect(d.verdict).toBe('better');
  });

  it('validates its options and inputs', () => {
    for (const opts of [{ resamples: 5 }, { resamples: 1e6 }, { confidence: 1 }, { seed: 0.5 }]) {
      expect(() => bootstrapCi(values, opts)).toThrow(
        expect.objectContaining({ code: 'EVAL_BAD_BOOTSTRAP' }),
      );
    }
    expect(() => pairedBootstrap(values, new Float64Array(3))).toThrow(
      expect.objectContaining({ code: 'EVAL_LENGTH_MISMATCH' }),
    );
    expect(() => bootstrapCi(new Float64Array(0))).toThrow(
      expect.objectContaining({ code: 'EVAL_EMPTY_TEST_SET' }),
    );
  });
});
