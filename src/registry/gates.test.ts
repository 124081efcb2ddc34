import { describe, expect, it } from 'vitest';
import { describeFailures, runGates } from './gates.js';
import { DEFAULT_POLICY, parsePolicy } from './policy.js';
import type { VersionRecord } from './types.js';

function version(
  n: number,
  metrics: Record<string, number>,
  extra: Partial<VersionRecord> = {},
): VersionRecord {
  return {
    model: 'm',
    version: n,
    status: 'READY',
    statusMessage: null,
    artifactUri: 'file:///m',
    artifactHash: null,
    sourceRun: null,
    sourceNode: null,
    trackingRun: null,
    metrics,
    params: {},
    tags: {},
    description: null,
    lineage: { dataset: { uri: 'u', hash: 'h', validation: { pass: true, checks: [] } } },
    gates: {},
    aliases: [],
    stage: null,
    createdAt: 0,
    updatedAt: 0,
    createdBy: null,
    ...extra,
  };
}

const fair = {
  long_tail_exposure: 0.3,
  exposure_gini_book: 0.7,
  exposure_gini_author: 0.74,
  exposure_gini_genre: 0.52,
};
const good = {
  ndcg_at_10: 0.3,
  'ndcg_at_10_vs_most-popular': 0.1,
  coverage: 0.2,
  latency_p99_ms: 1,
  ...fair,
};
const run = (candidate: VersionRecord, production?: VersionRecord, policy = DEFAULT_POLICY) =>
  runGates({ policy, alias: 'staging', candidate, production, evidence: {}, now: 1, actor: 't' });

