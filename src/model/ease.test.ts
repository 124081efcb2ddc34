import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { interactionsFrom, randomInteractions } from '../../test/fixtures/interactions.js';
import { EASE_MAX_ITEMS } from './ease.js';
import { Recommender, trainItemKnn } from './index.js';

const PY = '/usr/bin/python3';
const numpy = spawnSync(PY, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

function lists(model: Awaited<ReturnType<typeof trainItemKnn>>): Array<Array<[number, number]>> {
  return Array.from({ length: model.nItems }, (_, i) => {
    const row: Array<[number, number]> = [];
    for (let p = model.offsets[i]; p < model.offsets[i + 1]; p++)
      row.push([model.neighbours[p], model.scores[p]]);
    return row;
  });
}

describe('EASE', () => {
  it('matches a hand-checked 2-item case', async () => {
    // X = [[1,1],[1,0]], λ = 1: XᵀX + I = [[3,1],[1,2]], P = [[2,-1],[-1,3]]/5,
    // B01 = -P01/P11 = 1/3, B10 = -P10/P00 = 1/2.
    const x = interactionsFrom([
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
    const m = await trainItemKnn(x, { family: 'ease', easeLambda: 1, k: 3 });
    const got = lists(m);
    expect(got[0][0][0]).toBe(1);
    expect(got[0][0][1]).toBeCloseTo(1 / 3, 14);
    expect(got[1][0][0]).toBe(0);
    expect(got[1][0][1]).toBeCloseTo(1 / 2, 14);
    expect(m.params.family).toBe('ease');
  });

  it.skipIf(!numpy)(
    `equals numpy's B truncated to the top K${numpy ? '' : ` (skipped: needs ${PY} with numpy)`}`,
    async () => {
      const x = randomInteractions(11, 80, 30, 700);
      const k = 6;
      const m = await trainItemKnn(x, { family: 'ease', easeLambda: 20, k });
      const dense = Array.from({ length: 80 }, () => new Array<number>(30).fill(0));
      for (let l = 0; l < x.length; l++) dense[x.customer[l]][x.item[l]] = 1;
      const py = spawnSync(
        PY,
        [
          '-c',
          'import sys,json,numpy as np\nX=np.array(json.load(sys.stdin))\nG=X.T@X+20*np.eye(X.shape[1])\nP=np.linalg.inv(G)\nB=-P/np.diag(P)\nnp.fill_diagonal(B,0)\nprint(json.dumps(B.tolist()))',
        ],
        { input: JSON.stringify(dense) },
      );
      const b = JSON.parse(py.stdout.toString()) as number[][];
      const got = lists(m);
      for (let i = 0; i < 30; i++) {
        const want = b[i]
          .map((v, j): [number, number] => [j, v])
          .filter(([, v]) => v > 0)
          .sort((p, q) => q[1] - p[1] || p[0] - q[0])
          .slice(0, k);
        expect(
          got[i].map((e) => e[0]),
          `neighbours of ${i}`,
        ).toEqual(want.map((e) => e[0]));
        for (const [r, [, v]] of got[i].entries()) expect(Math.abs(v - want[r][1])).toBeLessThan(1e-12);
      }
    },
  );

  it('serves through the same basket scoring: Σ of B rows over the basket', async () => {
    const x = randomInteractions(4, 50, 20, 400);
    const m = await trainItemKnn(x, { family: 'ease', k: 19 });
    const rec = new Recommender(m);
    const a = rec.forBasket([0, 1], 5);
    expect(a.items.length).toBe(5);
    expect(a.fallback).toBe(false);
  });

  it('gives the identical model with worker threads', async () => {
    const x = randomInteractions(8, 600, 450, 9000);
    const one = await trainItemKnn(x, { family: 'ease', easeLambda: 50, k: 10 }, { threads: 1 });
    const two = await trainItemKnn(x, { family: 'ease', easeLambda: 50, k: 10 }, { threads: 2 });
    expect(Buffer.from(two.scores.buffer).equals(Buffer.from(one.scores.buffer))).toBe(true);
    expect(Buffer.from(two.neighbours.buffer).equals(Buffer.from(one.neighbours.buffer))).toBe(true);
    expect(one.neighbours.length).toBeGreaterThan(1000);
  });

  it('refuses a catalogue past the limit, naming it and the memory needed', async () => {
    const x = interactionsFrom([[0, 0]], EASE_MAX_ITEMS + 1);
    const err = await trainItemKnn(x, { family: 'ease' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'MODEL_EASE_TOO_LARGE', field: 'family' });
    expect(err.message).toContain(`${EASE_MAX_ITEMS}`);
    expect(err.message).toMatch(/would need 0?\.?\d+(\.\d+)? GiB/);
  });
});
