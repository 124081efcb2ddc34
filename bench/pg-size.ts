import pg from 'pg';
import { printTable } from './measure.js';

/**
 * `npm run bench -- pg-size [--rows N] [--url postgres://…]`: what the Bookstore's order lines cost in
 * PostgreSQL, the source `bookml data import --pg` reads (`orders`: one row per line, as
 * `src/data/postgres-source.ts` expects). N rows (default 1,000,000) go into a throwaway schema, are
 * measured (heap, primary key, a created_at index for the import's ORDER BY) and dropped; bytes per
 * line scale linearly, so the table extrapolates to 100M lines.
 */
export async function benchPgSize(args: string[]): Promise<object> {
  const at = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const rows = Number(at('--rows') ?? 1_000_000);
  const url =
    at('--url') ?? process.env.BOOKML_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_pg_size_${process.pid}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET search_path TO ${schema}`);
    await client.query(
      'CREATE TABLE orders (id bigserial PRIMARY KEY, book_id int, qty int, created_at timestamptz)',
    );
    const t0 = performance.now();
    await client.query(
      `INSERT INTO orders (book_id, qty, created_at)
       SELECT (1 + (g::bigint * 7919) % 1000000)::int, 1, timestamptz '2025-01-01' + (g || ' seconds')::interval
       FROM generate_series(1, $1::int) g`,
      [rows],
    );
    await client.query('CREATE INDEX orders_created_at ON orders (created_at, id)');
    await client.query('VACUUM ANALYZE orders');
    const loadS = (performance.now() - t0) / 1000;
    const size = (
      await client.query<{ heap: string; pkey: string; idx: string; total: string }>(
        `SELECT pg_relation_size('orders') AS heap, pg_relation_size('orders_pkey') AS pkey,
                pg_relation_size('orders_created_at') AS idx, pg_total_relation_size('orders') AS total`,
      )
    ).rows[0];
    const per = (x: string) => Number(x) / rows;
    const result = {
      rows,
      load_s: loadS,
      bytes_per_line: {
        heap: per(size.heap),
        primary_key: per(size.pkey),
        created_at_index: per(size.idx),
        total: per(size.total),
      },
      gib_at_100m_lines: (per(size.total) * 1e8) / 2 ** 30,
    };
    console.log(
      `\npg-size: the Bookstore's orders table (one row per order line), ${rows.toLocaleString('en')} rows`,
    );
    printTable(
      [
        'heap B/line',
        'pkey B/line',
        'created_at idx B/line',
        'total B/line',
        'GiB at 100M lines',
        'insert+index s',
      ],
      [
        [
          per(size.heap).toFixed(1),
          per(size.pkey).toFixed(1),
          per(size.idx).toFixed(1),
          per(size.total).toFixed(1),
          result.gib_at_100m_lines.toFixed(1),
          loadS.toFixed(1),
        ],
      ],
    );
    return { bench: 'pg-size', ...result };
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await client.end();
  }
}
