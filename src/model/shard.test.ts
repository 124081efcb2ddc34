import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { randomInteractions } from '../../test/fixtures/interactions.js';
import type { Interactions } from '../data/index.js';
import {
  joinShards,
  mergeShardFiles,
  readShardFile,
  shardFileOf,
  type TrainParamsInput,
  trainItemKnn,
  trainShards,
  type WriteBundleInput,
  writeBundle,
  writeShardFile,
} from './index.js';

const tmp = mkdtempSync(join(tmpdir(), 'bookml-shard-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Everything of a bundle but the model, fixed so that equal models give equal bytes. */
function aboutOf(x: Interactions): Omit<WriteBundleInput, 'model'> {
  return {
    itemIds: x.itemIds,
    itemIdsNumeric: x.itemIdsNumeric,
    title: x.itemIds.map((id) => `Title ${id}`),
    author: x.itemIds.map((id) => `Author ${id}`),
    dataset: { hash: 'ab'.repeat(32), uri: 'synthetic:test' },
    code: { version: '0.0.0-test', gitSha: null },
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

/** A bundle folder's files and their bytes. */
function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f)).toString('base64')]),
  );
}

let seq = 0;
const fresh = (name: string) => join(tmp, `${name}-${++seq}`);

const x = randomInteractions(11, 400, 90, 9_000);
const VARIANTS: TrainParamsInput[] = [
  {},
  { similarity: 'jaccard', k: 7, minCoCount: 2 },
  { similarity: 'lift', k: 5, shrinkage: 3, popularityBeta: 0.4 },
  { similarity: 'conditional', alpha: 0.3, heavyBuyerBeta: 1, halfLifeDays: 30, decayReference: 'customer' },
  { similarity: 'cosine', unit: 'basket', k: 3 },
];

describe('sharded training', () => {
  for (const params of VARIANTS) {
    it(`merges into the unsharded bundle byte for byte: ${JSON.stringify(params)}`, async () => {
      const whole = fresh('whole');
      writeBundle(whole, { model: await trainItemKnn(x, params, { threads: 1 }), ...aboutOf(x) });
      const expected = filesOf(whole);
      // Uneven ranges (3, 7), one per item-ish (64), more shards than items (150: most ranges empty).
      for (const count of [2, 3, 7, 64, 150]) {
        const parts = await trainShards(x, params, { count }, { threads: 1 });
        expect(parts.map((p) => p.hi - p.lo).reduce((a, b) => a + b)).toBe(x.itemIds.length);
        const joined = fresh(`joined-${count}`);
        writeBundle(joined, { model: joinShards(parts), ...aboutOf(x) });
        expect(filesOf(joined), `${count} shards`).toEqual(expected);
      }
    });
  }

  it('merges partials written by separate runs (any order, each shard trained alone) into the same bundle', async () => {
    const params: TrainParamsInput = { similarity: 'jaccard', k: 10, shrinkage: 2 };
    const whole = fresh('whole');
    writeBundle(whole, { model: await trainItemKnn(x, params, { threads: 2 }), ...aboutOf(x) });
    const count = 4;
    const dirs: string[] = [];
    for (const index of [2, 0, 3, 1]) {
      const [part] = await trainShards(x, params, { count, only: index }, { threads: 2 });
      const dir = fresh(`part-${index}`);
      // Each shard stamps its own time; the merge takes the latest, not its own clock.
      writeShardFile(dir, shardFileOf(part, { ...aboutOf(x), createdAt: `2026-01-01T00:00:0${index}.000Z` }));
      dirs.push(dir);
    }
    const merged = mergeShardFiles(dirs.map(readShardFile));
    expect(merged.createdAt).toBe('2026-01-01T00:00:03.000Z');
    const out = fresh('merged');
    writeBundle(out, { ...merged, createdAt: aboutOf(x).createdAt });
    expect(filesOf(out)).toEqual(filesOf(whole));
  });

  it('gives the same lists with worker threads scoring each range', async () => {
    const big = randomInteractions(3, 3000, 600, 120_000);
    const whole = await trainItemKnn(big, {}, { threads: 1 });
    const joined = joinShards(await trainShards(big, {}, { count: 3 }, { threads: 4 }));
    expect(joined.offsets).toEqual(whole.offsets);
    expect(joined.neighbours).toEqual(whole.neighbours);
    expect(joined.scores).toEqual(whole.scores);
    expect(joined.coCounts).toEqual(whole.coCounts);
    expect(joined.pairUpdates).toBe(whole.pairUpdates);
  });

  it('balances the ranges by work, not by item count', async () => {
    const parts = await trainShards(x, {}, { count: 3 }, { threads: 1 });
    const sizes = parts.map((p) => p.hi - p.lo);
    expect(new Set(sizes).size).toBeGreaterThan(1);
    expect(Math.max(...parts.map((p) => p.pairUpdates))).toBeLessThan(
      (2 * parts.reduce((a, p) => a + p.pairUpdates, 0)) / 3,
    );
  });

  it('refuses partials that are not every shard of one training', async () => {
    const a = await trainShards(x, {}, { count: 3 }, { threads: 1 });
    const b = await trainShards(x, { k: 5 }, { count: 3 }, { threads: 1 });
    const other = await trainShards(randomInteractions(12, 400, 90, 8_000), {}, { count: 3 }, { threads: 1 });
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { code: string }).code;
      }
      return 'none';
    };
    expect(code(() => joinShards([a[0], a[1]]))).toBe('MODEL_SHARD_MISMATCH');
    expect(code(() => joinShards([a[0], a[1], a[1]]))).toBe('MODEL_SHARD_MISMATCH');
    expect(code(() => joinShards([a[0], b[1], a[2]]))).toBe('MODEL_SHARD_MISMATCH');
    expect(code(() => joinShards([a[0], other[1], a[2]]))).toBe('MODEL_SHARD_MISMATCH');
    expect(code(() => joinShards([]))).toBe('MODEL_SHARD_MISMATCH');
    const files = a.map((p) => shardFileOf(p, aboutOf(x)));
    const otherData = { ...files[1], dataset: { hash: 'cd'.repeat(32), uri: 'synthetic:other' } };
    expect(code(() => mergeShardFiles([files[0], otherData, files[2]]))).toBe('MODEL_SHARD_MISMATCH');
  });

  it('refuses to shard EASE with MODEL_SHARD_UNSUPPORTED, and a shard index out of range', async () => {
    await expect(trainShards(x, { family: 'ease' }, { count: 2 })).rejects.toMatchObject({
      code: 'MODEL_SHARD_UNSUPPORTED',
      field: 'shards',
    });
    await expect(trainShards(x, {}, { count: 2, only: 2 })).rejects.toMatchObject({
      code: 'MODEL_INVALID_PARAMS',
      field: 'shard',
    });
    // One shard of EASE is EASE itself.
    await expect(trainShards(x, { family: 'ease', k: 5 }, { count: 1 })).resolves.toHaveLength(1);
  });
});
