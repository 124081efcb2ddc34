import { describe, expect, it } from 'vitest';
import { interactionsFrom, randomInteractions } from '../../test/fixtures/interactions.js';
import type { Interactions } from '../data/index.js';
import { type TrainParams, type TrainParamsInput, trainItemKnn, trainParamsSchema } from './index.js';

/** Brute force: every pair's score from explicit buyer sets, then a full sort. */
function reference(x: Interactions, input: TrainParamsInput): Array<Array<[number, number]>> {
  const p: TrainParams = trainParamsSchema.parse(input);
  const nItems = x.itemIds.length;
  const rowOf = p.unit === 'basket' ? x.basket : x.customer;
  const tMaxAll = Math.max(...x.time);
  const tMaxOf = new Map<number, number>();
  for (let l = 0; l < x.length; l++)
    tMaxOf.set(x.customer[l], Math.max(tMaxOf.get(x.customer[l]) ?? -Infinity, x.time[l]));
  const weight = new Map<string, number>();
  for (let l = 0; l < x.length; l++) {
    const key = `${rowOf[l]}:${x.item[l]}`;
    const tMax = p.decayReference === 'customer' ? tMaxOf.get(x.customer[l])! : tMaxAll;
    const w = p.halfLifeDays === null ? 1 : 0.5 ** ((tMax - x.time[l]) / (p.halfLifeDays * 86_400_000));
    weight.set(key, Math.max(weight.get(key) ?? 0, w));
  }
  const rows = new Map<number, Map<number, number>>();
  for (const [key, w] of weight) {
    const [r, i] = key.split(':').map(Number);
    if (!rows.has(r)) rows.set(r, new Map());
    rows.get(r)!.set(i, w);
  }
  for (const items of rows.values()) {
    const rw = p.heavyBuyerBeta > 0 ? Math.log2(2 + items.size) ** -p.heavyBuyerBeta : 1;
    for (const [i, w] of items) items.set(i, w * rw);
  }
  const norm2 = new Float64Array(nItems);
  const buyers = new Float64Array(nItems);
  for (const items of rows.values())
    for (const [i, w] of items) {
      norm2[i] += w * w;
      buyers[i]++;
    }
  const nRows = p.unit === 'basket' ? x.nBaskets : x.customerIds.length;
  const out: Array<Array<[number, number]>> = [];
  for (let i = 0; i < nItems; i++) {
    const co = new Map<number, number>();
    const dot = new Map<number, number>();
    for (const items of rows.values()) {
      const wi = items.get(i);
      if (wi === undefined) continue;
      for (const [j, wj] of items) {
        if (j === i) continue;
        co.set(j, (co.get(j) ?? 0) + 1);
        dot.set(j, (dot.get(j) ?? 0) + wi * wj);
      }
    }
    const scored: Array<[number, number, number]> = [];
    const exact =
      p.similarity === 'cosine' &&
      p.halfLifeDays === null &&
      p.heavyBuyerBeta === 0 &&
      p.shrinkage === 0 &&
      !p.popularityBeta;
    for (const [j, c] of co) {
      if (c < p.minCoCount) continue;
      const s = dot.get(j)!;
      let score =
        p.similarity === 'cosine'
          ? s / Math.sqrt(norm2[i] * norm2[j])
          : p.similarity === 'jaccard'
            ? s / (norm2[i] + norm2[j] - s)
            : p.similarity === 'lift'
              ? (s * nRows) / (norm2[i] * norm2[j])
              : s / (norm2[i] * norm2[j] ** p.alpha);
      if (p.shrinkage > 0) score *= c / (c + p.shrinkage);
      // Multiplying by n^-β as the kernel does: dividing can round equal scores apart.
      if (p.popularityBeta) score *= buyers[j] ** -p.popularityBeta;
      // The exact cosine order (co²/n_j within a row): float cosines of equal rationals can differ in the last bit.
      scored.push([j, score, exact ? (c * c) / norm2[j] : score]);
    }
    scored.sort((a, b) => b[2] - a[2] || a[0] - b[0]);
    out.push(scored.slice(0, p.k).map(([j, s]) => [j, s]));
  }
  return out;
}

