import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePostgres, TEST_POSTGRES_URL } from '../store/test-databases.js';
import { loadDataset } from './load-interactions.js';
import { importPostgres, redactUrl } from './postgres-source.js';
import { sessionBaskets } from './session-baskets.js';

const unreachable = await probePostgres();

describe('sessionBaskets (the basket proxy)', () => {
  it('splits on pauses of at least the gap, in created_at then id order', () => {
    const orders = [
      { id: 3, book_id: 1, qty: 1, created_at: '2025-01-01T10:29:59Z' },
      { id: 1, book_id: 1, qty: 1, created_at: '2025-01-01T10:00:00Z' },
      { id: 2, book_id: 2, qty: 1, created_at: '2025-01-01T10:00:00Z' },
      { id: 4, book_id: 2, qty: 1, created_at: '2025-01-01T10:59:59Z' },
      { id: 5, book_id: 2, qty: 1, created_at: '2025-01-01 12:00:00+01:00' },
    ];
    // 10:00, 10:00, 10:29:59 together; 10:59:59 is exactly 30 min later: a new basket; 11:00Z joins it.
    expect(Array.from(sessionBaskets(orders, 30))).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(sessionBaskets(orders, 1))).toEqual([1, 0, 0, 2, 2]);
  });
});

describe.skipIf(unreachable !== undefined)(`importPostgres ${unreachable ?? ''}`, () => {
  const schema = `bookml_data_${process.pid}_${Math.floor(Math.random() * 1e9).toString(36)}`;
  let client: pg.Client;
  let root: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'bookml-pg-'));
    client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    await client.query(`CREATE SCHEMA "${schema}"`);
    await client.query(`SET search_path TO "${schema}"`);
    // The Bookstore app's tables, as the app has them: no customer on an order.
    await client.query(
      `CREATE TABLE books (id serial PRIMARY KEY, title text NOT NULL, author text, price numeric(8,2))`,
    );
    await client.query(
      `CREATE TABLE orders (id serial PRIMARY KEY, book_id int, qty int, created_at timestamptz)`,
    );
    await client.query(
      `INSERT INTO books (id, title, author, price) VALUES
         (1, 'Dune', 'Frank Herbert', 9.99), (2, 'Emma, a Novel', 'Jane Austen', 5.50), (3, 'Ulysses', 'James Joyce', NULL)`,
    );
    await client.query(
      `INSERT INTO orders (id, book_id, qty, created_at) VALUES
         (1, 1, 1, '2025-01-01T10:00:00Z'),
         (2, 2, 1, '2025-01-01T10:10:00Z'),
         (3, 1, 2, '2025-01-01T10:35:00Z'),
         (4, 3, 1, '2025-01-01T11:30:00Z'),
         (5, 2, 1, '2025-01-02T09:00:00Z'),
         (6, 1, 1, '2025-01-02T09:29:59.999Z'),
         (7, 3, 1, '2025-01-01T09:00:00Z'),
         (8, 2, 1, '2025-01-02T09:59:59.999Z')`,
    );
  });

  afterAll(async () => {
    await client?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client?.end();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  let seq = 0;
  const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');

  it('reads books and orders; orders less than the gap apart form one basket', async () => {
    const dir = join(root, `ok${++seq}`);
    const out = await importPostgres(dir, { url: TEST_POSTGRES_URL, schema, sessionGapMinutes: 30 });
    // In time order: 09:00 alone (an hour before the next); 10:00, 10:10, 10:35 (book 1 twice: qty
    // 1 + 2); 11:30 alone; next day 09:00 and 09:29:59.999; 09:59:59.999 is exactly 30 min after.
    expect(out.report).toEqual({ orders: 8, baskets: 5, lines: 7, skippedRows: 0 });
    expect(out.counts).toEqual({ books: 3, customers: 5, orders: 5, orderLines: 7 });
    expect(out.itemIdKind).toBe('int');
    expect(read(dir, 'books.csv')).toBe(
      'id,title,author,genre,price\n1,Dune,Frank Herbert,,9.99\n2,"Emma, a Novel",Jane Austen,,5.5\n3,Ulysses,James Joyce,,\n',
    );
    expect(read(dir, 'customers.csv')).toBe('id\n1\n2\n3\n4\n5\n');
    expect(read(dir, 'orders.csv')).toBe(
      [
        'id,customer_id,created_at',
        '1,1,2025-01-01T09:00:00Z',
        '2,2,2025-01-01T10:00:00Z',
        '3,3,2025-01-01T11:30:00Z',
        '4,4,2025-01-02T09:00:00Z',
        '5,5,2025-01-02T09:59:59.999Z',
        '',
      ].join('\n'),
    );
    expect(read(dir, 'order_lines.csv')).toBe(
      [
        'order_id,book_id,qty,price',
        '1,3,1,',
        '2,1,3,9.99',
        '2,2,1,5.5',
        '3,3,1,',
        '4,2,1,5.5',
        '4,1,1,9.99',
        '5,2,1,5.5',
        '',
      ].join('\n'),
    );
    const { interactions, catalogue } = await loadDataset(dir);
    expect(interactions.nBaskets).toBe(5);
    expect(interactions.length).toBe(7);
    expect(catalogue.title).toEqual(['Dune', 'Emma, a Novel', 'Ulysses']);
  });

  it('a longer gap merges sessions', async () => {
    const out = await importPostgres(join(root, `gap${++seq}`), {
      url: TEST_POSTGRES_URL,
      schema,
      sessionGapMinutes: 120,
    });
    expect(out.report).toMatchObject({ orders: 8, baskets: 2 });
  });

  it('reports progress in orders', async () => {
    const seen: Array<[number, number]> = [];
    await importPostgres(join(root, `p${++seq}`), {
      url: TEST_POSTGRES_URL,
      schema,
      onProgress: (d, t) => seen.push([d, t]),
    });
    expect(seen.at(-1)).toEqual([8, 8]);
  });

  describe('with an order of a book the books table lacks', () => {
    beforeAll(async () => {
      await client.query(
        `INSERT INTO orders (id, book_id, qty, created_at) VALUES (10, 42, 1, '2025-01-05T00:00:00Z')`,
      );
    });
    afterAll(async () => {
      await client.query('DELETE FROM orders WHERE id = 10');
    });

    it('keeps the line and leaves the book out of books.csv, for validate to flag', async () => {
      const dir = join(root, `unknown${++seq}`);
      const out = await importPostgres(dir, { url: TEST_POSTGRES_URL, schema });
      expect(out.report).toMatchObject({ orders: 9, baskets: 6, lines: 8 });
      expect(read(dir, 'books.csv').split('\n')).toHaveLength(5);
      expect(read(dir, 'order_lines.csv')).toContain('\n6,42,1,\n');
      const { issues } = await loadDataset(dir);
      expect(issues).toMatchObject({ unknownBookLines: 1, unknownBooks: 1, catalogueBooks: 3 });
    });
  });

  describe('with a bad order', () => {
    beforeAll(async () => {
      await client.query(
        `INSERT INTO orders (id, book_id, qty, created_at) VALUES (9, 2, 0, '2025-01-03T00:00:00Z')`,
      );
    });
    afterAll(async () => {
      await client.query('DELETE FROM orders WHERE id = 9');
    });

    it('fails naming the row, the column and the order id', async () => {
      await expect(
        importPostgres(join(root, `bad${++seq}`), { url: TEST_POSTGRES_URL, schema }),
      ).rejects.toMatchObject({
        code: 'DATA_BAD_ROW',
        field: 'qty',
        line: 9,
        message: expect.stringContaining('(order id 9)'),
      });
    });

    it('--on-bad-row skip counts it', async () => {
      const out = await importPostgres(join(root, `skip${++seq}`), {
        url: TEST_POSTGRES_URL,
        schema,
        onBadRow: 'skip',
      });
      expect(out.report).toEqual({ orders: 9, baskets: 5, lines: 7, skippedRows: 1 });
    });
  });

  it('names a missing table', async () => {
    await expect(
      importPostgres(join(root, `none${++seq}`), { url: TEST_POSTGRES_URL, schema: `${schema}_missing` }),
    ).rejects.toMatchObject({ code: 'DATA_BAD_SOURCE', field: 'books' });
  });

  it('an unreachable server is retryable and its password is never shown', async () => {
    const url = 'postgres://app:s3cret@127.0.0.1:1/shop';
    const err = await importPostgres(join(root, `down${++seq}`), { url }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DATA_SOURCE_UNAVAILABLE', retryable: true, status: 503 });
    expect(String((err as Error).message)).not.toContain('s3cret');
    expect(redactUrl(url)).toBe('postgres://app@127.0.0.1:1/shop');
  });

  it('rejects a session gap that is not a positive number', async () => {
    await expect(
      importPostgres(join(root, `g${++seq}`), { url: TEST_POSTGRES_URL, schema, sessionGapMinutes: 0 }),
    ).rejects.toMatchObject({ code: 'DATA_BAD_OPTION', field: '--session-gap' });
  });
});
