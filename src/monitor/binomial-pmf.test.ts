import { describe, expect, it } from 'vitest';
import { binomialPmfInterior, logBinomial, logFactorialOverPower, stirlerr } from './binomial-pmf.js';

/** C(n, k) p^k q^(n−k) the long way, fine while nothing overflows. */
function direct(k: number, n: number, p: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c * p ** k * (1 - p) ** (n - k);
}

describe('binomial probabilities in Loader’s form', () => {
  it.each([
    [1, 2, 0.5],
    [3, 10, 0.3],
    [17, 40, 0.41],
    [50, 100, 0.5],
    [5, 100, 0.01],
  ])('P(Bin(%i; %i, %f)) agrees with the direct product', (k, n, p) => {
    const got = binomialPmfInterior(k, n, n * p, n * (1 - p), k - n * p);
    expect(Math.abs(got / direct(k, n, p) - 1)).toBeLessThan(1e-13);
  });

  it('sums to 1 over k for n = 5000 (no term overflows or underflows wrongly)', () => {
    const n = 5000;
    const p = 0.37;
    let sum = (1 - p) ** n + p ** n;
    for (let k = 1; k < n; k++) sum += binomialPmfInterior(k, n, n * p, n * (1 - p), k - n * p);
    expect(sum).toBeCloseTo(1, 13);
  });

  it('stirlerr is continuous where the table hands over to the series', () => {
    // From ln (k+1)! = ln k! + ln(k+1): stirlerr(k) − stirlerr(k+1) = (k + ½) ln(1 + 1/k) − 1.
    const step = (k: number) => stirlerr(k) - stirlerr(k + 1) - ((k + 0.5) * Math.log1p(1 / k) - 1);
    for (const k of [14, 15, 16, 35, 36, 80, 81, 500, 501]) expect(Math.abs(step(k))).toBeLessThan(1e-14);
  });

  it('ln(n!/n^n) and ln C(a, b) agree with sums of logs', () => {
    let s = 0;
    for (let i = 1; i <= 300; i++) s += Math.log(i / 300);
    expect(logFactorialOverPower(300)).toBeCloseTo(s, 10);
    let c = 0;
    for (let i = 1; i <= 40; i++) c += Math.log((960 + i) / i);
    expect(logBinomial(1000, 40)).toBeCloseTo(c, 10);
    expect(logBinomial(7, 0)).toBe(0);
  });
});
