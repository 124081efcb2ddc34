import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomInteractions } from '../../test/fixtures/interactions.js';
import {
  parseBundle,
  parseBundleManifest,
  readBundle,
  trainItemKnn,
  writeBundle,
  writeNeighboursCsv,
} from './index.js';

async function fixture() {
  const x = randomInteractions(11, 200, 50, 3000);
  const model = await trainItemKnn(x, { k: 10 });
  return {
    model,
    itemIds: x.itemIds,
    itemIdsNumeric: true,
    title: x.itemIds.map((id) => `Book ${id}`),
    author: x.itemIds.map(() => 'A. Author'),
    dataset: { hash: 'abc', uri: 'file:test' },
    code: { version: '0.1.0', gitSha: null },
    createdAt: '2026-01-02T03:04:05.000Z',
  };
}

describe('model bundle', () => {
  it('round-trips arrays, ids and manifest', async () => {
    const input = await fixture();
    const dir = join(mkdtempSync(join(tmpdir(), 'bookml-')), 'm');
    const manifest = writeBundle(dir, input);
    const b = readBundle(dir);
    expect(b.manifest).toEqual(manifest);
    expect(Array.from(b.model.neighbours)).toEqual(Array.from(input.model.neighbours));
    expect(Array.from(b.model.scores)).toEqual(Array.from(input.model.scores));
    expect(Array.from(b.model.popularOrder)).toEqual(Array.from(input.model.popularOrder));
    expect(b.itemIds).toEqual(input.itemIds);
    expect(b.model.params).toEqual(input.model.params);
    expect(manifest.modelId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('stores co-buy counts, and loads an older bundle without them', async () => {
    const input = await fixture();
    const dir = join(mkdtempSync(join(tmpdir(), 'bookml-')), 'm');
    const manifest = writeBundle(dir, input);
    expect(manifest.files['cocounts.i32']).toBeDefined();
    expect(Array.from(readBundle(dir).model.coCounts!)).toEqual(Array.from(input.model.coCounts!));
    const { coCounts: _, ...older } = input.model;
    const oldDir = join(mkdtempSync(join(tmpdir(), 'bookml-')), 'm');
    const oldManifest = writeBundle(oldDir, { ...input, model: older });
    expect(oldManifest.files['cocounts.i32']).toBeUndefined();
    expect(oldManifest.modelId).toBe(manifest.modelId); // the counts are evidence, not model content
    expect(readBundle(oldDir).model.coCounts).toBeUndefined();
  });

  it('gives the same model id for the same content', async () => {
    const a = await fixture();
    const root = mkdtempSync(join(tmpdir(), 'bookml-'));
    const m1 = writeBundle(join(root, 'a'), a);
    const m2 = writeBundle(join(root, 'b'), { ...(await fixture()), createdAt: '2027-01-01T00:00:00.000Z' });
    expect(m2.modelId).toBe(m1.modelId);
  });

  it('refuses a damaged file and a newer format, saying what is wrong', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'bookml-')), 'm');
    writeBundle(dir, await fixture());
    const f = join(dir, 'scores.f64');
    const bytes = readFileSync(f);
    bytes[3] ^= 0xff;
    writeFileSync(f, bytes);
    expect(() => readBundle(dir)).toThrow(
      expect.objectContaining({ code: 'MODEL_BUNDLE_CORRUPT', field: 'scores.f64' }),
    );
    const mPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(mPath, 'utf8'));
    writeFileSync(mPath, JSON.stringify({ ...manifest, formatVersion: 99 }));
    expect(() => readBundle(dir)).toThrow(expect.objectContaining({ code: 'MODEL_FORMAT_TOO_NEW' }));
    expect(() => readBundle(join(dir, 'nope'))).toThrow(
      expect.objectContaining({ code: 'MODEL_BUNDLE_NOT_FOUND' }),
    );
  });

  it('stores float32 scores when asked (the default from 100,000 books), keeping their order', async () => {
    const input = await fixture();
    const root = mkdtempSync(join(tmpdir(), 'bookml-'));
    const m64 = writeBundle(join(root, 'a'), input);
    const m32 = writeBundle(join(root, 'b'), { ...input, scoreType: 'float32' });
    expect(m32.formatVersion).toBe(2);
    expect(m32.files['scores.f32']?.bytes).toBe(m64.files['scores.f64']?.bytes / 2);
    expect(m32.modelId).toBe(m64.modelId); // the id hashes what training computed
    const b = readBundle(join(root, 'b'));
    expect(b.model.scores).toBeInstanceOf(Float32Array);
    expect(Array.from(b.model.scores)).toEqual(Array.from(input.model.scores, Math.fround));
    expect(Array.from(b.model.neighbours)).toEqual(Array.from(input.model.neighbours));
    // Ids, titles and authors come back from the binary tables, per book or whole.
    expect(b.itemIds).toEqual(input.itemIds);
    expect(b.items.numbers).toBeInstanceOf(Float64Array);
    expect(b.items.title(3)).toBe(input.title[3]);
    expect(b.author).toEqual(input.author);
  });

  it('stores text ids as a string table', async () => {
    const input = await fixture();
    const names = input.itemIds.map((id) => `bök "${id}"`);
    const dir = join(mkdtempSync(join(tmpdir(), 'bookml-')), 'm');
    const manifest = writeBundle(dir, { ...input, itemIds: names, itemIdsNumeric: false });
    expect(manifest.files['ids.utf8']).toBeDefined();
    const b = readBundle(dir);
    expect(b.itemIdsNumeric).toBe(false);
    expect(b.items.numbers).toBeNull();
    expect(b.itemIds).toEqual(names);
  });

  it('still loads a format 1 bundle (ids, titles and authors in items.json)', async () => {
    const input = await fixture();
    const dir = join(mkdtempSync(join(tmpdir(), 'bookml-')), 'm');
    const v2 = writeBundle(dir, input);
    const items = Buffer.from(
      JSON.stringify({ ids: input.itemIds, numeric: true, title: input.title, author: input.author }),
    );
    writeFileSync(join(dir, 'items.json'), items);
    const files = Object.fromEntries(
      Object.entries(v2.files).filter(([n]) => !/^(ids|titles|authors)\./.test(n)),
    );
    files['items.json'] = { sha256: createHash('sha256').update(items).digest('hex'), bytes: items.length };
    const { itemIdsNumeric: _, ...rest } = v2;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...rest, formatVersion: 1, files }));
    const b = readBundle(dir);
    expect(b.itemIds).toEqual(input.itemIds);
    expect(b.itemIdsNumeric).toBe(true);
    expect(b.items.author(0)).toBe(input.author[0]);
    expect(Array.from(b.model.scores)).toEqual(Array.from(input.model.scores));
  });

  it('builds the same bundle from buffers in memory as from the folder, with the same checks', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'bookml-')), 'm');
    writeBundle(dir, await fixture());
    const manifest = parseBundleManifest(readFileSync(join(dir, 'manifest.json')), dir);
    const files = Object.fromEntries(Object.keys(manifest.files).map((n) => [n, readFileSync(join(dir, n))]));
    const fromBuffers = parseBundle(manifest, files, { where: dir });
    const fromDir = readBundle(dir);
    expect(fromBuffers.manifest).toEqual(fromDir.manifest);
    expect(fromBuffers.model).toEqual(fromDir.model);
    expect(fromBuffers.itemIds).toEqual(fromDir.itemIds);
    // The typed arrays are views over the buffers handed in, not copies.
    expect(fromBuffers.model.scores.buffer).toBe(files['scores.f64'].buffer);

    const { 'titles.utf8': _, ...withoutTitles } = files;
    expect(() => parseBundle(manifest, withoutTitles, { where: dir })).toThrow(
      expect.objectContaining({ code: 'MODEL_BUNDLE_CORRUPT', field: 'titles.utf8' }),
    );
    const damaged = Buffer.from(files['neighbours.i32']);
    damaged[0] ^= 0xff;
    expect(() => parseBundle(manifest, { ...files, 'neighbours.i32': damaged })).toThrow(
      expect.objectContaining({ code: 'MODEL_BUNDLE_CORRUPT', field: 'neighbours.i32' }),
    );
    // Without verification a damaged byte passes, but a wrong size never does.
    expect(() =>
      parseBundle(manifest, { ...files, 'neighbours.i32': damaged }, { verify: false }),
    ).not.toThrow();
    const short = files['scores.f64'].subarray(8);
    expect(() => parseBundle(manifest, { ...files, 'scores.f64': short }, { verify: false })).toThrow(
      expect.objectContaining({ code: 'MODEL_BUNDLE_CORRUPT', field: 'scores.f64' }),
    );
    expect(() => parseBundleManifest('{"format":"other"}', dir)).toThrow(
      expect.objectContaining({ code: 'MODEL_BUNDLE_CORRUPT', field: 'format' }),
    );
  });

  it('exports the seed stack neighbours.csv layout', async () => {
    const input = await fixture();
    const dir = join(mkdtempSync(join(tmpdir(), 'bookml-')), 'm');
    writeBundle(dir, input);
    const csv = join(dir, '..', 'n.csv');
    await writeNeighboursCsv(readBundle(dir), csv);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('book_id,rank,neighbour_id,score');
    expect(rows.length - 1).toBe(input.model.neighbours.length);
    const [book, rank, nb, score] = rows[1].split(',');
    const first = input.model.popularOrder.length > 0 ? rows[1] : '';
    expect(first).not.toBe('');
    expect(Number(rank)).toBe(1);
    const i = Number(book);
    expect(Number(nb)).toBe(input.model.neighbours[input.model.offsets[i]]);
    expect(Number(score)).toBe(input.model.scores[input.model.offsets[i]]);
  });
});
