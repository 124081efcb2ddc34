import { describe, expect, it } from 'vitest';
import {
  hasKsVectors,
  loadKsVectors,
  type VectorAlternative,
  type VectorCase,
  type VectorMethod,
} from '../../test/fixtures/ks-vectors.js';
import { isBookmlError } from '../core/index.js';
import { KS_EXACT_MAX_N, type KsResult, ksTwoSample } from './ks.js';

const ALTERNATIVES: VectorAlternative[] = ['two-sided', 'less', 'greater'];
const METHODS: VectorMethod[] = ['exact', 'asymp', 'auto'];

/**
 * Relative p-value tolerance per computation (../shared/spec/drift.md §5): exact values and the
 * one-sided closed form are reproduced to rounding; the one-sided exact for unequal sizes is computed
 * here by a different (cancellation-free) recursion than SciPy's binomial sums; the two-sided
 * asymptotic value uses Durbin's matrix where SciPy uses Pomeranz's recursion for part of its range.
 */
function tolerance(r: KsResult, c: VectorCase): number {
  if (r.method === 'exact') return r.alternative !== 'two-sided' && c.n_x !== c.n_y ? 1e-9 : 1e-12;
  return r.alternative === 'two-sided' ? 1e-9 : 1e-12;
}

function mismatches(c: VectorCase): string[] {
  const out: string[] = [];
  for (const alternative of ALTERNATIVES) {
    for (const m of METHODS) {
      const want = c.results[alternative][m];
      const got = ksTwoSample(c.x, c.y, { alternative, method: m === 'asymp' ? 'asymptotic' : m });
      const at = `${c.id} ${alternative} ${m}`;
      if (!(Math.abs(got.statistic - want.statistic) <= 1e-15)) {
        out.push(`${at}: statistic ${got.statistic}, SciPy ${want.statistic}`);
      }
      if (want.pvalue === null) {
        if (!Number.isNaN(got.pValue)) out.push(`${at}: p ${got.pValue}, SciPy NaN`);
      } else {
        const tol = tolerance(got, c) * want.pvalue;
        if (!(Math.abs(got.pValue - want.pvalue) <= tol)) {
          out.push(`${at}: p ${got.pValue}, SciPy ${want.pvalue} (relative tolerance ${tolerance(got, c)})`);
        }
      }
      const used = got.method === 'exact' ? 'exact' : 'asymp';
      if (used !== want.method_used) out.push(`${at}: method ${used}, SciPy ${want.method_used}`);
      const scipyFellBack = (want.warnings ?? []).some((w) => /Switching to|not possible/.test(w));
      if (scipyFellBack !== (got.fallback !== undefined)) {
        out.push(`${at}: fallback ${got.fallback ?? 'none'}, SciPy warned ${JSON.stringify(want.warnings)}`);
      }
      if (got.location !== want.statistic_location) {
        out.push(`${at}: location ${got.location}, SciPy ${want.statistic_location}`);
      }
      if (got.sign !== want.statistic_sign) out.push(`${at}: sign ${got.sign}, SciPy ${want.statistic_sign}`);
    }
  }
  return out;
}

describe.skipIf(!hasKsVectors)('ksTwoSample matches SciPy 1.10.1 ks_2samp on every vector', () => {
  const vectors = hasKsVectors ? loadKsVectors() : { cases: [] as VectorCase[] };
  it('has the 41 cases the spec describes', () => {
    expect(vectors.cases).toHaveLength(41);
  });
  for (const c of vectors.cases) {
    it(`${c.id} (${c.n_x} × ${c.n_y}): statistic, p-value, method, location, sign`, () => {
      expect(mismatches(c)).toEqual([]);
    });
  }
});