describe('gates', () => {
  it('runs all seven by default and passes a good first candidate', async () => {
    const ev = await run(version(1, good));
    expect(ev.results.map((r) => r.gate)).toEqual([
      'metric_threshold',
      'beat_baseline',
      'no_regression',
      'data_quality',
      'latency',
      'coverage',
      'fairness',
    ]);
    expect(ev.passed).toBe(true);
  });

  it('fairness: a most-popular-only model (no tail, concentrated exposure) is blocked', async () => {
    // The synthetic Bookstore's most-popular lists, as `src/eval` measures them.
    const popular = {
      long_tail_exposure: 0,
      exposure_gini_book: 0.936,
      exposure_gini_author: 0.944,
      exposure_gini_genre: 0.785,
    };
    const enforced = parsePolicy({ gates: { fairness: { enforce: true } } });
    const ev = await run(version(1, { ...good, ...popular }), undefined, enforced);
    const f = ev.results.find((r) => r.gate === 'fairness')!;
    expect(f).toMatchObject({ passed: false, value: 4, op: '<=', threshold: 0 });
    expect(f.advisory).toBeUndefined();
    expect(f.detail).toContain('long-tail exposure 0 ≥ 0.0500 FAILED');
    expect(f.detail).toContain('Gini by genre 0.7850 ≤ 0.7000 FAILED');
    expect(ev.passed).toBe(false);
    expect(describeFailures(ev)).toMatch(/^fairness: /);
    // Thresholds come from the policy like the other gates'.
    const lax = parsePolicy({
      gates: {
        fairness: { enforce: true, minLongTailShare: 0, maxGiniBook: 1, maxGiniAuthor: 1, maxGiniGenre: 1 },
      },
    });
    expect((await run(version(1, { ...good, ...popular }), undefined, lax)).passed).toBe(true);
  });

  it('fairness: by default the gate is advisory — measured, stored and shown, but it blocks nothing', async () => {
    const popular = { long_tail_exposure: 0, exposure_gini_book: 0.936 };
    const ev = await run(version(1, { ...good, ...popular }));
    const f = ev.results.find((r) => r.gate === 'fairness')!;
    expect(f).toMatchObject({ passed: false, advisory: true, value: 2 });
    expect(f.detail).toContain('(advisory: set gates.fairness.enforce to block)');
    expect(ev.passed).toBe(true);
    expect(describeFailures(ev)).toBe('');
  });

  it('fairness: a version without exposure is measured through the evidence callback', async () => {
    const { long_tail_exposure: _t, exposure_gini_book: _b, ...bare } = good;
    const measureExposure = async () => ({
      metrics: { long_tail_exposure: 0.01, exposure_gini_book: 0.95 },
      notApplicable: {
        author: 'no book in the catalogue has an author',
        genre: 'no book in the catalogue has a genre',
      },
    });
    const ev = await runGates({
      policy: parsePolicy({ gates: { fairness: { enforce: true } } }),
      alias: 'staging',
      candidate: version(1, bare),
      production: undefined,
      evidence: { measureExposure },
      now: 1,
      actor: 't',
    });
    const f = ev.results.find((r) => r.gate === 'fairness')!;
    expect(f).toMatchObject({ passed: false, value: 2, evidence: 'measured' });
    expect(f.detail).toContain('Gini by author not applicable: no book in the catalogue has an author');
  });

  it('fairness: a grouping the data lacks is "not applicable" with its reason, never a pass of it', async () => {
    const { exposure_gini_author: _a, exposure_gini_genre: _g, ...bookOnly } = good;
    const lineage = {
      ...version(1, {}).lineage,
      evaluation: { fairness: { notApplicable: { author: 'no book in the catalogue has an author' } } },
    };
    const ev = await run(version(1, bookOnly, { lineage }));
    const f = ev.results.find((r) => r.gate === 'fairness')!;
    expect(f.passed).toBe(true);
    expect(f.detail).toContain('Gini by author not applicable: no book in the catalogue has an author');
    expect(f.detail).toContain('Gini by genre not applicable: the version records no "exposure_gini_genre"');
    // Without the lists' own exposure (long tail, by book) the gate cannot check: it fails closed.
    const { long_tail_exposure: _t, ...noTail } = good;
    const closed = (await run(version(1, noTail))).results.find((r) => r.gate === 'fairness')!;
    expect(closed).toMatchObject({ passed: false, value: null });
    expect(closed.detail).toContain(
      'cannot check: the version has no "long_tail_exposure" metric and no evaluator',
    );
  });

  it('fails closed when a gate cannot be measured, saying what is missing', async () => {
    const ev = await run(version(1, { ndcg_at_10: 0.3 }, { lineage: {} }));
    expect(ev.passed).toBe(false);
    expect(describeFailures(ev)).toContain('beat_baseline: cannot check: needs metrics');
    expect(describeFailures(ev)).toContain(
      'data_quality: cannot check: the version records no dataset validation report',
    );
    expect(describeFailures(ev)).toContain('latency: cannot check');
    expect(describeFailures(ev)).toContain('coverage: cannot check');
  });

  it('compares with production only on the same evaluation, and reports the numbers', async () => {
    const prod = version(1, { ...good, ndcg_at_10: 0.4 });
    const ev = await run(version(2, good), prod);
    expect(ev.results.find((r) => r.gate === 'no_regression')).toMatchObject({
      passed: false,
      value: 0.3,
      threshold: expect.closeTo(0.38, 9),
    });
    const other = version(2, good, {
      lineage: { dataset: { uri: 'u', hash: 'other', validation: { pass: true } } },
    });
    expect((await run(other, prod)).results.find((r) => r.gate === 'no_regression')?.detail).toContain(
      'no evaluator was given',
    );
  });

  it('reads the baseline from a direct metric too, and a failed validation names its checks', async () => {
    const v = version(
      1,
      { ...good, 'ndcg_at_10_vs_most-popular': 0, 'most-popular.ndcg_at_10': 0.35 },
      {
        lineage: {
          dataset: {
            uri: 'u',
            hash: 'h',
            validation: {
              pass: false,
              checks: [{ name: 'min_orders', value: 5, op: '>=', threshold: 100, pass: false }],
            },
          },
        },
      },
    );
    const ev = await run(v);
    expect(ev.results.find((r) => r.gate === 'beat_baseline')).toMatchObject({
      passed: false,
      threshold: expect.closeTo(0.351, 9),
    });
    expect(ev.results.find((r) => r.gate === 'data_quality')?.detail).toContain('min_orders 5 >= 100');
  });

  it('honours a policy: gates switched off, per-alias gate lists', async () => {
    const policy = parsePolicy({
      gates: { latency: null },
      aliases: { staging: { gates: ['metric_threshold'] } },
    });
    const ev = await run(version(1, { ndcg_at_10: 0.3 }), undefined, policy);
    expect(ev.results.map((r) => r.gate)).toEqual(['metric_threshold']);
    expect(ev.passed).toBe(true);
  });

  it('marks a latency the caller sent as caller-supplied, refuses it for production, and prefers a bookml measurement', async () => {
    const v = version(1, { ...good, latency_p99_ms: 0.5 });
    const staging = (await run(v)).results.find((r) => r.gate === 'latency');
    expect(staging).toMatchObject({ passed: true, value: 0.5, evidence: 'caller-supplied' });
    const production = await runGates({
      policy: DEFAULT_POLICY,
      alias: 'production',
      candidate: v,
      production: undefined,
      evidence: {},
      now: 1,
      actor: 't',
    });
    expect(production.results.find((r) => r.gate === 'latency')).toMatchObject({
      passed: false,
      value: null,
    });
    expect(describeFailures(production)).toContain('latency_p99_ms 0.5000 was supplied by the caller');
    const benched = {
      gate: 'latency' as const,
      passed: true,
      value: 0.1,
      op: '<=' as const,
      threshold: 10,
      detail: 'p99 0.1000 ms — pass',
      evidence: 'measured' as const,
    };
    const reused = await runGates({
      policy: DEFAULT_POLICY,
      alias: 'production',
      candidate: v,
      production: undefined,
      evidence: {},
      measured: { latency: { result: benched, alias: 'staging', at: 0 } },
      now: 1,
      actor: 't',
    });
    expect(reused.results.find((r) => r.gate === 'latency')).toMatchObject({
      passed: true,
      value: 0.1,
      evidence: 'measured',
    });
  });
});
