import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/index.js';
import type { Interactions } from '../data/index.js';
import { splitInteractions } from '../eval/index.js';
import { search } from './search.js';
import { searchSpace } from './space.js';
import { tune } from './tune.js';

/**
 * 300 customers, each with a taste for one of 6 genres (books g, g+6, …), 5 purchases on distinct
 * days, Zipf-ish within the genre; the last purchase of each customer is strictly their latest.
 */
function shop(seed = 5): Interactions {
  const rng = new Rng(seed);
  const nItems = 60;
  const rows: [number, number, number][] = [];
  for (let c = 0; c < 300; c++) {
    const g = rng.int(6);
    for (let t = 0; t < 5; t++) {
      const r = Math.min(9, Math.floor(Math.exp(rng.next() * Math.log(11)) - 1));
      rows.push([c, r * 6 + g, (t + 1) * 86_400_000 + c]);
    }
  }
  const n = rows.length;
  return {
    length: n,
    customer: Int32Array.from(rows, (r) => r[0]),
    item: Int32Array.from(rows, (r) => r[1]),
    basket: Int32Array.from(rows, (_, i) => i),
    time: Float64Array.from(rows, (r) => r[2]),
    qty: new Int32Array(n).fill(1),
    itemIds: Array.from({ length: nItems }, (_, i) => String(i)),
    itemIdsNumeric: true,
    customerIds: Array.from({ length: 300 }, (_, c) => `c${c}`),
    nBaskets: n,
  };
}

const opts = { trials: 10, seed: 7, resamples: 50, batch: 4 };

describe('tune', () => {
  it('reports the chosen trial, its test metrics with CIs, and every trial', async () => {
    const r = await tune(shop(), { ...opts, split: { kind: 'leave-last-out' } });
    expect(r.trials).toHaveLength(10);
    expect(r.best.validation.ndcg_at_10).toBe(Math.max(...r.trials.map((t) => t.validation.ndcg_at_10)));
    expect(r.trials[r.best.trial].validation).toEqual(r.best.validation);
    expect(r.best.params).toMatchObject(r.trials[r.best.trial].params);
    for (const key of [
      'ndcg_at_10',
      'hit_rate_at_10',
      'mrr_at_10',
      'ndcg_at_10_low',
      'ndcg_at_10_vs_most-popular',
    ]) {
      expect(r.test[key]).toEqual(expect.any(Number));
    }
    expect(r.report.recommenders.map((x) => x.name)).toEqual(['tuned', 'plain-cosine', 'most-popular']);
    // Genre structure: the tuned model beats most-popular on NDCG@10.
    expect(r.test['ndcg_at_10_vs_most-popular']).toBeGreaterThan(0);
    expect(r.split).toMatchObject({
      rule: 'leave-last-out',
      lines: 1500,
      trainLines: 1200,
      testUsers: expect.any(Number),
    });
  });

  it('is reproducible: the same seed gives the same trials', async () => {
    const x = shop();
    const inner = { train: x, test: splitInteractions(x, { kind: 'leave-last-out' }).test, k: 10 };
    const a = await search(inner, { ...opts, space: searchSpace(10) });
    const b = await search(inner, { ...opts, space: searchSpace(10) });
    expect(b.trials).toEqual(a.trials);
    const c = await search(inner, { ...opts, seed: 8, space: searchSpace(10) });
    expect(c.trials.map((t) => t.params)).not.toEqual(a.trials.map((t) => t.params));
  });

  it('changing only test rows cannot change the chosen parameters', async () => {
    const x = shop();
    const outer = splitInteractions(x, { kind: 'leave-last-out' });
    // Each customer's latest line is their test row: give every one of them another book.
    const lastLine = new Map<number, number>();
    for (let l = 0; l < x.length; l++) {
      const c = x.customer[l];
      const prev = lastLine.get(c);
      if (prev === undefined || x.time[l] > x.time[prev]) lastLine.set(c, l);
    }
    const item = Int32Array.from(x.item);
    for (const l of lastLine.values()) item[l] = (item[l] + 17) % x.itemIds.length;
    const y: Interactions = { ...x, item };
    const outerY = splitInteractions(y, { kind: 'leave-last-out' });
    // The premise: same train side, different test set.
    expect(Array.from(outerY.train.item)).toEqual(Array.from(outer.train.item));
    expect(Array.from(outerY.test.heldItems)).not.toEqual(Array.from(outer.test.heldItems));

    const a = await tune(x, { ...opts, split: { kind: 'leave-last-out' } });
    const b = await tune(y, { ...opts, split: { kind: 'leave-last-out' } });
    expect(b.best.params).toEqual(a.best.params);
    expect(b.trials).toEqual(a.trials);
    expect(b.test.ndcg_at_10).not.toBe(a.test.ndcg_at_10);
  });

  it('pinned options are not searched', async () => {
    const r = await tune(shop(), { ...opts, trials: 4, fixed: { similarity: 'jaccard', unit: 'basket' } });
    for (const t of r.trials) expect(t.params).toMatchObject({ similarity: 'jaccard', unit: 'basket' });
    expect(r.search.space.map((d) => d.name)).not.toContain('similarity');
    // alpha applies to conditional only: never drawn for jaccard.
    for (const t of r.trials) expect(t.params).not.toHaveProperty('alpha');
  });

  const built = existsSync(fileURLToPath(new URL('../../dist/tune/trial-worker.js', import.meta.url)));
  it.skipIf(!built)('worker threads give the same trials as one thread (needs npm run build)', async () => {
    const x = shop();
    const inner = { train: x, test: splitInteractions(x, { kind: 'leave-last-out' }).test, k: 10 };
    const one = await search(inner, { ...opts, space: searchSpace(10), threads: 1 });
    const two = await search(inner, { ...opts, space: searchSpace(10), threads: 2 });
    expect(two.trials).toEqual(one.trials);
  });

  it('bad options fail with a code and a field', async () => {
    await expect(tune(shop(), { ...opts, trials: 0 })).rejects.toMatchObject({
      code: 'TUNE_BAD_OPTIONS',
      field: 'trials',
    });
    await expect(tune(shop(), { ...opts, seed: -1 })).rejects.toMatchObject({
      code: 'TUNE_BAD_OPTIONS',
      field: 'seed',
    });
  });
});

