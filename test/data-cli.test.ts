import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePostgres, TEST_POSTGRES_URL } from '../src/store/test-databases.js';
import { type BuiltResult, groceriesCsv, hasBuiltBin, runBuilt } from './fixtures/cli.js';

/**
 * `bookml data …` through the built binary, as a user types it, in a fresh workspace:
 * generate → import groceries → validate → list → use, with `--json` parsed, plus the exit codes a
 * script relies on (0 ok, 1 gate failed, 2 bad input).
 */
const groceries = groceriesCsv;

describe.skipIf(!hasBuiltBin)('bookml data (built binary)', () => {
  let home: string;
  let scratch: string;
  const bookml = (...args: string[]): BuiltResult => runBuilt(args, { home, cwd: scratch });
  // biome-ignore lint/suspicious/noExplicitAny: parsed CLI output, checked field by field
  const json = (...args: string[]): any => {
    const r = bookml(...args, '--json');
    expect(r.stderr, r.stderr).not.toMatch(/^error/m);
    expect(r.status, r.stdout).toBe(0);
    return JSON.parse(r.stdout);
  };

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'bookml-data-cli-'));
    scratch = mkdtempSync(join(tmpdir(), 'bookml-data-cli-cwd-'));
  });
  afterAll(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  let generated: { hash: string; dir: string };

  it('generate: the original example by default, stored and made current', () => {
    const ds = json('data', 'generate');
    expect(ds.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(ds.dir).toBe(join(home, 'datasets', ds.hash.slice(0, 16)));
    expect(ds.current).toBe(true);
    expect(ds.counts).toMatchObject({ books: 200, customers: 800, orders: 5000 });
    expect(ds.source).toMatchObject({ kind: 'synthetic', options: { seed: 42, shift: 0 } });
    generated = ds;
    // Same options, same content, same dataset: nothing new is stored.
    expect(json('data', 'generate').hash).toBe(ds.hash);
    expect(json('data', 'list')).toHaveLength(1);
  });

  it('generate --out writes plain files with the same content, outside the workspace', () => {
    const out = join(scratch, 'plain');
    const ds = json('data', 'generate', '--out', out);
    expect(ds).toMatchObject({ hash: generated.hash, dir: out, current: false });
    expect(readdirSync(out).sort()).toEqual(['books.csv', 'customers.csv', 'order_lines.csv', 'orders.csv']);
    expect(json('data', 'list')).toHaveLength(1);
    const lines = json(
      'data',
      'generate',
      '--lines',
      '777',
      '--shift',
      '0.5',
      '--out',
      join(scratch, 'lines'),
    );
    expect(lines.counts.orderLines).toBe(777);
    // A stored dataset is never rewritten, not even on request.
    const intoStore = bookml('data', 'generate', '--out', generated.dir, '--json');
    expect(intoStore.status).toBe(2);
    expect(JSON.parse(intoStore.stdout).error).toMatchObject({ code: 'DATA_BAD_OPTION', field: '--out' });
  });

  it.skipIf(!existsSync(groceries))('import takes groceries.csv with a mapping and a date format', () => {
    const ds = json(
      'data',
      'import',
      groceries,
      '--map',
      'customer=transaction_number,item=items,time=date',
      '--date-format',
      'DD-MM-YYYY',
    );
    expect(ds.counts).toEqual({ books: 167, customers: 3898, orders: 14963, orderLines: 38765 });
    expect(ds.current).toBe(true);
    expect(ds.source).toMatchObject({
      kind: 'csv',
      uri: groceries,
      options: {
        mapping: { customer: 'transaction_number', item: 'items', time: 'date' },
        dateFormat: 'DD-MM-YYYY',
      },
    });
    expect(ds.skippedRows).toBe(0);

    const report = json('data', 'validate');
    expect(report.dataset.hash).toBe(ds.hash);
    expect(report.counts).toEqual(ds.counts);
    expect(report.distinct).toEqual({ customers: 3898, books: 167, baskets: 14963 });
    expect(report.dateRange).toEqual({
      first: '2014-01-01T00:00:00Z',
      last: '2015-12-30T00:00:00Z',
      days: 728,
    });
    expect(report.issues.unknownBookLines).toBe(0);
    expect(report.pass).toBe(true);

    // Against the synthetic shop, popularity has moved completely: no book id in common.
    const shift = json(
      'data',
      'validate',
      '--against',
      generated.hash.slice(0, 8),
      '--threshold',
      'maxPopularityJsd=1',
    );
    expect(shift.against.dataset.hash).toBe(generated.hash);
    expect(shift.against.shift.jsd).toBe(1);
    expect(shift.against.shift.newBooks.count).toBe(167);
    expect(shift.pass).toBe(true);

    const list = json('data', 'list');
    expect(list.map((d: { hash: string; current: boolean }) => [d.hash, d.current])).toEqual([
      [generated.hash, false],
      [ds.hash, true],
    ]);
    expect(list[1].counts).toEqual(ds.counts);

    expect(json('data', 'use', generated.hash.slice(0, 10))).toMatchObject({
      hash: generated.hash,
      current: true,
    });
    expect(json('data', 'validate').dataset.hash).toBe(generated.hash);
  });

  it('validate: the gate exits 1 and still prints its report', () => {
    const r = bookml('data', 'validate', '--threshold', 'minLines=1000000', '--json');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.pass).toBe(false);
    expect(report.checks.find((c: { name: string }) => c.name === 'lines')).toMatchObject({
      op: '>=',
      threshold: 1_000_000,
      pass: false,
    });
    const text = bookml('data', 'validate', '--threshold', 'minLines=1000000');
    expect(text.status).toBe(1);
    expect(text.stdout).toContain('data quality: FAIL');
    expect(bookml('data', 'validate').stdout).toContain('data quality: PASS');
  });

  it('a bad row exits 2 with its line, field and reason; --on-bad-row skip counts it', () => {
    const file = join(scratch, 'export.csv');
    writeFileSync(file, 'who,what,when\n1,10,2025-01-01\n2,11,2025-13-01\n3,12,2025-01-03\n');
    const args = ['data', 'import', file, '--map', 'customer=who,item=what,time=when'];
    const failed = bookml(...args, '--json');
    expect(failed.status).toBe(2);
    expect(JSON.parse(failed.stdout)).toEqual({
      error: {
        code: 'DATA_BAD_ROW',
        field: 'when',
        message:
          'export.csv line 3, column 6: when "2025-13-01" is not a date in format iso (fix the row, or pass --on-bad-row skip to skip bad rows)',
      },
    });
    const human = bookml(...args);
    expect(human.status).toBe(2);
    expect(human.stderr).toBe(
      'error DATA_BAD_ROW: export.csv line 3, column 6: when "2025-13-01" is not a date in format iso (fix the row, or pass --on-bad-row skip to skip bad rows)\n',
    );
    const skipped = json(...args, '--on-bad-row', 'skip');
    expect(skipped.skippedRows).toBe(1);
    expect(skipped.badRows).toEqual([
      { line: 3, column: 6, field: 'when', reason: '"2025-13-01" is not a date in format iso' },
    ]);
    expect(skipped.counts.orderLines).toBe(2);
  });

  it('11. a header-only export, invalid UTF-8 and a duplicate header exit 2 and change nothing; --encoding reads latin1', () => {
    const before = json('data', 'list');
    const current = before.find((d: { current: boolean }) => d.current)?.hash;
    const headerOnly = join(scratch, 'header-only.csv');
    writeFileSync(headerOnly, 'who,what\n');
    const empty = bookml('data', 'import', headerOnly, '--map', 'customer=who,item=what', '--json');
    expect(empty.status).toBe(2);
    expect(JSON.parse(empty.stdout).error).toMatchObject({ code: 'DATA_BAD_FILE', field: 'rows' });
    const latin1 = join(scratch, 'latin1.csv');
    writeFileSync(
      latin1,
      Buffer.concat([Buffer.from('who,what\n1,caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
    );
    const bad = bookml('data', 'import', latin1, '--map', 'customer=who,item=what');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('error DATA_BAD_ROW: latin1.csv line 2, column 6: what is not valid UTF-8');
    const dup = join(scratch, 'dup.csv');
    writeFileSync(dup, 'who,what,what\n1,2,3\n');
    expect(bookml('data', 'import', dup, '--map', 'customer=who,item=what').status).toBe(2);
    // Nothing became a dataset, and the current one did not move.
    const after = json('data', 'list');
    expect(after).toHaveLength(before.length);
    expect(after.find((d: { current: boolean }) => d.current)?.hash).toBe(current);
    const decoded = json(
      'data',
      'import',
      latin1,
      '--map',
      'customer=who,item=what',
      '--encoding',
      'latin1',
      '--out',
      join(scratch, 'decoded'),
    );
    expect(decoded.counts).toMatchObject({ books: 1, orderLines: 1 });
    expect(readFileSync(join(scratch, 'decoded', 'books.csv'), 'utf8')).toContain('café');
  });

  it('bad options and mappings exit 2 naming the field', () => {
    const noMap = bookml('data', 'import', groceries, '--json');
    expect(noMap.status).toBe(2);
    expect(JSON.parse(noMap.stdout).error).toMatchObject({ code: 'DATA_BAD_MAPPING', field: 'map' });
    const badRole = bookml('data', 'import', groceries, '--map', 'buyer=x,item=y', '--json');
    expect(JSON.parse(badRole.stdout).error).toMatchObject({ code: 'DATA_BAD_MAPPING', field: 'map.buyer' });
    const shift = bookml('data', 'generate', '--shift', '3', '--json');
    expect(shift.status).toBe(2);
    expect(JSON.parse(shift.stdout).error).toMatchObject({ code: 'DATA_BAD_OPTION', field: '--shift' });
    const unknown = bookml('data', 'validate', 'ffffffffff', '--json');
    expect(JSON.parse(unknown.stdout).error).toMatchObject({ code: 'DATA_NOT_FOUND' });
  });

  it('import --postgres reads the Bookstore app tables; baskets are sessions', async (ctx) => {
    const unreachable = await probePostgres();
    if (unreachable) return ctx.skip(unreachable);
    const schema = `bookml_cli_${process.pid}_${Math.floor(Math.random() * 1e9).toString(36)}`;
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA "${schema}"`);
      await client.query(
        `CREATE TABLE "${schema}".books (id int PRIMARY KEY, title text, author text, price numeric)`,
      );
      await client.query(
        `CREATE TABLE "${schema}".orders (id int PRIMARY KEY, book_id int, qty int, created_at timestamptz)`,
      );
      await client.query(
        `INSERT INTO "${schema}".books VALUES (1, 'Dune', 'Frank Herbert', 9.99), (2, 'Emma', 'Jane Austen', 5)`,
      );
      await client.query(
        `INSERT INTO "${schema}".orders VALUES (1, 1, 1, '2025-01-01T10:00Z'), (2, 2, 1, '2025-01-01T10:20Z'), (3, 2, 2, '2025-01-01T12:00Z')`,
      );
      const ds = json(
        'data',
        'import',
        '--postgres',
        TEST_POSTGRES_URL,
        '--pg-schema',
        schema,
        '--session-gap',
        '30',
      );
      expect(ds.counts).toEqual({ books: 2, customers: 2, orders: 2, orderLines: 3 });
      expect(ds.source).toMatchObject({ kind: 'postgres', options: { sessionGapMinutes: 30, schema } });
      expect(ds.current).toBe(true);
      const report = json(
        'data',
        'validate',
        '--threshold',
        'minLines=1,minCustomers=1,minBooks=1,maxTop1PctShare=1',
      );
      expect(report.distinct).toEqual({ customers: 2, books: 2, baskets: 2 });
      expect(report.basketSize).toMatchObject({ min: 1, max: 2 });
      expect(report.pass).toBe(true);
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  });

  it('every data command has --help', () => {
    for (const cmd of ['generate', 'import', 'validate', 'list', 'use']) {
      const r = bookml('data', cmd, '--help');
      expect(r.status, cmd).toBe(0);
      expect(r.stdout).toContain(`Usage: bookml data ${cmd}`);
      expect(r.stdout).toContain('--json');
    }
  });
});