function lists(model: Awaited<ReturnType<typeof trainItemKnn>>): Array<Array<[number, number]>> {
  const out: Array<Array<[number, number]>> = [];
  for (let i = 0; i < model.nItems; i++) {
    const row: Array<[number, number]> = [];
    for (let p = model.offsets[i]; p < model.offsets[i + 1]; p++)
      row.push([model.neighbours[p], model.scores[p]]);
    out.push(row);
  }
  return out;
}

function expectSameLists(got: Array<Array<[number, number]>>, want: Array<Array<[number, number]>>) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(
      got[i].map((e) => e[0]),
      `neighbours of item ${i}`,
    ).toEqual(want[i].map((e) => e[0]));
    for (const [r, e] of got[i].entries()) expect(e[1]).toBeCloseTo(want[i][r][1], 10);
  }
}

describe('trainItemKnn', () => {
  it('computes cosine by hand on a tiny matrix', async () => {
    // c0 bought {0,1}, c1 {0,1,2}, c2 {2}: n = [2,2,2], co(0,1)=2, co(0,2)=1, co(1,2)=1.
    const x = interactionsFrom([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [1, 2],
      [2, 2],
      [0, 0],
    ]);
    const m = await trainItemKnn(x, { k: 5 });
    expect(lists(m)).toEqual([
      [
        [1, 2 / 2],
        [2, 1 / 2],
      ],
      [
        [0, 1],
        [2, 0.5],
      ],
      [
        [0, 0.5],
        [1, 0.5],
      ],
    ]);
    expect(Array.from(m.popularity)).toEqual([2, 2, 2]);
    expect(Array.from(m.popularOrder)).toEqual([0, 1, 2]);
    expect(m.nPairs).toBe(6);
  });

  it('breaks cosine ties exactly, by the smaller id', async () => {
    // co/sqrt(n_i n_j) equal for (co=1, n_j=1) and (co=2, n_j=4): both 1/sqrt(n_i) · 1.
    // Item 0 has 4 buyers; item 1 bought by one of them, item 2 by two, who bought it 4 times over.
    const lines: Array<[number, number]> = [
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
      [0, 2],
      [1, 2],
      [4, 2],
      [5, 2],
      [2, 1],
    ];
    const m = await trainItemKnn(interactionsFrom(lines), { k: 5 });
    const row0 = lists(m)[0];
    expect(row0.map((e) => e[0])).toEqual([1, 2]);
  });

  const variants: TrainParamsInput[] = [
    { similarity: 'cosine', k: 7 },
    { similarity: 'jaccard', k: 5 },
    { similarity: 'lift', k: 5, minCoCount: 2 },
    { similarity: 'conditional', alpha: 0.3, k: 6 },
    { similarity: 'cosine', shrinkage: 10, k: 5 },
    { similarity: 'cosine', heavyBuyerBeta: 1, k: 5 },
    { similarity: 'cosine', halfLifeDays: 3, k: 5 },
    { similarity: 'jaccard', unit: 'basket', k: 4 },
    { similarity: 'cosine', popularityBeta: 0.5, k: 6 },
    { similarity: 'conditional', alpha: 0.2, popularityBeta: 1, shrinkage: 3, k: 5 },
    { similarity: 'lift', popularityBeta: 0.3, heavyBuyerBeta: 0.5, k: 5 },
    { similarity: 'cosine', halfLifeDays: 3, decayReference: 'customer', k: 5 },
    { similarity: 'jaccard', halfLifeDays: 2, decayReference: 'customer', unit: 'basket', k: 4 },
  ];
  for (const v of variants) {
    it(`matches brute force: ${JSON.stringify(v)}`, async () => {
      const x = randomInteractions(7, 60, 40, 900);
      expectSameLists(lists(await trainItemKnn(x, v, { threads: 1 })), reference(x, v));
    });
  }

  it("keeps each kept pair's co-buy count", async () => {
    const x = randomInteractions(5, 60, 40, 900);
    for (const params of [
      { k: 5 },
      { similarity: 'jaccard', heavyBuyerBeta: 1, k: 5 },
      { family: 'ease', k: 5 },
    ] as const) {
      const m = await trainItemKnn(x, params, { threads: 1 });
      const buyers = Array.from({ length: m.nItems }, () => new Set<number>());
      for (let l = 0; l < x.length; l++) buyers[x.item[l]].add(x.customer[l]);
      for (let i = 0; i < m.nItems; i++)
        for (let p = m.offsets[i]; p < m.offsets[i + 1]; p++) {
          const j = m.neighbours[p];
          const both = [...buyers[i]].filter((c) => buyers[j].has(c)).length;
          expect(m.coCounts![p], `${JSON.stringify(params)} ${i}→${j}`).toBe(both);
        }
    }
  });

  it('gives the identical model for any thread count', async () => {
    const x = randomInteractions(3, 3000, 600, 120_000);
    const one = await trainItemKnn(x, { k: 20 }, { threads: 1 });
    const three = await trainItemKnn(x, { k: 20 }, { threads: 3 });
    expect(three.pairUpdates).toBe(one.pairUpdates);
    expect(one.pairUpdates).toBeGreaterThan(2_000_000); // large enough to take the threaded path
    expect(Buffer.from(three.neighbours.buffer).equals(Buffer.from(one.neighbours.buffer))).toBe(true);
    expect(Buffer.from(three.scores.buffer).equals(Buffer.from(one.scores.buffer))).toBe(true);
    expect(Buffer.from(three.coCounts!.buffer).equals(Buffer.from(one.coCounts!.buffer))).toBe(true);
    expect(Array.from(three.offsets)).toEqual(Array.from(one.offsets));
  });

  it('penalises popular neighbours: β > 0 moves a popular neighbour behind a rarer one', async () => {
    // Item 0: buyers c0..c3. Item 1: c0, c1 (2 buyers). Item 2: c1..c3 and five more (8 buyers).
    const lines: Array<[number, number]> = [
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
      [0, 1],
      [1, 1],
    ];
    for (const c of [1, 2, 3, 4, 5, 6, 7, 8]) lines.push([c, 2]);
    const base = { similarity: 'conditional', alpha: 0, k: 3 } as const;
    const plain = lists(await trainItemKnn(interactionsFrom(lines), base));
    expect(plain[0]).toEqual([
      [2, 3 / 4],
      [1, 2 / 4],
    ]);
    const penalised = lists(await trainItemKnn(interactionsFrom(lines), { ...base, popularityBeta: 1 }));
    expect(penalised[0].map((e) => e[0])).toEqual([1, 2]);
    expect(penalised[0][0][1]).toBeCloseTo(2 / 4 / 2, 12);
    expect(penalised[0][1][1]).toBeCloseTo(3 / 4 / 8, 12);
  });

  it('keeps the params (and so the model id) of a model trained without the new options', async () => {
    const m = await trainItemKnn(interactionsFrom([[0, 0]]), { k: 3 });
    expect(Object.keys(m.params).sort()).toEqual(
      [
        'alpha',
        'halfLifeDays',
        'heavyBuyerBeta',
        'k',
        'minCoCount',
        'shrinkage',
        'similarity',
        'unit',
      ].sort(),
    );
  });

  it("decays from each customer's own newest purchase with decayReference customer", async () => {
    // Customer 0 bought items 0 and 1 a hundred days before customer 1 bought items 0 and 2.
    const day = 86_400_000;
    const x = interactionsFrom([
      [0, 0, 0],
      [0, 1, 0],
      [1, 0, 100 * day],
      [1, 2, 100 * day],
    ]);
    const base = { halfLifeDays: 10, similarity: 'conditional', alpha: 0, k: 2 } as const;
    const global = lists(await trainItemKnn(x, base));
    const own = lists(await trainItemKnn(x, { ...base, decayReference: 'customer' }));
    // Globally customer 0's purchases are ten half-lives old; from their own newest, they are new.
    const w2 = 2 ** -20;
    expect(global[0][0][0]).toBe(2);
    expect(global[0][0][1]).toBeCloseTo(1 / (1 + w2), 12);
    expect(global[0][1][1]).toBeCloseTo(w2 / (1 + w2), 12);
    expect(own[0]).toEqual([
      [1, 0.5],
      [2, 0.5],
    ]);
  });

  it('rejects bad parameters naming the field', async () => {
    const x = interactionsFrom([[0, 0]]);
    await expect(trainItemKnn(x, { k: 0 })).rejects.toMatchObject({
      code: 'MODEL_INVALID_PARAMS',
      field: 'k',
    });
    await expect(trainItemKnn(x, { similarity: 'dice' as never })).rejects.toMatchObject({
      field: 'similarity',
    });
    await expect(trainItemKnn(x, { bogus: 1 } as never)).rejects.toMatchObject({
      code: 'MODEL_INVALID_PARAMS',
    });
  });
});
