import { describe, expect, it } from 'vitest';
import { compileOrderBy, compileRunFilter, type FilterableRun } from './run-filter.js';

const run = (ndcg: number | undefined, k: string, status: string, start: number): FilterableRun => ({
  metrics: ndcg === undefined ? {} : { ndcg },
  params: { k },
  tags: { 'mlflow.runName': `k${k}` },
  attributes: { status, start_time: start, run_id: `r${start}` },
});

describe('run filter', () => {
  const a = run(0.4, '50', 'FINISHED', 1);
  const b = run(0.2, '20', 'RUNNING', 2);
  const c = run(undefined, '10', 'FINISHED', 3);

  it('supports MLflow clauses joined by and', () => {
    expect([a, b, c].filter(compileRunFilter("metrics.ndcg > 0.3 and params.k = '50'"))).toEqual([a]);
    expect([a, b, c].filter(compileRunFilter("attributes.status = 'FINISHED'"))).toEqual([a, c]);
    expect(
      [a, b, c].filter(compileRunFilter("tags.`mlflow.runName` LIKE 'k%0' and params.k != '10'")),
    ).toEqual([a, b]);
    expect([a, b, c].filter(compileRunFilter("params.k ILIKE '5_'"))).toEqual([a]);
    expect([a, b, c].filter(compileRunFilter(''))).toEqual([a, b, c]);
  });

  it('rejects what it cannot do, naming the clause', () => {
    expect(() => compileRunFilter("metrics.ndcg > 0.3 or params.k = '1'")).toThrow(/only "and"/);
    expect(() => compileRunFilter("metrics.ndcg = 'x'")).toThrow(/must compare with a number/);
    expect(() => compileRunFilter('params.k = 5')).toThrow(/quoted string/);
    expect(() => compileRunFilter('bogus')).toThrow(/filter clause "bogus"/);
  });

  it('orders by metrics with missing values last, then newest first', () => {
    expect([c, b, a].sort(compileOrderBy(['metrics.ndcg DESC'])).map((r) => r.attributes.run_id)).toEqual([
      'r1',
      'r2',
      'r3',
    ]);
    expect([a, b, c].sort(compileOrderBy(['metrics.ndcg ASC'])).map((r) => r.attributes.run_id)).toEqual([
      'r2',
      'r1',
      'r3',
    ]);
    expect([a, b, c].sort(compileOrderBy([])).map((r) => r.attributes.run_id)).toEqual(['r3', 'r2', 'r1']);
    expect(() => compileOrderBy(['ndcg'])).toThrow(/order_by/);
  });
});
