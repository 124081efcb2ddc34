import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLinesCsv } from './lines-csv.js';
import { lastJson, printTable, runProcess } from './measure.js';
import { repoRoot } from './paths.js';

/**
 * `npm run bench -- train --scale [--sizes 2M,20M,100M] [--shards N] [--shard-sizes 2M,20M] [--books B]
 * [--source csv|dataset]`: training as the data grows. Each size is generated to a temp folder (deleted
 * after): `csv` (default) a plain customer_id,book_id file (`lines-csv.ts`, trained with `--input`),
 * `dataset` the full Bookstore of `bookml data generate --lines` (streamed; far slower to write and to
 * load). Then trained as whole processes — unsharded, and (with `--shards N`, default 2, 0 to
 * skip) as N separate `train --shard I/N` processes run one after another plus `model merge`, whose
 * bundle is checked byte-identical to the unsharded one. Wall time and peak RSS per process (GNU time).
 * Customers grow with the lines (20 lines each), so each customer's basket history stays the same size.
 */

const LINES_PER_CUSTOMER = 20;
const CREATED_AT = '2026-01-01T00:00:00.000Z';

interface ProcessFigures {
  wall_s: number;
  peak_mib: number | null;
  load_s?: number;
  train_s?: number;
}

interface ScaleRow {
  lines: number;
  customers: number;
  books: number;
  generate: ProcessFigures & { disk_mib: number };
  unsharded: ProcessFigures & { pair_updates: number; model_id: string };
  sharded: null | {
    shards: number;
    /** Every shard one after another, then the merge: what one core does; N cores run the shards at once. */
    wall_s_total: number;
    /** The slowest shard plus the merge: the wall time with one core per shard. */
    wall_s_parallel: number;
    peak_mib_per_shard: number | null;
    /**
     * The shards' load times (the slowest): with `--source dataset` the shards read the parse the
     * unsharded training left in the workspace's dataset cache; a plain CSV (`--input`) is parsed each time.
     */
    load_s_per_shard: number | null;
    merge: ProcessFigures;
    identical: boolean;
  };
}

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s.trim());
  if (m === null) throw new Error(`--sizes: cannot read "${s}" (e.g. 2M, 500k)`);
  const unit = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2]] ?? 1;
  return Math.round(Number(m[1]) * unit);
}

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();

