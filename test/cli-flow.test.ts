import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltResult, groceriesCsv, hasBuiltBin, runBuilt } from './fixtures/cli.js';

/**
 * The whole loop through the built `bookml` binary, as a user types it: generate → import
 * groceries → validate → train → eval → recommend, each with `--json`, in a fresh workspace.
 */
const groceries = groceriesCsv;

describe.skipIf(!hasBuiltBin)('bookml CLI loop (built binary)', () => {
  let home: string;
  const bookml = (...args: string[]): BuiltResult => runBuilt(args, { home });
  // biome-ignore lint/suspicious/noExplicitAny: parsed CLI output, checked field by field
  const json = (...args: string[]): any => {
    const r = bookml(...args, '--json');
    expect(r.stderr, r.stderr).not.toMatch(/^error/m);
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout);
  };

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'bookml-flow-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('generates, trains and recommends books bought together, with titles', () => {
    const ds = json('data', 'generate');
    expect(ds.counts).toMatchObject({ books: 200, customers: 800, orders: 5000 });
    const report = json('data', 'validate');
    expect(report.pass).toBe(true);
    const model = json('train');
    expect(model.dataset.hash).toBe(ds.hash);
    expect(model.params).toMatchObject({ similarity: 'cosine', k: 20 });
    // The bundle lives in the artifact store; the workspace keeps only a pointer to it.
    expect(model.artifact.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(model.artifact.uri).toMatch(/^file:\/\/.*\/artifacts\/sha256\//);
    expect(model.model).toBe(model.artifact.uri);
    expect(readdirSync(join(home, 'models'))).toEqual(['latest.json']);
    expect(JSON.parse(readFileSync(join(home, 'models', 'latest.json'), 'utf8'))).toMatchObject({
      sha256: model.artifact.sha256,
      modelId: model.modelId,
      uri: model.artifact.uri,
    });

    const rec = json('recommend', '--book', '17', '-k', '5');
    expect(rec.model).toBe(model.modelId);
    expect(rec.fallback).toBe(false);
    expect(rec.recommendations).toHaveLength(5);
    for (const r of rec.recommendations) {
      expect(r.book_id).not.toBe(17);
      expect(typeof r.title).toBe('string');
      expect(typeof r.author).toBe('string');
    }
    const scores = rec.recommendations.map((r: { score: number }) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);

    const table = bookml('recommend', '--book', '17', '-k', '5');
    expect(table.status).toBe(0);
    expect(table.stdout).toContain(rec.recommendations[0].title);
  });

  it('answers an unknown book from popularity, flagged, and refuses k beyond K', () => {
    const unknown = json('recommend', '--book', '999999', '-k', '3');
    expect(unknown.fallback).toBe(true);
    expect(unknown.recommendations).toHaveLength(3);

    const tooMany = bookml('recommend', '--book', '17', '-k', '500', '--json');
    expect(tooMany.status).toBe(2);
    expect(JSON.parse(tooMany.stdout).error).toMatchObject({ code: 'MODEL_K_OUT_OF_RANGE', field: 'k' });
    const human = bookml('recommend', '--book', '17', '-k', '0');
    expect(human.status).toBe(2);
    expect(human.stderr).toMatch(/^error MODEL_K_OUT_OF_RANGE: /);
    expect(human.stderr).not.toMatch(/\n\s+at /);
  });

  it('evaluates item-kNN against both baselines with confidence intervals', () => {
    const ev = json('eval', '--resamples', '200');
    const text = JSON.stringify(ev);
    expect(text).toContain('most-popular');
    expect(text).toContain('random');
    expect(text).toMatch(/NDCG@10|ndcg/i);
  });

  it.skipIf(!existsSync(groceries))(
    'imports groceries.csv as it is, with a mapping only, and trains on string ids',
    () => {
      const ds = json(
        'data',
        'import',
        groceries,
        '--map',
        'customer=transaction_number,item=items,time=date',
        '--date-format',
        'DD-MM-YYYY',
      );
      expect(ds.counts.orderLines).toBeGreaterThan(30_000);
      json('train');
      const rec = json('recommend', '--book', 'whole milk', '-k', '3');
      expect(rec.fallback).toBe(false);
      expect(rec.recommendations).toHaveLength(3);
      expect(typeof rec.recommendations[0].book_id).toBe('string');
    },
  );
});
