import { describe, expect, it } from 'vitest';
import { isBookmlError } from '../core/index.js';
import { benjaminiHochberg, bonferroni } from './multiple-testing.js';

describe('bonferroni', () => {
  it('tests each of F features at alpha / F, strictly', () => {
    const r = bonferroni([0.01, 0.2, 0.0125, 0.03], 0.05);
    expect(r.threshold).toBe(0.0125);
    expect(r.significant).toEqual([true, false, false, false]);
    expect([...r.adjusted]).toEqual([0.04, 0.8, 0.05, 0.12]);
  });

  it('caps adjusted p-values at 1 and never counts NaN', () => {
    const r = bonferroni([0.6, Number.NaN], 0.05);
    expect(r.adjusted[0]).toBe(1);
    expect(r.adjusted[1]).toBeNaN();
    expect(r.significant).toEqual([false, false]);
  });
});

describe('benjaminiHochberg', () => {
  it('takes the largest rank i with p(i) < alpha·i/F and flags everything below its bound', () => {
    // Sorted: 0.001 < 0.0125 (i=1), 0.02 < 0.025 (i=2), 0.04 ≥ 0.0375 (i=3), 0.045 < 0.05 (i=4).
    const r = benjaminiHochberg([0.04, 0.001, 0.045, 0.02], 0.05);
    expect(r.threshold).toBe(0.05);
    expect(r.significant).toEqual([true, true, true, true]);
  });

  it('is less strict than Bonferroni when several features move together', () => {
    const p = [0.019312726386846044, 0.019312726386846044, 0.052632182395647424, 0.027351019396593453];
    expect(bonferroni(p, 0.05).significant).toEqual([false, false, false, false]);
    const r = benjaminiHochberg(p, 0.05);
    expect(r.threshold).toBe((0.05 * 3) / 4);
    expect(r.significant).toEqual([true, true, false, true]);
  });

  it('flags nothing and reports alpha / F when no p(i) < alpha·i/F', () => {
    const r = benjaminiHochberg([0.3, 0.5, 0.04], 0.05);
    expect(r.threshold).toBeCloseTo(0.05 / 3, 17);
    expect(r.significant).toEqual([false, false, false]);
  });

  it('adjusted p-values are monotone in p and significant ⇔ adjusted < alpha', () => {
    const p = [0.04, 0.001, 0.045, 0.02, 0.5, Number.NaN];
    const r = benjaminiHochberg(p, 0.05);
    // F = 6 (the NaN counts as a test); p·F/rank = 0.006, 0.06, 0.08, 0.0675, 0.6, then running minima.
    expect([...r.adjusted].map((v) => Number(v.toFixed(6)))).toEqual([
      0.0675,
      0.006,
      0.0675,
      0.06,
      0.6,
      Number.NaN,
    ]);
    expect(r.significant).toEqual([false, true, false, false, false, false]);
    for (let i = 0; i < p.length; i++) expect(r.significant[i]).toBe(r.adjusted[i] < 0.05);
  });
});

describe('validation', () => {
  it.each([
    ['alpha 0', () => bonferroni([0.1], 0), 'alpha'],
    ['alpha 1', () => benjaminiHochberg([0.1], 1), 'alpha'],
    ['no p-value', () => bonferroni([], 0.05), 'pValues'],
    ['p-value 1.5', () => benjaminiHochberg([0.1, 1.5], 0.05), 'pValues'],
  ])('%s: MONITOR_BAD_OPTION naming the field', (_, f, field) => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(isBookmlError(err, 'MONITOR_BAD_OPTION')).toBe(true);
    expect(err).toMatchObject({ field });
  });
});
