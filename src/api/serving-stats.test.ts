import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import type { DriftStatus } from '../monitor/index.js';
import { ServeMetrics } from '../serve/index.js';
import { bucketQuantile, parseServingMetrics, servingSample } from './serving-stats.js';
import { TelemetrySampler } from './telemetry-sampler.js';

/** A real serving metrics registry, fed as the hot path feeds it. */
function served() {
  const metrics = new ServeMetrics({ processMetrics: false });
  const route = metrics.registerRoute('GET', '/recommend');
  metrics.modelLoaded('primary', '3', undefined, 0.1);
  metrics.modelLoaded('canary', '4', undefined, 0.1);
  metrics.setCanaryPercent(10);
  const hit = (version: string, ms: number, status = 200, fallback = false) => {
    const v = metrics.versionStats(version);
    v.route(route).observe(status, ms);
    if (fallback) v.fallbacks++;
  };
  return { metrics, hit };
}

describe('serving figures from /metrics', () => {
  it('reads requests, errors, fallbacks, buckets and roles per version, leaving out unanswered requests', async () => {
    const { metrics, hit } = served();
    hit('3', 0.4);
    hit('3', 3, 500);
    hit('4', 0.2, 200, true);
    metrics.none.route(0).observe(404, 0.1);
    const scrape = parseServingMetrics(await metrics.render());
    expect([...scrape.versions.keys()].sort()).toEqual(['3', '4']);
    expect(scrape.versions.get('3')).toMatchObject({ requests: 2, errors: 1, fallbacks: 0 });
    expect(scrape.versions.get('4')).toMatchObject({ requests: 1, errors: 0, fallbacks: 1 });
    expect(scrape.versions.get('3')?.buckets.at(-1)).toEqual([Number.POSITIVE_INFINITY, 2]);
    expect(Object.fromEntries(scrape.roles)).toEqual({ '3': 'primary', '4': 'canary' });
    expect(scrape.canaryTarget).toBeCloseTo(0.1);
  });

  it('lists a loaded version that has not answered yet, at zero', async () => {
    const { metrics } = served();
    const scrape = parseServingMetrics(await metrics.render());
    expect(scrape.versions.get('3')).toEqual({ requests: 0, errors: 0, fallbacks: 0, buckets: [] });
    const s = servingSample(scrape, scrape, 5, 0);
    expect(s.versions.map((v) => [v.version, v.role, v.requestsPerS, v.p99Ms])).toEqual([
      ['3', 'primary', 0, null],
      ['4', 'canary', 0, null],
    ]);
  });

  it('interpolates a percentile inside its bucket, as histogram_quantile does', () => {
    // 100 requests: 50 at or under 1 ms, 50 more at or under 2 ms.
    const b: Array<[number, number]> = [
      [0.001, 50],
      [0.002, 100],
      [Number.POSITIVE_INFINITY, 100],
    ];
    expect(bucketQuantile(b, 0.5)).toBeCloseTo(1);
    expect(bucketQuantile(b, 0.99)).toBeCloseTo(1.98);
    expect(bucketQuantile([[Number.POSITIVE_INFINITY, 0]], 0.5)).toBeNull();
  });

  it('turns two scrapes into rates over the interval, counting from zero after a restart', async () => {
    const { metrics, hit } = served();
    hit('3', 0.4);
    const before = parseServingMetrics(await metrics.render());
    for (let i = 0; i < 10; i++) hit('3', 0.4, 200, i < 2);
    const after = parseServingMetrics(await metrics.render());
    const s = servingSample(before, after, 5, 1000);
    const v3 = s.versions.find((v) => v.version === '3');
    expect(v3).toMatchObject({ role: 'primary', requestsPerS: 2, fallbacksPerS: 0.4, errorsPerS: 0 });
    expect(v3?.p99Ms).toBeGreaterThan(0.25);
    expect(v3?.p99Ms).toBeLessThanOrEqual(0.5);
    const restarted = servingSample(after, before, 5, 2000).versions.find((v) => v.version === '3');
    expect(restarted?.requestsPerS).toBeCloseTo(0.2);
  });
});

function driftStatus(testedAt: string, p: number): DriftStatus {
  return {
    version: '3',
    decision: { is_drift: p < 0.01, reason: '', threshold: 0.01, tested_at: testedAt },
    features: [
      {
        name: 'basket_size',
        statistic: 0.3,
        p_value: p,
        corrected_p: p * 2,
        reference_values: 1,
        test_values: 1,
        drift: false,
        reason: '',
      },
    ],
  } as unknown as DriftStatus;
}

describe('TelemetrySampler', () => {
  it('samples on the clock into bounded rings, and records each drift test once', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const { metrics, hit } = served();
    let status = driftStatus('2026-01-01T00:00:00Z', 0.5);
    const sampler = new TelemetrySampler({
      clock,
      intervalMs: 1000,
      capacity: 3,
      serving: { description: 'in-process', text: () => metrics.render() },
      drift: { status: async () => status },
    });
    await sampler.sample(); // the baseline
    for (let i = 1; i <= 5; i++) {
      for (let r = 0; r < i; r++) hit('3', 0.4);
      if (i === 4) status = driftStatus('2026-01-01T00:00:04Z', 0.001);
      await clock.advance(1000);
      await sampler.sample();
    }
    const snap = sampler.snapshot();
    expect(snap.servingSource).toBe('in-process');
    expect(snap.serving.map((s) => s.versions.find((v) => v.version === '3')?.requestsPerS)).toEqual([
      3, 4, 5,
    ]);
    expect(snap.drift.map((d) => d.features[0].pValue)).toEqual([0.5, 0.001]);
  });

  it('samples every 5 s unless told otherwise (an undefined option keeps the default)', async () => {
    const clock = new ManualClock(0);
    let scrapes = 0;
    const sampler = new TelemetrySampler({
      clock,
      intervalMs: undefined,
      serving: {
        description: 'in-process',
        text: async () => {
          scrapes++;
          return '';
        },
      },
    });
    sampler.start();
    await clock.advanceAsync(4999);
    expect(scrapes).toBe(1);
    await clock.advanceAsync(1);
    expect(scrapes).toBe(2);
    expect(sampler.snapshot().intervalMs).toBe(5000);
    sampler.stop();
  });

  it('keeps a failing scrape as an error, not as zero traffic', async () => {
    const sampler = new TelemetrySampler({
      clock: new ManualClock(0),
      serving: {
        description: 'http://127.0.0.1:1/metrics',
        text: async () => {
          throw new Error('ECONNREFUSED');
        },
      },
    });
    await sampler.sample();
    expect(sampler.snapshot()).toMatchObject({
      serving: [],
      servingError: expect.stringContaining('ECONNREFUSED'),
    });
  });
});
