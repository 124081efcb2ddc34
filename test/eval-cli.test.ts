import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerEvalCommand } from '../src/cli/commands/eval.js';
import { registerTuneCommand } from '../src/cli/commands/tune.js';
import { Rng } from '../src/core/index.js';
import { runInProcess } from './fixtures/cli.js';

/**
 * `bookml eval` through real argv strings, on a dataset folder written here: 400 customers with a
 * taste for one of 5 genres (books i % 5), 3 orders of 2 books each, Zipf-ish within a genre.
 * Co-purchase carries signal, so item-kNN must beat most-popular with a margin.
 */
function writeDataset(dir: string): void {
  const rng = new Rng(3);
  const books = ['id,title,author,genre,price'];
  for (let i = 1; i <= 100; i++) books.push(`${i},Book ${i},Author ${i % 7},g${i % 5},10`);
  const customers = ['id'];
  const orders = ['id,customer_id,created_at'];
  const lines = ['order_id,book_id,qty,price'];
  let order = 0;
  for (let c = 1; c <= 400; c++) {
    customers.push(String(c));
    const genre = rng.int(5);
    for (let t = 0; t < 3; t++) {
      order++;
      const day = String(1 + t * 9 + (c % 9)).padStart(2, '0');
      orders.push(`${order},${c},2024-03-${day}T10:00:00Z`);
      for (let j = 0; j < 2; j++) {
        const r = Math.min(19, Math.floor(Math.exp(rng.next() * Math.log(21)) - 1));
        lines.push(`${order},${r * 5 + genre + 1},1,10`);
      }
    }
  }
  writeFileSync(join(dir, 'books.csv'), `${books.join('\n')}\n`);
  writeFileSync(join(dir, 'customers.csv'), `${customers.join('\n')}\n`);
  writeFileSync(join(dir, 'orders.csv'), `${orders.join('\n')}\n`);
  writeFileSync(join(dir, 'order_lines.csv'), `${lines.join('\n')}\n`);
}

const bookml = (argv: string[]) => runInProcess(registerEvalCommand, argv);

describe('bookml eval', () => {
  let root: string;
  let data: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'bookml-eval-'));
    data = mkdtempSync(join(root, 'shop-'));
    writeDataset(data);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const base = () => [
    '--home',
    join(root, 'ws'),
    'eval',
    '--dataset',
    data,
    '--resamples',
    '200',
    '--threads',
    '1',
  ];

  it('--json: item-kNN beats both baselines on NDCG@10 with a CI excluding 0', async () => {
    const { stdout, error } = await bookml([...base(), '--json']);
    expect(error).toBeUndefined();
    const out = JSON.parse(stdout);
    expect(out.split).toMatchObject({ kind: 'last-basket', keepRepeats: false, lines: 2400 });
    expect(out.report.model).toBe('item-knn');
    expect(out.report.recommenders.map((r: { name: string }) => r.name)).toEqual([
      'item-knn',
      'most-popular',
      'random',
    ]);
    for (const c of out.report.comparisons) expect(c.metrics.ndcg.verdict).toBe('better');
    expect(out.metrics.ndcg_at_10).toBe(out.report.recommenders[0].metrics.ndcg.mean);
  });

  it('text: a metric × recommender table and verdict lines', async () => {
    const { stdout, error } = await bookml([...base(), '--split', 'time', '--cut', '0.3', '-k', '5']);
    expect(error).toBeUndefined();
    expect(stdout).toMatch(/^metric\s+item-knn\s+most-popular\s+random$/m);
    expect(stdout).toMatch(/^NDCG@5\s+\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]/m);
    expect(stdout).toMatch(
      /^item-knn vs most-popular: NDCG@5 [+-]\d\.\d{3} \[[+-]\d\.\d{3}, [+-]\d\.\d{3}\] — /m,
    );
  });

  it('--split leave-last-out and every trainer option: one held-out book per customer', async () => {
    const { stdout, error } = await bookml([
      ...base(),
      '--json',
      '--split',
      'leave-last-out',
      '--similarity',
      'conditional',
      '--alpha',
      '0.3',
      '--shrinkage',
      '5',
      '--min-co-count',
      '2',
      '--heavy-buyer-beta',
      '0.5',
      '--half-life-days',
      '30',
      '--unit',
      'basket',
      '--neighbours',
      '30',
    ]);
    expect(error).toBeUndefined();
    const out = JSON.parse(stdout);
    expect(out.split).toMatchObject({ kind: 'leave-last-out', keepRepeats: false });
    expect(out.params).toMatchObject({
      similarity: 'conditional',
      alpha: 0.3,
      shrinkage: 5,
      minCoCount: 2,
      heavyBuyerBeta: 0.5,
      halfLifeDays: 30,
      unit: 'basket',
      k: 30,
    });
    // one relevant item per customer: HitRate equals Recall.
    const [m] = out.report.recommenders;
    expect(m.metrics.hitRate.mean).toBeCloseTo(m.metrics.recall.mean, 12);
    expect(m.metrics.ndcg).toMatchObject({ mean: expect.any(Number), low: expect.any(Number) });
  });

  it('bookml tune --json: {best: {params, validation}, test, trials}; pinned options stay put', async () => {
    const tune = (argv: string[]) => runInProcess(registerTuneCommand, argv);
    const argv = ['--home', join(root, 'ws'), 'tune', '--dataset', data, '--trials', '6', '--seed', '3'];
    const { stdout, error } = await tune([
      ...argv,
      '--resamples',
      '100',
      '--threads',
      '1',
      '--unit',
      'customer',
      '--json',
    ]);
    expect(error).toBeUndefined();
    const out = JSON.parse(stdout);
    expect(out.best).toMatchObject({
      params: { unit: 'customer' },
      validation: { ndcg_at_10: expect.any(Number) },
    });
    for (const key of ['ndcg_at_10', 'hit_rate_at_10', 'mrr_at_10', 'ndcg_at_10_vs_most-popular_low']) {
      expect(out.test[key]).toEqual(expect.any(Number));
    }
    expect(out.trials).toHaveLength(6);
    for (const t of out.trials) expect(t.params.unit).toBe('customer');
    expect(out.split.rule).toBe('leave-last-out');
    expect(out.report.recommenders.map((r: { name: string }) => r.name)).toEqual([
      'tuned',
      'plain-cosine',
      'most-popular',
    ]);
    const text = await tune([...argv, '--resamples', '100', '--threads', '1', '--split', 'last-basket']);
    expect(text.error).toBeUndefined();
    expect(text.stdout).toMatch(/^tuned\s+\d\.\d{4} \[/m);
    expect(text.stdout).toMatch(/^tuned − most-popular: NDCG@10 [+-]\d\.\d{4} \[/m);
    const bad = await tune([...argv, '--trials', '0']);
    expect(bad.error).toMatchObject({ code: 'TUNE_BAD_OPTIONS' });
  });

  it('bad flags fail with a code before any loading or training', async () => {
    for (const [argv, code] of [
      [['--cut', '0.2'], 'EVAL_BAD_SPLIT'],
      [['--split', 'time', '--cut', 'yesterday'], 'EVAL_BAD_SPLIT'],
      [['-k', '30'], 'CLI_USAGE'],
      [['--resamples', '3'], 'EVAL_BAD_BOOTSTRAP'],
      [['--split', 'leave-last-out', '--cut', '0.2'], 'EVAL_BAD_SPLIT'],
    ] as const) {
      const { error } = await bookml([...base(), ...argv]);
      expect(error).toMatchObject({ code });
    }
  });
});