describe('failed trials', () => {
  it('a trial that cannot train is recorded with its error code and the search goes on', async () => {
    const x = shop();
    const inner = { train: x, test: splitInteractions(x, { kind: 'leave-last-out' }).test, k: 10 };
    // EASE's limit is far above 60 books; an out-of-range λ makes the trainer refuse those points.
    const space = searchSpace(10).map((d) =>
      d.name === 'easeLambda' && d.kind !== 'choice' ? { ...d, min: 2e7, max: 3e7 } : d,
    );
    const r = await search(inner, { ...opts, trials: 12, space });
    expect(r.trials).toHaveLength(12);
    const failed = r.trials.filter((t) => t.error);
    expect(failed.length).toBeGreaterThan(0);
    expect(r.failed).toBe(failed.length);
    for (const t of failed) {
      expect(t.params.family).toBe('ease');
      expect(t.error?.code).toBe('MODEL_INVALID_PARAMS');
      expect(t.validation).toEqual({});
    }
    expect(r.best.error).toBeUndefined();
    expect(r.best.params.family).toBe('knn');
  });

  it('when every trial fails the search says so, naming the first cause', async () => {
    const x = shop();
    const inner = { train: x, test: splitInteractions(x, { kind: 'leave-last-out' }).test, k: 10 };
    const space = searchSpace(10, { family: 'ease' }).map((d) =>
      d.name === 'easeLambda' && d.kind !== 'choice' ? { ...d, min: 2e7, max: 3e7 } : d,
    );
    await expect(
      search(inner, { ...opts, trials: 4, space, fixed: { family: 'ease' } }),
    ).rejects.toMatchObject({
      code: 'TUNE_ALL_TRIALS_FAILED',
      message: expect.stringContaining('MODEL_INVALID_PARAMS'),
    });
  });

  it('--versus ease: a reference search scored beside the tuned model with a paired CI', async () => {
    const r = await tune(shop(), {
      ...opts,
      trials: 6,
      versus: [{ name: 'ease', fixed: { family: 'ease' } }],
    });
    expect(r.versus).toHaveLength(1);
    expect(r.versus[0].best.params).toMatchObject({ family: 'ease' });
    expect(r.report.recommenders.map((x) => x.name)).toEqual([
      'tuned',
      'tuned-ease',
      'plain-cosine',
      'most-popular',
    ]);
    expect(r.test['ndcg_at_10_vs_tuned-ease_low']).toEqual(expect.any(Number));
  });
});
