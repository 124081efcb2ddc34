/**
 * Property-based tests of the file import (issue 11, item 12), fixed seed and bounded runs: what is
 * accepted round-trips (every id back byte for byte, as a purchase of its customer), and any input
 * at all — random bytes, broken quoting, random JSON — either imports or fails with a typed
 * `DataError` carrying its code and field (a bad row: its line, column when known, and a one-line
 * message), never anything else. Under `--on-bad-row skip` every row read is either kept or counted.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_ERRORS, DataBadRowError, DataError } from './errors.js';
import { type ImportFileOptions, importFile } from './import-file.js';
import { loadDataset } from './load-interactions.js';

const SEED = 20_261_203;
const runs = (numRuns: number) => ({ seed: SEED, numRuns });

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bookml-import-props-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let seq = 0;
async function importText(name: string, content: string | Uint8Array, opts: Partial<ImportFileOptions> = {}) {
  const n = ++seq;
  const folder = join(root, String(n));
  mkdirSync(folder);
  const input = join(folder, name);
  writeFileSync(input, content);
  const dir = join(folder, 'out');
  const out = await importFile(dir, input, { mapping: { customer: 'customer', item: 'item' }, ...opts });
  return { ...out, dir };
}

/**
 * An id an import must keep as it is: any well-formed text without NUL, not blank, within the
 * length limit — commas, quotes, line breaks, controls and astral characters included.
 */
const id = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 12, unit: 'binary' }),
    fc.string({ minLength: 1, maxLength: 8 }),
    fc.integer({ min: 0, max: 10_000 }).map(String),
    fc.constantFrom('a,b', '"q"', 'two\nlines', ' padded ', 'café', '😀'),
  )
  .filter((s) => Buffer.from(s).toString() === s && !s.includes('\u0000') && s.trim() !== '');

const purchases = fc.array(fc.tuple(id, id), { minLength: 1, maxLength: 25 });

/** RFC 4180: quote a field that holds a comma, a quote, a line break or edge spaces. */
const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** The (customer, item) pairs a dataset folder holds. */
async function pairsIn(dir: string): Promise<Set<string>> {
  const { interactions: x } = await loadDataset(dir);
  const out = new Set<string>();
  for (let l = 0; l < x.length; l++)
    out.add(JSON.stringify([x.customerIds[x.customer[l]], x.itemIds[x.item[l]]]));
  return out;
}

/** A refusal is a typed data error with a known code and a field; a bad row names its line, one line long. */
function expectTyped(e: unknown, what: string): void {
  expect(e, `${what}: ${String(e)}`).toBeInstanceOf(DataError);
  const err = e as DataError;
  expect(Object.keys(DATA_ERRORS), what).toContain(err.code);
  expect(err.field, what).toEqual(expect.any(String));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a message must show no raw control byte
  expect(err.message, what).not.toMatch(/[\u0000-\u001f\u007f]/);
  if (err instanceof DataBadRowError) {
    expect(Number.isInteger(err.line) && err.line >= 1, `${what}: line ${err.line}`).toBe(true);
    if (err.column !== undefined) expect(err.column, what).toBeGreaterThanOrEqual(1);
  }
}

const describeBytes = (b: Uint8Array | string) =>
  JSON.stringify(Buffer.from(b).toString('latin1').slice(0, 200));

