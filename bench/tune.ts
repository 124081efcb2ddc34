import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastJson, printTable, runProcess } from './measure.js';
import { repoRoot } from './paths.js';

/**
 * `npm run bench -- tune [--trials N] [--lines N] [--threads N]`: `bookml tune` as a user runs it, a
 * whole process, on a synthetic Bookstore of 100,000 order lines (leave-last-out, 60 trials by
 * default). The budget: under 60 s on this machine.
 */
export async function benchTune(args: string[]): Promise<object> {
  const arg = (name: string, dflt: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const trials = arg('--trials', 60);
  const lines = arg('--lines', 100_000);
  const threads = arg('--threads', 2);
  const home = mkdtempSync(join(tmpdir(), 'bookml-bench-tune-'));
  const cli = join(repoRoot, 'dist', 'cli', 'main.js');
  try {
    const gen = await runProcess(process.execPath, [
      cli,
      '--home',
      home,
      'data',
      'generate',
      '--customers',
      '10000',
      '--books',
      '2000',
      '--lines',
      String(lines),
      '--json',
    ]);
    const dataset = lastJson<{ counts: { orderLines: number; books: number; customers: number } }>(
      gen.stdout,
    );
    const run = await runProcess(process.execPath, [
      cli,
      '--home',
      home,
      'tune',
      '--split',
      'leave-last-out',
      '--trials',
      String(trials),
      '--seed',
      '42',
      '--threads',
      String(threads),
      '--json',
    ]);
    const r = lastJson<{
      best: { params: Record<string, unknown>; validation: Record<string, number> };
      test: Record<string, number>;
      split: { validationUsers: number; testUsers: number };
    }>(run.stdout);
    const result = {
      lines: dataset.counts.orderLines,
      books: dataset.counts.books,
      customers: dataset.counts.customers,
      trials,
      threads,
      wall_s: run.wallS,
      peak_mib: run.peakMiB,
      budget_s: 60,
      within_budget: run.wallS < 60,
      best: r.best,
      test_ndcg_at_10: r.test.ndcg_at_10,
      test_ndcg_at_10_vs_most_popular: r.test['ndcg_at_10_vs_most-popular'],
      test_ndcg_at_10_vs_plain_cosine: r.test['ndcg_at_10_vs_plain-cosine'],
    };
    console.log(
      `\ntune: whole-process wall time of \`bookml tune --split leave-last-out --trials ${trials}\``,
    );
    printTable(
      [
        'lines',
        'books',
        'trials',
        'threads',
        'wall s',
        'peak MiB',
        '< 60 s',
        'val NDCG@10',
        'test NDCG@10',
        'vs popular',
      ],
      [
        [
          result.lines,
          result.books,
          trials,
          threads,
          result.wall_s.toFixed(2),
          (result.peak_mib ?? 0).toFixed(0),
          result.within_budget ? 'yes' : 'NO',
          r.best.validation.ndcg_at_10.toFixed(4),
          result.test_ndcg_at_10.toFixed(4),
          result.test_ndcg_at_10_vs_most_popular.toFixed(4),
        ],
      ],
    );
    return result;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