export async function benchTrainScale(args: string[]): Promise<object> {
  const sizes = (arg(args, '--sizes') ?? '2M,20M,100M').split(',').map(parseSize);
  const shards = Number(arg(args, '--shards') ?? 2);
  const books = Number(arg(args, '--books') ?? 10_000);
  const source = arg(args, '--source') ?? 'csv';
  const shardSizes = new Set(
    (arg(args, '--shard-sizes') ?? arg(args, '--sizes') ?? '2M,20M,100M').split(',').map(parseSize),
  );
  const cli = join(repoRoot, 'dist', 'cli', 'main.js');
  const root = mkdtempSync(join(tmpdir(), 'bookml-bench-scale-'));
  const home = join(root, 'home');
  const bookml = (a: string[]) => runProcess(process.execPath, [cli, '--home', home, ...a]);
  const loads: string[] = [uptime()];
  const rows: ScaleRow[] = [];
  try {
    for (const lines of sizes) {
      const dir = join(root, `data-${lines}`);
      const customers = Math.max(1, Math.round(lines / LINES_PER_CUSTOMER));
      console.error(
        `[${new Date().toISOString()}] generating ${lines} lines (${customers} customers, ${books} books)…`,
      );
      const gen = await generate(bookml, source, dir, lines, customers, books);
      const disk = Number(execFileSync('du', ['-sm', dir], { encoding: 'utf8' }).split('\t')[0]);
      console.error(`[${new Date().toISOString()}] training ${lines} lines unsharded…`);
      const whole = join(root, `model-${lines}`);
      const data = source === 'csv' ? ['--input', join(dir, 'lines.csv')] : ['--dataset', dir];
      const ours = await bookml(['train', ...data, '--out', whole, '--created-at', CREATED_AT, '--json']);
      const report = lastJson<{
        modelId: string;
        counts: { pairUpdates: number };
        timings_s: { load: number; train: number };
      }>(ours.stdout);
      const row: ScaleRow = {
        lines,
        customers,
        books,
        generate: { wall_s: gen.wallS, peak_mib: gen.peakMiB, disk_mib: disk },
        unsharded: {
          wall_s: ours.wallS,
          peak_mib: ours.peakMiB,
          load_s: report.timings_s.load,
          train_s: report.timings_s.train,
          pair_updates: report.counts.pairUpdates,
          model_id: report.modelId,
        },
        sharded:
          shards > 0 && shardSizes.has(lines)
            ? await runShards(bookml, data, root, lines, shards, whole)
            : null,
      };
      rows.push(row);
      loads.push(uptime());
      rmSync(dir, { recursive: true, force: true });
      console.error(JSON.stringify(row));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  printScale(rows, loads);
  return {
    bench: 'train-scale',
    uptime: loads,
    lines_per_customer: LINES_PER_CUSTOMER,
    results: rows,
    growth: growth(rows),
  };
}

/** The data of one size: a plain lines CSV (`csv`) or a `bookml data generate` folder (`dataset`). */
async function generate(
  bookml: (a: string[]) => ReturnType<typeof runProcess>,
  source: string,
  dir: string,
  lines: number,
  customers: number,
  books: number,
): Promise<{ wallS: number; peakMiB: number | null }> {
  if (source === 'csv') {
    mkdirSync(dir, { recursive: true });
    const t0 = performance.now();
    writeLinesCsv(join(dir, 'lines.csv'), lines, books, LINES_PER_CUSTOMER);
    return { wallS: (performance.now() - t0) / 1000, peakMiB: null };
  }
  const a = ['--customers', String(customers), '--books', String(books), '--out', dir, '--json'];
  return bookml(['data', 'generate', '--lines', String(lines), ...a]);
}

async function runShards(
  bookml: (a: string[]) => ReturnType<typeof runProcess>,
  data: string[],
  root: string,
  lines: number,
  shards: number,
  whole: string,
): Promise<ScaleRow['sharded']> {
  const parts: string[] = [];
  const runs: ProcessFigures[] = [];
  for (let i = 1; i <= shards; i++) {
    console.error(`[${new Date().toISOString()}] training ${lines} lines, shard ${i}/${shards}…`);
    const out = join(root, `part-${lines}-${i}`);
    const r = await bookml([
      'train',
      ...data,
      '--shard',
      `${i}/${shards}`,
      '--out',
      out,
      '--created-at',
      CREATED_AT,
      '--json',
    ]);
    const t = lastJson<{ timings_s: { load: number; train: number } }>(r.stdout).timings_s;
    runs.push({ wall_s: r.wallS, peak_mib: r.peakMiB, load_s: t.load, train_s: t.train });
    parts.push(out);
  }
  const merged = join(root, `merged-${lines}`);
  const merge = await bookml(['model', 'merge', ...parts, '--out', merged, '--json']);
  const identical =
    readFileSync(join(merged, 'manifest.json'), 'utf8') ===
    readFileSync(join(whole, 'manifest.json'), 'utf8');
  for (const p of parts) rmSync(p, { recursive: true, force: true });
  const peaks = runs.map((r) => r.peak_mib ?? 0);
  return {
    shards,
    wall_s_total: runs.reduce((a, r) => a + r.wall_s, 0) + merge.wallS,
    wall_s_parallel: Math.max(...runs.map((r) => r.wall_s)) + merge.wallS,
    peak_mib_per_shard: peaks.some((p) => p > 0) ? Math.max(...peaks) : null,
    load_s_per_shard: Math.max(...runs.map((r) => r.load_s ?? 0)),
    merge: { wall_s: merge.wallS, peak_mib: merge.peakMiB },
    identical,
  };
}

/** Log-log slope between consecutive sizes: 1 is linear growth, and the growth per doubling is 2^slope. */
function growth(rows: ScaleRow[]) {
  const out = [];
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1];
    const b = rows[i];
    const slope = (x: number | null | undefined, y: number | null | undefined) =>
      x && y ? Math.log(y / x) / Math.log(b.lines / a.lines) : null;
    out.push({
      from: a.lines,
      to: b.lines,
      wall_slope: slope(a.unsharded.wall_s, b.unsharded.wall_s),
      train_slope: slope(a.unsharded.train_s, b.unsharded.train_s),
      peak_slope: slope(a.unsharded.peak_mib, b.unsharded.peak_mib),
      wall_per_doubling: 2 ** (slope(a.unsharded.wall_s, b.unsharded.wall_s) ?? 0),
      peak_per_doubling: 2 ** (slope(a.unsharded.peak_mib, b.unsharded.peak_mib) ?? 0),
    });
  }
  return out;
}

function printScale(rows: ScaleRow[], loads: string[]): void {
  const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined ? '-' : x.toFixed(d));
  console.log('\ntrain --scale: whole processes, wall time and peak RSS (GNU time); K=20, cosine');
  printTable(
    [
      'lines',
      'customers',
      'gen s',
      'gen MiB',
      'train s',
      '(load/score)',
      'peak MiB',
      'shards',
      'shard MiB',
      'shard load s',
      'Σ shards+merge s',
      '∥ s',
      'identical',
    ],
    rows.map((r) => [
      r.lines.toLocaleString('en'),
      r.customers.toLocaleString('en'),
      f(r.generate.wall_s),
      f(r.generate.peak_mib, 0),
      f(r.unsharded.wall_s),
      `${f(r.unsharded.load_s)}/${f(r.unsharded.train_s)}`,
      f(r.unsharded.peak_mib, 0),
      r.sharded ? String(r.sharded.shards) : '-',
      f(r.sharded?.peak_mib_per_shard, 0),
      f(r.sharded?.load_s_per_shard),
      f(r.sharded?.wall_s_total),
      f(r.sharded?.wall_s_parallel),
      r.sharded ? String(r.sharded.identical) : '-',
    ]),
  );
  for (const g of growth(rows))
    console.log(
      `${g.from.toLocaleString('en')} → ${g.to.toLocaleString('en')}: wall × ${f(g.wall_per_doubling, 2)} per doubling (slope ${f(g.wall_slope, 2)}), peak × ${f(g.peak_per_doubling, 2)} per doubling (slope ${f(g.peak_slope, 2)})`,
    );
  console.log('load (uptime) before and after each size:');
  for (const l of loads) console.log(`  ${l}`);
}
