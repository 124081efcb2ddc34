import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/index.js';
import { choleskyInPlace, spdInverse } from './dense.js';

const PY = '/usr/bin/python3';
const numpy = spawnSync(PY, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

/** A random symmetric positive-definite matrix: XᵀX + λI. */
function randomSpd(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const rows = n + 3;
  const x = Float64Array.from({ length: rows * n }, () => (rng.next() < 0.3 ? 1 : 0));
  const a = new Float64Array(n * n);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] += x[r * n + i] * x[r * n + j];
  for (let i = 0; i < n; i++) a[i * n + i] += 2;
  return a;
}

describe('dense SPD inverse', () => {
  it('inverts a hand-checked 2×2 and 3×3', () => {
    // [[4,2],[2,3]]⁻¹ = [[3,-2],[-2,4]] / 8
    const two = spdInverse(Float64Array.of(4, 2, 2, 3), 2)!;
    for (const [t, v] of [0.375, -0.25, -0.25, 0.5].entries()) expect(two[t]).toBeCloseTo(v, 15);
    // [[2,-1,0],[-1,2,-1],[0,-1,2]]⁻¹ = [[3,2,1],[2,4,2],[1,2,3]] / 4
    const inv = spdInverse(Float64Array.of(2, -1, 0, -1, 2, -1, 0, -1, 2), 3)!;
    const want = [3, 2, 1, 2, 4, 2, 1, 2, 3].map((v) => v / 4);
    for (let t = 0; t < 9; t++) expect(inv[t]).toBeCloseTo(want[t], 14);
  });

  it('factors L·Lᵀ and refuses a matrix that is not positive definite', () => {
    const a = Float64Array.of(4, 2, 2, 3);
    expect(choleskyInPlace(a, 2)).toBe(true);
    expect([a[0], a[2], a[3]]).toEqual([2, 1, Math.SQRT2]);
    expect(spdInverse(Float64Array.of(1, 2, 2, 1), 2)).toBeNull();
  });

  it('gives A·A⁻¹ = I on a random 60×60', () => {
    const n = 60;
    const a = randomSpd(n, 5);
    const inv = spdInverse(a.slice(), n)!;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k] * inv[k * n + j];
        expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-10);
      }
  });

  it.skipIf(!numpy)(
    `agrees with numpy.linalg.inv${numpy ? '' : ` (skipped: needs ${PY} with numpy)`}`,
    () => {
      const n = 25;
      const a = randomSpd(n, 9);
      const py = spawnSync(
        PY,
        [
          '-c',
          'import sys,json,numpy as np; a=np.array(json.load(sys.stdin)); print(json.dumps(np.linalg.inv(a).tolist()))',
        ],
        {
          input: JSON.stringify(
            Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, i * n + n))),
          ),
        },
      );
      const want = (JSON.parse(py.stdout.toString()) as number[][]).flat();
      const got = spdInverse(a.slice(), n)!;
      for (let t = 0; t < n * n; t++) expect(Math.abs(got[t] - want[t])).toBeLessThan(1e-12);
    },
  );
});
