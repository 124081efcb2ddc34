import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { resolveWorkspace, type Workspace } from '../store/index.js';
import {
  addDatasetDir,
  listDatasets,
  resolveDataset,
  resolveDatasetDir,
  setCurrentDataset,
  writeDataset,
} from './dataset-store.js';
import { importFile } from './import-file.js';
import { loadDataset } from './load-interactions.js';
import { DATASET_FILES } from './schema.js';
import { generateSynthetic } from './synthetic.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bookml-datasets-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let seq = 0;
function workspace(): Workspace {
  return resolveWorkspace(join(root, `ws${++seq}`));
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Import a small purchase export into the workspace. */
async function importText(ws: Workspace, text: string, clock = new ManualClock(0)) {
  const input = join(root, `input-${++seq}.csv`);
  writeFileSync(input, text);
  return writeDataset(
    ws,
    { kind: 'csv', uri: input },
    (dir) => importFile(dir, input, { mapping: { customer: 'customer', item: 'item' } }),
    clock,
  );
}

/** Folders under datasets/ (CURRENT and temp files aside). */
function datasetDirs(ws: Workspace): string[] {
  return readdirSync(ws.datasetsDir).filter((n) => statSync(join(ws.datasetsDir, n)).isDirectory());
}

describe('dataset store', () => {
  it('names a dataset by a hash anyone can recompute with sha256sum', async () => {
    const ws = workspace();
    const ds = await writeDataset(ws, { kind: 'synthetic', uri: 'synthetic:test' }, (dir) =>
      generateSynthetic(dir, { orders: 200 }),
    );
    // sha256sum books.csv customers.csv orders.csv order_lines.csv | sha256sum
    const listing = DATASET_FILES.map((f) => `${sha256(readFileSync(join(ds.dir, f)))}  ${f}\n`).join('');
    expect(ds.hash).toBe(sha256(listing));
    expect(ds.dir).toBe(join(ws.datasetsDir, ds.hash.slice(0, 16)));
    for (const f of DATASET_FILES) {
      const bytes = readFileSync(join(ds.dir, f));
      expect(ds.manifest.files[f]).toEqual({ sha256: sha256(bytes), bytes: bytes.length });
    }
    expect(ds.manifest).toMatchObject({
      format: 'bookml-dataset/1',
      itemIdKind: 'int',
      source: { kind: 'synthetic', uri: 'synthetic:test' },
      counts: { books: 200, customers: 800, orders: 200 },
    });
    expect(JSON.parse(readFileSync(join(ds.dir, 'dataset.json'), 'utf8'))).toEqual(ds.manifest);
    // Nothing left behind in the temp folder.
    expect(readdirSync(ws.tmpDir)).toEqual([]);
  });

  it('stores files read-only; the same content is stored once and never rewritten', async () => {
    const ws = workspace();
    const text = 'customer,item\n1,10\n2,10\n2,11\n';
    const first = await importText(ws, text, new ManualClock(1_000));
    const files = [...DATASET_FILES, 'dataset.json'];
    const before = files.map((f) => statSync(join(first.dir, f)));
    for (const s of before) expect(s.mode & 0o222).toBe(0);

    const again = await importText(ws, text, new ManualClock(2_000));
    expect(again.hash).toBe(first.hash);
    expect(again.dir).toBe(first.dir);
    // The first import's manifest (and its time) stands.
    expect(again.manifest.createdAt).toBe(new Date(1_000).toISOString());
    expect(datasetDirs(ws)).toEqual([first.hash.slice(0, 16)]);
    files.forEach((f, i) => {
      const s = statSync(join(first.dir, f));
      expect(s.mtimeMs, f).toBe(before[i].mtimeMs);
      expect(s.ino, f).toBe(before[i].ino);
    });
    expect(readdirSync(ws.tmpDir)).toEqual([]);

    const other = await importText(ws, 'customer,item\n1,10\n');
    expect(other.hash).not.toBe(first.hash);
    expect(datasetDirs(ws).sort()).toEqual([first.hash.slice(0, 16), other.hash.slice(0, 16)].sort());
  });

  it('the same content from another path has the same hash', async () => {
    const ws = workspace();
    const generated = join(root, `plain-${++seq}`);
    await generateSynthetic(generated, { orders: 100, seed: 5 });
    const viaFolder = addDatasetDir(ws, generated, { kind: 'files', uri: generated });
    const viaGenerator = await writeDataset(ws, { kind: 'synthetic', uri: 'x' }, (dir) =>
      generateSynthetic(dir, { orders: 100, seed: 5 }),
    );
    expect(viaGenerator.hash).toBe(viaFolder.hash);
    expect(datasetDirs(ws)).toHaveLength(1);
    // Resolving the plain folder computes the same hash without storing anything.
    expect(resolveDataset(ws, generated).hash).toBe(viaFolder.hash);
  });

  it('refuses a folder that is not a dataset, and leaves no temp folder', async () => {
    const ws = workspace();
    const dir = join(root, `half-${++seq}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'books.csv'), 'id,title,author,genre,price\n');
    expect(() => addDatasetDir(ws, dir, { kind: 'files', uri: dir })).toThrow(
      expect.objectContaining({ code: 'DATA_BAD_FILE' }),
    );
    for (const f of ['customers.csv', 'orders.csv']) writeFileSync(join(dir, f), 'wrong\n');
    writeFileSync(join(dir, 'order_lines.csv'), 'order_id,book_id,qty,price\n');
    expect(() => addDatasetDir(ws, dir, { kind: 'files', uri: dir })).toThrow(
      expect.objectContaining({ code: 'DATA_BAD_FILE', field: 'header' }),
    );
    expect(readdirSync(ws.tmpDir)).toEqual([]);
    expect(existsSync(ws.datasetsDir) ? datasetDirs(ws) : []).toEqual([]);
  });

  it('a failed write leaves nothing behind', async () => {
    const ws = workspace();
    await expect(
      writeDataset(ws, { kind: 'synthetic', uri: 'x' }, (dir) => generateSynthetic(dir, { shift: 5 })),
    ).rejects.toMatchObject({ code: 'DATA_BAD_OPTION' });
    expect(readdirSync(ws.tmpDir)).toEqual([]);
    expect(existsSync(ws.datasetsDir) ? datasetDirs(ws) : []).toEqual([]);
  });

  it('a folder in the way of a file is a typed error, not a crash', async () => {
    const dir = join(root, `blocked-${++seq}`);
    mkdirSync(join(dir, 'orders.csv'), { recursive: true });
    await expect(generateSynthetic(dir, { orders: 10 })).rejects.toMatchObject({
      code: 'DATA_BAD_FILE',
      message: expect.stringContaining('orders.csv: cannot be written'),
    });
  });

  it('loading notices a modified file', async () => {
    const ws = workspace();
    const ds = await importText(ws, 'customer,item\n1,10\n2,11\n');
    const lines = join(ds.dir, 'order_lines.csv');
    chmodSync(lines, 0o644);
    writeFileSync(lines, 'order_id,book_id,qty,price\n1,11,1,\n2,11,1,\n');
    await expect(loadDataset(ds.dir)).rejects.toMatchObject({ code: 'DATA_BAD_FILE' });
  });

  it('tracks the current dataset, resolves hash prefixes, and lists oldest first', async () => {
    const ws = workspace();
    expect(() => resolveDataset(ws)).toThrow(expect.objectContaining({ code: 'DATA_NO_DATASET' }));
    expect(listDatasets(ws)).toEqual([]);
    const a = await importText(ws, 'customer,item\n1,10\n', new ManualClock(1_000));
    const b = await importText(ws, 'customer,item\n1,11\n', new ManualClock(2_000));
    setCurrentDataset(ws, b.hash.slice(0, 8));
    expect(resolveDataset(ws).hash).toBe(b.hash);
    expect(resolveDataset(ws, a.hash.slice(0, 6)).hash).toBe(a.hash);
    expect(readFileSync(join(ws.datasetsDir, 'CURRENT'), 'utf8')).toBe(`${b.hash}\n`);
    expect(listDatasets(ws).map((d) => [d.hash, d.current])).toEqual([
      [a.hash, false],
      [b.hash, true],
    ]);
    expect(() => resolveDataset(ws, 'ffffffff')).toThrow(expect.objectContaining({ code: 'DATA_NOT_FOUND' }));
    // Prefixes shorter than 4 hex digits are not taken as hashes.
    expect(() => resolveDataset(ws, a.hash.slice(0, 3))).toThrow(
      expect.objectContaining({ code: 'DATA_NOT_FOUND' }),
    );
  });

  it('an ambiguous prefix is an error that asks for more characters', async () => {
    const ws = workspace();
    const a = await importText(ws, 'customer,item\n1,10\n');
    // A second stored dataset whose hash shares the first one's 6-digit prefix.
    const twin = `${a.hash.slice(0, 6)}${a.hash[6] === '0' ? '1' : '0'}${'0'.repeat(57)}`;
    const dir = join(ws.datasetsDir, twin.slice(0, 16));
    mkdirSync(dir);
    writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ ...a.manifest, hash: twin }));
    expect(() => resolveDataset(ws, a.hash.slice(0, 6))).toThrow(
      expect.objectContaining({ code: 'DATA_AMBIGUOUS_REF', field: 'dataset' }),
    );
    expect(resolveDataset(ws, a.hash.slice(0, 7)).hash).toBe(a.hash);
  });

  it('names the folder to load without reading it; refuses what resolveDataset refuses', async () => {
    const ws = workspace();
    expect(() => resolveDatasetDir(ws)).toThrow(expect.objectContaining({ code: 'DATA_NO_DATASET' }));
    const a = await importText(ws, 'customer,item\n1,10\n');
    setCurrentDataset(ws, a.hash);
    expect(resolveDatasetDir(ws)).toBe(resolveDataset(ws).dir);
    expect(resolveDatasetDir(ws, a.hash.slice(0, 6))).toBe(a.dir);
    expect(() => resolveDatasetDir(ws, 'ffffffff')).toThrow(
      expect.objectContaining({ code: 'DATA_NOT_FOUND' }),
    );
    // A folder without a manifest: resolveDataset reads and hashes every file to compute one; the
    // folder is all a loader needs (its load hashes the files), with the same check of the headers.
    const plain = join(root, `plain-${++seq}`);
    await generateSynthetic(plain, { orders: 20, seed: 3 });
    expect(resolveDatasetDir(ws, plain)).toBe(plain);
    writeFileSync(join(plain, 'books.csv'), 'id, title,author,genre,price\n');
    for (const named of [() => resolveDataset(ws, plain), () => resolveDatasetDir(ws, plain)]) {
      expect(named).toThrow(
        expect.objectContaining({
          code: 'DATA_BAD_FILE',
          field: 'header',
          message: expect.stringContaining('books.csv'),
        }),
      );
    }
    expect(() => resolveDatasetDir(ws, join(root, 'nowhere'))).toThrow(
      expect.objectContaining({ code: 'DATA_NOT_FOUND' }),
    );
  });
});
