import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { resolveWorkspace } from '../core/workspace.js';
import { folderState, writeCachedDataset } from './dataset-cache.js';
import { addDatasetDir, writeDataset } from './dataset-store.js';
import { type LoadedDataset, loadDataset } from './load-interactions.js';
import { generateSynthetic } from './synthetic.js';

let root: string;
let dir: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'bookml-dataset-cache-'));
  dir = (await storedDataset('ws')).dir;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A small synthetic dataset stored in a workspace of its own (so it has a dataset.json). */
function storedDataset(name: string) {
  return writeDataset(
    resolveWorkspace(join(root, name)),
    { kind: 'synthetic', uri: 'synthetic:test' },
    (d) => generateSynthetic(d, { orders: 300, seed: 7 }),
    new ManualClock(0),
  );
}

const entries = (cacheDir: string) => readdirSync(cacheDir).filter((f) => f.endsWith('.bin'));

/** Everything a load returns, with the typed arrays as plain arrays, to compare whole. */
function plain(d: LoadedDataset) {
  const x = d.interactions;
  return {
    ...d,
    interactions: {
      ...x,
      customer: [...x.customer],
      item: [...x.item],
      basket: [...x.basket],
      time: [...x.time],
      qty: [...x.qty],
    },
  };
}

describe('the parsed-dataset cache', () => {
  it('gives the next load exactly what parsing the files gives', async () => {
    const cacheDir = join(root, 'cache-same');
    const parsed = await loadDataset(dir);
    const first = await loadDataset(dir, { cacheDir });
    expect(entries(cacheDir)).toHaveLength(1);
    const progress: [number, number][] = [];
    const cached = await loadDataset(dir, { cacheDir, onProgress: (d, t) => progress.push([d, t]) });
    expect(plain(first)).toEqual(plain(parsed));
    expect(plain(cached)).toEqual(plain(parsed));
    // The bar a CLI shows completes on a hit too.
    expect(progress.at(-1)?.[0]).toBe(progress.at(-1)?.[1]);
    expect(cached.interactions.length).toBeGreaterThan(0);
  });

  it("serves a strict load from a lenient load's entry when nothing a strict load refuses was found", async () => {
    const cacheDir = join(root, 'cache-modes');
    const lenient = await loadDataset(dir, { cacheDir, strict: false });
    const [entry] = entries(cacheDir);
    const before = statSync(join(cacheDir, entry)).mtimeMs;
    const strict = await loadDataset(dir, { cacheDir });
    expect(plain(strict)).toEqual(plain(lenient));
    expect(entries(cacheDir)).toEqual([entry]);
    // Read, not rewritten: the hit only marks the entry as recently used.
    expect(statSync(join(cacheDir, entry)).size).toBeGreaterThan(0);
    expect(statSync(join(cacheDir, entry)).mtimeMs).toBeGreaterThanOrEqual(before);
  });

  it('still refuses, strictly, what a lenient load cached with its issues counted', async () => {
    const cacheDir = join(root, 'cache-issues');
    // One line names an order that is not in orders.csv: a lenient load counts it, a strict one refuses.
    const src = join(root, 'bad-src');
    mkdirSync(src);
    writeFileSync(join(src, 'books.csv'), 'id,title,author,genre,price\n1,A,X,g,1\n2,B,Y,g,1\n');
    writeFileSync(join(src, 'customers.csv'), 'id\n10\n11\n');
    writeFileSync(
      join(src, 'orders.csv'),
      'id,customer_id,created_at\n100,10,2026-01-01T00:00:00Z\n101,11,2026-01-02T00:00:00Z\n',
    );
    writeFileSync(
      join(src, 'order_lines.csv'),
      'order_id,book_id,qty,price\n100,1,1,1\n101,2,1,1\n999,1,1,1\n',
    );
    const bad = addDatasetDir(resolveWorkspace(join(root, 'ws-bad')), src, { kind: 'files', uri: src });
    const lenient = await loadDataset(bad.dir, { cacheDir, strict: false });
    expect(lenient.issues.unknownOrderLines).toBe(1);
    expect(entries(cacheDir)).toHaveLength(1);
    await expect(loadDataset(bad.dir, { cacheDir })).rejects.toMatchObject({ code: 'DATA_BAD_ROW' });
    expect((await loadDataset(bad.dir, { cacheDir, strict: false })).issues.unknownOrderLines).toBe(1);
  });

  it('is not used once a file of the folder changed: the load parses, and verification still refuses', async () => {
    const cacheDir = join(root, 'cache-changed');
    const copy = await storedDataset('ws-changed');
    await loadDataset(copy.dir, { cacheDir });
    appendFileSync(join(copy.dir, 'order_lines.csv'), '1,1,1\n');
    await expect(loadDataset(copy.dir, { cacheDir })).rejects.toMatchObject({ code: 'DATA_BAD_FILE' });
  });

  it('is not used when a file was touched, even with the same bytes', async () => {
    const cacheDir = join(root, 'cache-touched');
    await loadDataset(dir, { cacheDir });
    const [entry] = entries(cacheDir);
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'orders.csv'), later, later);
    // A miss parses and verifies again, then replaces the entry for the folder as it is now.
    const again = await loadDataset(dir, { cacheDir });
    expect(again.interactions.length).toBeGreaterThan(0);
    expect(entries(cacheDir)).toEqual([entry]);
  });

  it('treats a damaged entry as a miss', async () => {
    const cacheDir = join(root, 'cache-damaged');
    const parsed = await loadDataset(dir, { cacheDir });
    const [entry] = entries(cacheDir);
    // Cut short inside the columns: a whole header, then fewer bytes than it promises.
    truncateSync(join(cacheDir, entry), statSync(join(cacheDir, entry)).size - 100);
    expect(plain(await loadDataset(dir, { cacheDir }))).toEqual(plain(parsed));
  });

  it('keeps a folder without a dataset.json too, by its path, until one of its files changes', async () => {
    const cacheDir = join(root, 'cache-plain');
    const plainDir = join(root, 'plain');
    await generateSynthetic(plainDir, { orders: 200, seed: 9 });
    const parsed = await loadDataset(plainDir);
    await loadDataset(plainDir, { cacheDir });
    expect(entries(cacheDir)).toHaveLength(1);
    expect(plain(await loadDataset(plainDir, { cacheDir }))).toEqual(plain(parsed));
    // One more line of a known order and book: a miss, parsed again, and the new line is there.
    const last = parsed.interactions;
    appendFileSync(join(plainDir, 'order_lines.csv'), '1,1,1,1\n');
    const after = await loadDataset(plainDir, { cacheDir });
    expect(after.interactions.length).toBe(last.length + 1);
    expect(after.manifest.hash).not.toBe(parsed.manifest.hash);
  });

  it('keeps the four most recently used entries', async () => {
    const cacheDir = join(root, 'cache-prune');
    const dirs = [];
    for (let i = 0; i < 5; i++) {
      const d = join(root, `prune-${i}`);
      await generateSynthetic(d, { orders: 30, seed: 20 + i });
      dirs.push(d);
    }
    for (const d of dirs.slice(0, 4)) await loadDataset(d, { cacheDir });
    // A hit makes the first one recently used again, so the second is the one to go.
    await loadDataset(dirs[0], { cacheDir });
    const before = entries(cacheDir);
    await loadDataset(dirs[4], { cacheDir });
    const after = entries(cacheDir);
    expect(after).toHaveLength(4);
    const gone = before.filter((e) => !after.includes(e));
    expect(gone).toHaveLength(1);
    // The first folder's entry survived: loading it again leaves the entries as they are.
    await loadDataset(dirs[0], { cacheDir });
    expect(entries(cacheDir).sort()).toEqual([...after].sort());
  });

  it('is not fooled by an edit of the same size whose modification time was set back (cp -p, rsync -t)', async () => {
    const cacheDir = join(root, 'cache-same-size');
    const copy = await storedDataset('ws-same-size');
    await loadDataset(copy.dir, { cacheDir });
    const file = join(copy.dir, 'order_lines.csv');
    const { atime, mtime } = statSync(file);
    const text = readFileSync(file, 'utf8');
    // Same length, other bytes: the first line's price loses a cent (17.99 → 17.98).
    const edited = text.replace(/9(\r?\n)/, '8$1');
    expect(edited).not.toBe(text);
    writeFileSync(file, edited);
    utimesSync(file, atime, mtime);
    await expect(loadDataset(copy.dir, { cacheDir })).rejects.toMatchObject({ code: 'DATA_BAD_FILE' });
  });

  it('writes no entry when a file changed while the load read it', async () => {
    const cacheDir = join(root, 'cache-racing');
    const plainDir = join(root, 'racing');
    await generateSynthetic(plainDir, { orders: 40, seed: 11 });
    const before = folderState(plainDir);
    const loaded = await loadDataset(plainDir);
    appendFileSync(join(plainDir, 'order_lines.csv'), '1,1,1,1\n');
    writeCachedDataset(cacheDir, plainDir, undefined, before, loaded);
    expect(() => entries(cacheDir)).toThrow();
  });

  it('names a folder without a dataset.json by the path it was loaded from', async () => {
    const cacheDir = join(root, 'cache-link');
    const plainDir = join(root, 'linked');
    await generateSynthetic(plainDir, { orders: 40, seed: 12 });
    const link = join(root, 'link-to-linked');
    symlinkSync(plainDir, link);
    await loadDataset(plainDir, { cacheDir });
    const viaLink = await loadDataset(link, { cacheDir });
    expect(entries(cacheDir)).toHaveLength(1);
    expect(viaLink.manifest.source).toEqual({ kind: 'files', uri: link });
  });

  it('leaves an entry another process is writing to it, and clears what a dead writer left', async () => {
    const cacheDir = join(root, 'cache-writers');
    const d1 = join(root, 'writers-1');
    const d2 = join(root, 'writers-2');
    await generateSynthetic(d1, { orders: 30, seed: 13 });
    await generateSynthetic(d2, { orders: 30, seed: 14 });
    await loadDataset(d1, { cacheDir });
    const [entry] = entries(cacheDir);
    rmSync(join(cacheDir, entry));
    // A writer is busy with d1's entry: this load neither waits nor writes.
    writeFileSync(join(cacheDir, `${entry}.tmp`), 'partial');
    await loadDataset(d1, { cacheDir });
    expect(entries(cacheDir)).toEqual([]);
    // An hour later that writer is taken for dead: the next write anywhere in the folder clears it.
    const old = new Date(Date.now() - 2 * 3600_000);
    utimesSync(join(cacheDir, `${entry}.tmp`), old, old);
    await loadDataset(d2, { cacheDir });
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes nothing for a load that did not verify the files', async () => {
    const cacheDir = join(root, 'cache-unverified');
    await loadDataset(dir, { cacheDir, verify: false });
    expect(() => entries(cacheDir)).toThrow();
  });
});
