import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadedDataset, type LoadOptions, loadDataset } from './load-interactions.js';
import { readLinesInWorker } from './parallel-lines.js';
import { generateSynthetic } from './synthetic.js';

/**
 * `order_lines.csv` read on a worker thread (`parallelLinesFrom: 0`) against the same load on one
 * thread: every column, id, count, issue, hash and error must be the same.
 */
let root: string;
let base: string;
let baseLines: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'bookml-parallel-lines-'));
  base = join(root, 'base');
  await generateSynthetic(base, { orders: 400, books: 60, customers: 90, seed: 9 });
  baseLines = readFileSync(join(base, 'order_lines.csv'), 'utf8');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let seq = 0;
/** A copy of the base dataset whose order_lines.csv is `lines`. */
async function variant(lines: string): Promise<string> {
  const dir = join(root, `v${++seq}`);
  await generateSynthetic(dir, { orders: 400, books: 60, customers: 90, seed: 9 });
  writeFileSync(join(dir, 'order_lines.csv'), lines);
  return dir;
}

const parallel = (dir: string, o: LoadOptions = {}) => loadDataset(dir, { ...o, parallelLinesFrom: 0 });
const oneThread = (dir: string, o: LoadOptions = {}) =>
  loadDataset(dir, { ...o, parallelLinesFrom: Number.POSITIVE_INFINITY });

/** A loaded dataset as plain data (typed arrays as arrays of their `length` values). */
function plain(d: LoadedDataset) {
  const x = d.interactions;
  const col = (a: ArrayLike<number>) => Array.from(a).slice(0, x.length);
  return {
    ...d,
    interactions: {
      ...x,
      customer: col(x.customer),
      item: col(x.item),
      basket: col(x.basket),
      time: col(x.time),
      qty: col(x.qty),
    },
  };
}

async function sameBothWays(dir: string, o: LoadOptions = {}): Promise<LoadedDataset> {
  const a = await parallel(dir, o);
  expect(plain(a)).toEqual(plain(await oneThread(dir, o)));
  return a;
}

describe('loadDataset with order_lines.csv on a worker thread', () => {
  it('reads the lines on a real worker thread, or says why it left them', async () => {
    const ok = await readLinesInWorker(join(base, 'order_lines.csv'), 16, true).result;
    expect(ok).toMatchObject({ ok: true, n: baseLines.trimEnd().split('\n').length - 1 });
    const rows = baseLines.split('\n');
    rows[2] = rows[2].replace(/^(\d+),/, (_, id) => `"${id}",`);
    const quoted = await variant(rows.join('\n'));
    const off = await readLinesInWorker(join(quoted, 'order_lines.csv'), 16, true).result;
    expect(off).toEqual({ ok: false, reason: 'a line off the fast path' });
  });

  it('loads exactly what one thread loads, and reports progress up to the total', async () => {
    const seen: number[] = [];
    const a = await sameBothWays(base, { onProgress: (done, total) => seen.push(done / total) });
    expect(a.interactions.length).toBeGreaterThan(500);
    const b = await parallel(base, { onProgress: (done, total) => seen.push(done / total) });
    expect(b.manifest.files['order_lines.csv'].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(seen.at(-1)).toBe(1);
    expect(seen.every((s) => s <= 1)).toBe(true);
  });

  it('counts the same issues leniently, and throws the same error at the same line strictly', async () => {
    const rows = baseLines.trimEnd().split('\n');
    // An unknown order at line 5, qty 0 at line 9, an unknown book at line 12.
    rows[4] = rows[4].replace(/^\d+,/, '999999,');
    rows[8] = rows[8].replace(/^(\d+,\d+,)\d+/, (_, head) => `${head}0`);
    rows[11] = rows[11].replace(/^(\d+,)\d+/, (_, head) => `${head}777777`);
    const dir = await variant(`${rows.join('\n')}\n`);
    const a = await sameBothWays(dir, { strict: false });
    expect(a.issues).toMatchObject({
      unknownOrderLines: 1,
      badQtyLines: 1,
      unknownBookLines: 1,
      unknownBooks: 1,
    });
    const err = await parallel(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DATA_BAD_ROW', message: expect.stringContaining('line 5') });
    expect(await oneThread(dir).catch((e: unknown) => e)).toEqual(err);
  });

  it('leaves a file with lines off the fast path (a quote, a blank line) to the one-thread reader', async () => {
    const rows = baseLines.trimEnd().split('\n');
    rows[3] = rows[3].replace(/^(\d+),(\d+),/, '"$1",$2,');
    await sameBothWays(await variant(`${rows.join('\n')}\n`));
    const blank = [...rows.slice(0, 6), '', ...rows.slice(6)];
    blank[9] = blank[9].replace(/^\d+,/, '999999,');
    const dir = await variant(`${blank.join('\n')}\n`);
    await sameBothWays(dir, { strict: false });
    // The line number counts the blank line, as one thread counts it.
    await expect(parallel(dir)).rejects.toMatchObject({ message: expect.stringContaining('line 10') });
  });

  it('fails as one thread fails when another file is bad, and leaves no thread behind', async () => {
    const dir = await variant(baseLines);
    writeFileSync(join(dir, 'orders.csv'), 'id,customer_id,created_at\n1,1,yesterday\n');
    const err = await parallel(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DATA_BAD_ROW' });
    expect(await oneThread(dir).catch((e: unknown) => e)).toEqual(err);
  });

  it('reports the first bad file first, as one thread does, when order_lines.csv cannot be read', async () => {
    const dir = await variant(baseLines);
    writeFileSync(join(dir, 'books.csv'), 'book,title\n1,x\n');
    rmSync(join(dir, 'order_lines.csv'));
    mkdirSync(join(dir, 'order_lines.csv'));
    const err = await parallel(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DATA_BAD_FILE', message: expect.stringContaining('books.csv') });
    expect(await oneThread(dir).catch((e: unknown) => e)).toEqual(err);
  });
});
