import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeModel } from '../../test/serve-fixture.js';
import { readBundle } from '../model/index.js';
import { loadVerifiedBundle } from './index.js';

/** A bundle's files in memory, served by a reader that counts every read, under a folder that does not exist. */
async function bundleInMemory() {
  const dir = join(tempDir(), 'm');
  await writeModel(dir, { seed: 3 });
  const files = new Map(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n))]));
  const nowhere = join(tempDir(), 'not-on-disk');
  const reads = new Map<string, number>();
  const readFile = async (path: string): Promise<Buffer> => {
    const name = path.slice(nowhere.length + 1);
    reads.set(name, (reads.get(name) ?? 0) + 1);
    const bytes = files.get(name);
    if (bytes === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return bytes;
  };
  return { dir, files, nowhere, reads, readFile };
}

describe('loadVerifiedBundle', () => {
  it('reads each bundle file once per load, through one reader, and builds the bundle from those bytes', async () => {
    const { dir, files, nowhere, reads, readFile } = await bundleInMemory();
    // The folder does not exist: any read that bypassed the reader would fail the load.
    const bundle = await loadVerifiedBundle(nowhere, { readFile });
    expect(Object.fromEntries(reads)).toEqual(Object.fromEntries([...files.keys()].map((n) => [n, 1])));
    expect(reads.size).toBe(12); // manifest.json + 5 arrays + co-buy counts + ids + titles and authors (2 each)
    // Built from the very buffers read: the arrays are views over them.
    expect(bundle.model.scores.buffer).toBe(files.get('scores.f64')?.buffer);
    expect(bundle.model).toEqual(readBundle(dir).model);

    await loadVerifiedBundle(nowhere, { readFile, verified: true });
    expect([...reads.values()].every((n) => n === 2)).toBe(true);
  });

  it('checks every checksum unless the ref is verified; sizes and shapes always', async () => {
    const { files, nowhere, readFile } = await bundleInMemory();
    const scores = Buffer.from(files.get('scores.f64') ?? []);
    scores[5] ^= 0xff;
    files.set('scores.f64', scores);
    await expect(loadVerifiedBundle(nowhere, { readFile })).rejects.toMatchObject({
      code: 'MODEL_BUNDLE_CORRUPT',
      field: 'scores.f64',
    });
    // verified: the artifact store vouched for the bytes, so they are not hashed again…
    await expect(loadVerifiedBundle(nowhere, { readFile, verified: true })).resolves.toBeDefined();
    // …but a file of the wrong size, or a missing one, is still refused.
    files.set('scores.f64', scores.subarray(8));
    await expect(loadVerifiedBundle(nowhere, { readFile, verified: true })).rejects.toMatchObject({
      code: 'MODEL_BUNDLE_CORRUPT',
      field: 'scores.f64',
    });
    files.delete('scores.f64');
    await expect(loadVerifiedBundle(nowhere, { readFile, verified: true })).rejects.toMatchObject({
      code: 'MODEL_BUNDLE_CORRUPT',
      field: 'scores.f64',
    });
    files.delete('manifest.json');
    await expect(loadVerifiedBundle(nowhere, { readFile })).rejects.toMatchObject({
      code: 'MODEL_BUNDLE_NOT_FOUND',
    });
  });

  it('reads a folder from disk into aligned buffers of its own, as readBundle does', async () => {
    const dir = join(tempDir(), 'm');
    await writeModel(dir, { seed: 4, books: 300 });
    const bundle = await loadVerifiedBundle(dir);
    const expected = readBundle(dir);
    expect(bundle.manifest).toEqual(expected.manifest);
    expect(bundle.model).toEqual(expected.model);
    expect(bundle.title).toEqual(expected.title);
    expect(bundle.model.scores.byteOffset).toBe(0);
    await expect(loadVerifiedBundle(join(dir, 'nope'))).rejects.toMatchObject({
      code: 'MODEL_BUNDLE_NOT_FOUND',
    });
  });
});
