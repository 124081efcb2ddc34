import { describe, expect, it } from 'vitest';
import { durbinCdf, kolmogorovSf, pelzGoodCdf } from './kolmogorov-n.js';
import { smirnovSf } from './smirnov.js';

/** Birnbaum–Tingey's sum term by term in plain doubles: exact enough for small n. */
function smirnovDirect(n: number, x: number): number {
  let sum = 0;
  let c = 1;
  for (let v = 0; v <= Math.floor(n * (1 - x)); v++) {
    sum += c * (x + v / n) ** (v - 1) * (1 - x - v / n) ** (n - v);
    c = (c * (n - v)) / (v + 1);
  }
  return x * sum;
}

describe('smirnovSf (one-sided one-sample KS)', () => {
  it.each([
    [5, 0.3],
    [12, 0.27],
    [40, 0.2],
    [100, 0.15],
    [100, 0.4],
  ])('n = %i, x = %f: equals the direct Birnbaum–Tingey sum', (n, x) => {
    expect(Math.abs(smirnovSf(n, x) / smirnovDirect(n, x) - 1)).toBeLessThan(1e-12);
  });

  it('edges: n = 1, x ≤ 1/n, x ≥ 1 − 1/n, x = 0 and 1, out of domain', () => {
    expect(smirnovSf(1, 0.3)).toBe(0.7);
    expect(smirnovSf(10, 0.05)).toBeCloseTo(1 - 0.05 * 1.05 ** 9, 15);
    expect(smirnovSf(10, 0.95)).toBeCloseTo(0.05 ** 10, 25);
    expect(smirnovSf(10, 0)).toBe(1);
    expect(smirnovSf(10, 1)).toBe(0);
    expect(smirnovSf(10, 1.5)).toBeNaN();
  });

  it('past n = 10⁶ switches to SciPy’s approximation, which continues the exact value', () => {
    const x = Math.sqrt(3 / 1e6);
    expect(smirnovSf(1_000_001, x) / smirnovSf(1_000_000, x)).toBeCloseTo(1, 4);
  });
});

describe('kolmogorovSf (two-sided one-sample KS, SciPy kstwo.sf)', () => {
  it('for x ≥ ½ the two sides cannot both be crossed: 1 − Durbin = 2 · smirnov', () => {
    for (const [n, x] of [
      [3, 0.5],
      [3, 0.75],
      [10, 0.5],
      [25, 0.5],
    ]) {
      // Absolute: 1 − cdf loses relative digits when the tail is small (why SciPy uses smirnov there).
      expect(Math.abs(1 - durbinCdf(n, x) - 2 * smirnovSf(n, x)), `n=${n} x=${x}`).toBeLessThan(1e-14);
    }
  });

  it('Durbin (exact) and Pelz–Good (asymptotic) meet where SciPy switches between them', () => {
    for (const n of [1000, 5000]) {
      const x = (1.4 / n) ** (2 / 3);
      expect(Math.abs(pelzGoodCdf(n, x) / durbinCdf(n, x) - 1)).toBeLessThan(1e-4);
    }
  });

  it('Ruben–Gambino for N·x ≤ 1 agrees across the N = 140 switch of its evaluation', () => {
    const t = 0.9;
    const viaProduct = (n: number) => {
      let p = 1;
      for (let i = 1; i <= n; i++) p *= (i / n) * (2 * t - 1);
      return 1 - p;
    };
    expect(kolmogorovSf(141, t / 141)).toBeCloseTo(viaProduct(141), 15);
    expect(kolmogorovSf(140, t / 140)).toBe(viaProduct(140));
  });

  it('edges of the support and the closed forms', () => {
    expect(kolmogorovSf(0, 0.3)).toBeNaN();
    expect(kolmogorovSf(2.5, 0.3)).toBeNaN();
    expect(kolmogorovSf(10, 1)).toBe(0);
    expect(kolmogorovSf(10, 0.05)).toBe(1);
    expect(kolmogorovSf(10, 0.95)).toBeCloseTo(2 * 0.05 ** 10, 25);
    expect(kolmogorovSf(1000, 0.7)).toBe(0); // N·x² ≥ 370
  });
});
