import type { Client } from 'pg';
import { DatasetRows } from './dataset-rows.js';
import { DatasetFilesWriter, type WrittenFiles } from './dataset-writer.js';
import {
  DataBadOptionError,
  DataBadRowError,
  DataBadSourceError,
  DataSourceUnavailableError,
} from './errors.js';
import type { Book } from './schema.js';
import { SessionSplitter } from './session-baskets.js';

/**
 * The Bookstore app's own PostgreSQL tables as a source: `books(id, title, author, price)` and
 * `orders(id, book_id, qty, created_at)`, one row per purchased book and no customer.
 *
 * Basket proxy: orders are read in created_at order, and consecutive orders less than
 * `sessionGapMinutes` apart form one basket (a shopping session). Each basket becomes one order of
 * its own synthetic customer (ids 1, 2, … for both), since the app records no identity; the same
 * book twice in a session becomes one line with the quantities added. The proxy is only as good
 * as the gap is short against the shop's traffic: on a busy shop, sessions of different people
 * merge, so pick a gap below the usual time between two customers' orders.
 */
export interface PostgresImportOptions {
  /** Connection string, `postgres://user@host:5432/db`. Never echoed with its password. */
  url: string;
  /** Schema holding `books` and `orders`. @default the connection's search_path */
  schema?: string;
  /** Orders closer than this, in minutes, share a basket. @default 30 */
  sessionGapMinutes?: number;
  /** `fail`: a bad order row throws `DATA_BAD_ROW`; `skip`: it is counted and left out. @default 'fail' */
  onBadRow?: 'fail' | 'skip';
  /** Orders read so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** What the import read. */
export interface PostgresImportReport {
  orders: number;
  baskets: number;
  lines: number;
  skippedRows: number;
}

const FETCH = 10_000;

/** A connection string without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'the PostgreSQL URL';
  }
}

/**
 * Read the Bookstore's tables into the four dataset files in `dir` (orders through a cursor, so
 * memory does not grow with the table).
 * @example await importPostgres(dir, { url: 'postgres://postgres@127.0.0.1/test', sessionGapMinutes: 30 });
 */
export async function importPostgres(
  dir: string,
  opts: PostgresImportOptions,
): Promise<WrittenFiles & { report: PostgresImportReport }> {
  const gapMin = opts.sessionGapMinutes ?? 30;
  if (!(gapMin > 0) || !Number.isFinite(gapMin)) {
    throw new DataBadOptionError('--session-gap', `must be a number of minutes > 0, got ${gapMin}`);
  }
  const { default: pg } = await import('pg');
  const where = redactUrl(opts.url);
  const client: Client = new pg.Client({ connectionString: opts.url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (e) {
    throw new DataSourceUnavailableError(`PostgreSQL at ${where}`, (e as Error).message, e);
  }
  const w = new DatasetFilesWriter(dir);
  try {
    if (opts.schema !== undefined) await client.query(`SET search_path TO ${quoteIdent(opts.schema)}`);
    for (const table of ['books', 'orders']) {
      const r = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]);
      if (r.rows[0].t === null) {
        throw new DataBadSourceError(
          table,
          `table "${table}" not found${opts.schema ? ` in schema "${opts.schema}"` : ''} at ${where}: bookml reads books(id,title,author,price) and orders(id,book_id,qty,created_at)`,
        );
      }
    }
    const books = await client.query<{
      id: string;
      title: string | null;
      author: string | null;
      price: number | null;
    }>('SELECT id::text AS id, title, author, price::float8 AS price FROM books ORDER BY id');
    const catalogue: Book[] = books.rows.map((b) => ({
      id: b.id,
      title: b.title ?? '',
      author: b.author ?? '',
      genre: '',
      price: b.price ?? Number.NaN,
    }));
    const priceOf = new Map(catalogue.map((b) => [b.id, Number.isFinite(b.price) ? String(b.price) : '']));
    const rows = new DatasetRows(w, catalogue);
    const total = (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM orders')).rows[0].n;
    const report: PostgresImportReport = { orders: 0, baskets: 0, lines: 0, skippedRows: 0 };

    const sessions = new SessionSplitter(gapMin);
    let current = -1;
    let basketStart = 0;
    let basket = new Map<string, number>();
    const flush = (): void => {
      if (basket.size === 0) return;
      const id = String(++report.baskets);
      for (const [book, qty] of basket) rows.addLine(id, book, basketStart, qty, priceOf.get(book) ?? '', id);
      report.lines += basket.size;
      basket = new Map();
    };

    await client.query('BEGIN READ ONLY');
    await client.query(
      `DECLARE bookml_orders NO SCROLL CURSOR FOR
       SELECT id::text AS id, book_id::text AS book_id, qty, (extract(epoch FROM created_at) * 1000)::float8 AS t
       FROM orders ORDER BY created_at, id`,
    );
    for (;;) {
      const batch = await client.query<{
        id: string;
        book_id: string | null;
        qty: number | null;
        t: number | null;
      }>(`FETCH ${FETCH} FROM bookml_orders`);
      for (const o of batch.rows) {
        const row = ++report.orders;
        const fault =
          o.book_id === null
            ? ['book_id', 'is null']
            : o.t === null
              ? ['created_at', 'is null']
              : o.qty === null || !Number.isInteger(o.qty) || o.qty <= 0
                ? ['qty', `is not a positive integer (${o.qty})`]
                : undefined;
        if (fault) {
          if (opts.onBadRow !== 'skip')
            throw new DataBadRowError('orders', row, fault[0], `${fault[1]} (order id ${o.id})`);
          report.skippedRows++;
          continue;
        }
        const b = sessions.next(o.t!);
        if (b !== current) {
          flush();
          current = b;
          basketStart = o.t!;
        }
        basket.set(o.book_id!, (basket.get(o.book_id!) ?? 0) + o.qty!);
      }
      opts.onProgress?.(report.orders, total);
      if (w.blocked) await w.ready();
      if (batch.rows.length < FETCH) break;
    }
    flush();
    await client.query('COMMIT');
    await rows.finish();
    const written = await w.close(rows.itemIdKind());
    return { ...written, report };
  } catch (e) {
    await w.destroy();
    if (e instanceof Error && 'severity' in e) {
      throw new DataBadSourceError('source', `PostgreSQL at ${where} refused a query: ${e.message}`);
    }
    throw e;
  } finally {
    await client.end().catch(() => {});
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
