import { describe, expect, it } from 'vitest';
import { gcd, oneSidedEqual, oneSidedUnequal, twoSidedEqual, twoSidedUnequal } from './ks-exact.js';

/**
 * Ground truth by brute force: every way to interleave n reference and m current values (all
 * C(n+m, n) paths, equally likely under H0), with D⁺, D⁻ and D in units of 1/lcm(n, m).
 */
function enumerate(n: number, m: number): { plus: number[]; minus: number[]; both: number[] } {
  const g = gcd(n, m);
  const out = { plus: [] as number[], minus: [] as number[], both: [] as number[] };
  const walk = (a: number, b: number, hi: number, lo: number) => {
    if (a === n && b === m) {
      out.plus.push(hi / g);
      out.minus.push(-lo / g);
      out.both.push(Math.max(hi, -lo) / g);
      return;
    }
    // Δ·n·m = a·m − b·n after a reference and b current values.
    if (a < n) walk(a + 1, b, Math.max(hi, (a + 1) * m - b * n), Math.min(lo, (a + 1) * m - b * n));
    if (b < m) walk(a, b + 1, Math.max(hi, a * m - (b + 1) * n), Math.min(lo, a * m - (b + 1) * n));
  };
  walk(0, 0, 0, 0);
  return out;
}

const tail = (stats: number[], h: number) => stats.filter((s) => s >= h).length / stats.length;

describe('exact two-sample KS distribution', () => {
  const sizes: [number, number][] = [
    [1, 1],
    [2, 3],
    [3, 3],
    [4, 6],
    [6, 4],
    [5, 7],
    [6, 6],
    [3, 9],
    [7, 8],
  ];
  for (const [n, m] of sizes) {
    it(`${n} × ${m}: P(D ≥ h/lcm) for every h equals the count over all C(${n + m}, ${n}) paths`, () => {
      const all = enumerate(n, m);
      const lcm = (n * m) / gcd(n, m);
      for (let h = 1; h <= lcm; h++) {
        const two = n === m ? twoSidedEqual(n, h) : twoSidedUnequal(n, m, h);
        const one = n === m ? oneSidedEqual(n, h) : oneSidedUnequal(n, m, h);
        expect(two, `two-sided h=${h}`).toBeCloseTo(tail(all.both, h), 13);
        expect(one, `D+ h=${h}`).toBeCloseTo(tail(all.plus, h), 13);
        expect(one, `D- h=${h}`).toBeCloseTo(tail(all.minus, h), 13);
      }
    });
  }

  it('stays accurate for tiny p-values (no cancellation): fully separated 200 × 150', () => {
    // P(D = 1) two-sided = 2 / C(350, 150); one-sided = 1 / C(350, 150).
    const logC = lnBinomial(350, 150);
    expect(Math.log(twoSidedUnequal(200, 150, 200 * 3))).toBeCloseTo(Math.log(2) - logC, 9);
    expect(Math.log(oneSidedUnequal(200, 150, 200 * 3))).toBeCloseTo(-logC, 9);
  });
});

function lnBinomial(a: number, b: number): number {
  let s = 0;
  for (let i = 1; i <= b; i++) s += Math.log((a - b + i) / i);
  return s;
}