describe('import properties (fast-check, fixed seed)', () => {
  it('CSV: accepted purchases round-trip, ids byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(purchases, fc.boolean(), async (rows, crlf) => {
        const eol = crlf ? '\r\n' : '\n';
        const text = `customer,item${eol}${rows.map(([c, i]) => `${csvField(c)},${csvField(i)}`).join(eol)}${eol}`;
        const out = await importText('p.csv', text);
        expect(out.report).toMatchObject({ rows: rows.length, lines: rows.length, skippedRows: 0 });
        expect(await pairsIn(out.dir)).toEqual(new Set(rows.map((r) => JSON.stringify(r))));
      }),
      runs(60),
    );
  });

  it('JSON Lines: accepted purchases round-trip, strings and safe integers alike', async () => {
    const value = fc.oneof(id, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 25 }), async (rows) => {
        const text = rows.map(([customer, item]) => JSON.stringify({ customer, item })).join('\n');
        const out = await importText('p.jsonl', text);
        expect(out.report).toMatchObject({ rows: rows.length, lines: rows.length });
        expect(await pairsIn(out.dir)).toEqual(
          new Set(rows.map(([c, i]) => JSON.stringify([String(c), String(i)]))),
        );
      }),
      runs(60),
    );
  });

  it('--encoding: a latin1 or UTF-16 export round-trips to the same ids as its UTF-8 twin', async () => {
    // Printable ASCII and U+00A0–U+00FF: where latin1 and windows-1252 (WHATWG's "latin1") agree.
    const char = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff }));
    const latinId = fc
      .array(char, { minLength: 1, maxLength: 8 })
      .map((cs) => String.fromCharCode(...cs))
      .filter((s) => s.trim() !== '');
    const rows = fc.array(fc.tuple(latinId, latinId), { minLength: 1, maxLength: 15 });
    await fc.assert(
      fc.asyncProperty(rows, fc.constantFrom('latin1', 'utf16le'), async (pairs, encoding) => {
        const text = `customer,item\n${pairs.map(([c, i]) => `${csvField(c)},${csvField(i)}`).join('\n')}\n`;
        const bytes = Buffer.from(text, encoding === 'latin1' ? 'latin1' : 'utf16le');
        const out = await importText('enc.csv', bytes, { encoding });
        expect(await pairsIn(out.dir)).toEqual(new Set(pairs.map((r) => JSON.stringify(r))));
      }),
      runs(40),
    );
  });

  /** A CSV file that is mostly right: a header, then rows with now and then a bad byte or a broken field. */
  const roughCsv = fc
    .array(
      fc.oneof(
        {
          weight: 4,
          arbitrary: fc.tuple(id, id).map(([c, i]) => Buffer.from(`${csvField(c)},${csvField(i)}`)),
        },
        fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b)),
        fc
          .constantFrom('', ',', '1', '1,2,3', '"open', '1,"a"b', '1,\u0000', 'x,y,')
          .map((s) => Buffer.from(s)),
      ),
      { maxLength: 12 },
    )
    .map((lines) =>
      Buffer.concat([Buffer.from('customer,item\n'), ...lines.flatMap((l) => [l, Buffer.from('\n')])]),
    );

  it('CSV: any bytes import or fail with a typed error; skipped rows are all counted', async () => {
    const content = fc.oneof(roughCsv, fc.uint8Array({ maxLength: 200 }));
    await fc.assert(
      fc.asyncProperty(content, fc.constantFrom<'fail' | 'skip'>('fail', 'skip'), async (bytes, onBadRow) => {
        const what = `${onBadRow} ${describeBytes(bytes)}`;
        try {
          const out = await importText('r.csv', bytes, { onBadRow });
          expect(out.report.lines, what).toBeGreaterThan(0);
          expect(out.report.lines + out.report.skippedRows, what).toBe(out.report.rows);
          if (onBadRow === 'fail') expect(out.report.skippedRows, what).toBe(0);
          for (const b of out.report.badRows) expect(b.line, what).toBeGreaterThanOrEqual(1);
        } catch (e) {
          expectTyped(e, what);
        }
      }),
      runs(150),
    );
  });

  it('JSON Lines: any line imports or fails with a typed error; skipped rows are all counted', async () => {
    const line = fc.oneof(
      {
        weight: 3,
        arbitrary: fc
          .record(
            { customer: fc.oneof(id, fc.jsonValue()), item: fc.oneof(id, fc.jsonValue()) },
            { requiredKeys: [] },
          )
          .map((o) => JSON.stringify(o)),
      },
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 20, unit: 'binary' }),
      fc.constantFrom(
        '{"customer":"1","item":"a","item":"b"}',
        '{"customer":1e400,"item":2}',
        '{',
        '{"customer":"1","item":"x"} junk',
      ),
    );
    const content = fc.oneof(
      fc.array(line, { maxLength: 10 }).map((ls) => Buffer.from(ls.join('\n'))),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    );
    await fc.assert(
      fc.asyncProperty(content, fc.constantFrom<'fail' | 'skip'>('fail', 'skip'), async (bytes, onBadRow) => {
        const what = `${onBadRow} ${describeBytes(bytes)}`;
        try {
          const out = await importText('r.jsonl', bytes, { onBadRow });
          expect(out.report.lines, what).toBeGreaterThan(0);
          expect(out.report.lines + out.report.skippedRows, what).toBe(out.report.rows);
        } catch (e) {
          expectTyped(e, what);
        }
      }),
      runs(150),
    );
  });
});