describe('ksTwoSample', () => {
  it('identical samples: D = 0, p = 1, located at the smallest value', () => {
    const r = ksTwoSample([3, 1, 2], [2, 3, 1]);
    expect(r).toMatchObject({ statistic: 0, pValue: 1, method: 'exact', sign: 1, location: 1 });
  });

  it('separated samples: D = 1 and the exact p = 2 / C(2n, n)', () => {
    const r = ksTwoSample([1, 2, 3], [4, 5, 6]);
    expect(r.statistic).toBe(1);
    expect(r.pValue).toBeCloseTo(2 / 20, 15);
    expect(r.sign).toBe(1); // the reference ECDF rises first: its values are smaller
    expect(ksTwoSample([4, 5, 6], [1, 2, 3]).sign).toBe(-1);
  });

  it('ties count every copy of a value at once', () => {
    // F_ref − F_cur at 1, 2, 3: 1/2 − 0, 1 − 1/2, 1 − 1 → D = 1/2 at 1 and at 2; the first wins.
    const r = ksTwoSample([1, 2], [2, 3], { method: 'asymptotic' });
    expect(r).toMatchObject({ statistic: 0.5, location: 1, sign: 1 });
  });

  it('one-sided alternatives read one side of the ECDF difference', () => {
    const ref = [1, 2, 3, 4];
    const cur = [2.5, 3.5, 4.5, 5.5];
    expect(ksTwoSample(ref, cur, { alternative: 'greater' }).statistic).toBe(0.5);
    expect(ksTwoSample(ref, cur, { alternative: 'less' }).statistic).toBe(0);
    expect(ksTwoSample(ref, cur, { alternative: 'less' }).pValue).toBe(1);
  });

  it('auto is exact up to KS_EXACT_MAX_N and asymptotic beyond', () => {
    const ref = Float64Array.from({ length: KS_EXACT_MAX_N + 1 }, (_, i) => (i * 7919) % 10007);
    expect(ksTwoSample(ref.subarray(0, KS_EXACT_MAX_N), [1, 2, 3]).method).toBe('exact');
    expect(ksTwoSample(ref, [1, 2, 3]).method).toBe('asymptotic');
  });

  it('exact falls back to asymptotic, saying why, where the lattice is too large', () => {
    const a = Float64Array.from({ length: 65_537 }, (_, i) => i);
    const b = Float64Array.from({ length: 65_536 }, (_, i) => i + 0.5);
    const r = ksTwoSample(a, b, { method: 'exact' });
    expect(r.method).toBe('asymptotic');
    expect(r.fallback).toMatch(/lcm/);
  });

  it('an exact p-value that rounds past 1 falls back to asymptotic, as SciPy does', () => {
    // D = 1/300 for 300 vs 300: the alternating sum is 1 up to rounding, and lands just above it.
    const a = Float64Array.from({ length: 300 }, (_, i) => i);
    const r = ksTwoSample(
      a,
      a.map((v) => v + 0.5),
    );
    expect(r.method).toBe('asymptotic');
    expect(r.fallback).toMatch(/outside \[0, 1\]/);
    expect(r.statistic).toBe(1 / 300);
    expect(r.pValue).toBe(1);
  });

  it('takes typed arrays and never reorders the caller’s data', () => {
    const ref = Float64Array.of(3, 1, 2);
    const cur = [9, 7, 8];
    ksTwoSample(ref, cur);
    expect([...ref]).toEqual([3, 1, 2]);
    expect(cur).toEqual([9, 7, 8]);
  });

  it('two-sided asymptotic with one value on each side has no p-value (NaN), as in SciPy', () => {
    expect(ksTwoSample([0], [1], { method: 'asymptotic' }).pValue).toBeNaN();
  });

  it.each([
    [[], [1], 'MONITOR_EMPTY_SAMPLE', 'reference'],
    [[1], [], 'MONITOR_EMPTY_SAMPLE', 'current'],
    [[1, Number.NaN], [1], 'MONITOR_NON_FINITE_VALUE', 'reference'],
    [[1], [2, Number.POSITIVE_INFINITY], 'MONITOR_NON_FINITE_VALUE', 'current'],
  ])('rejects %j vs %j with %s on %s', (ref, cur, code, field) => {
    const err = catchError(() => ksTwoSample(ref, cur));
    expect(isBookmlError(err, code)).toBe(true);
    expect(err).toMatchObject({ field, status: 400, retryable: false });
  });

  it('names a bad value by index', () => {
    expect(() => ksTwoSample([1, 2, Number.NaN], [1])).toThrow(/reference\[2\] is NaN/);
  });

  it.each([
    [{ alternative: 'bigger' }, 'alternative'],
    [{ method: 'asymp' }, 'method'],
  ])('rejects option %j naming %s', (options, field) => {
    const err = catchError(() => ksTwoSample([1], [2], options as never));
    expect(isBookmlError(err, 'MONITOR_BAD_OPTION')).toBe(true);
    expect(err).toMatchObject({ field });
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}
