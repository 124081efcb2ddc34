import { describe, expect, it } from 'vitest';
import { hasKsVectors, loadKsVectors, type MultivariateCase } from '../../test/fixtures/ks-vectors.js';
import { isBookmlError } from '../core/index.js';
import { DRIFT_DECISION_DEFAULTS, driftDecision, type FeatureTest } from './drift-decision.js';
import { ksTwoSample } from './ks.js';

const f = (name: string, statistic: number, pValue: number): FeatureTest => ({ name, statistic, pValue });

describe('driftDecision', () => {
  it('defaults: alpha 0.05, Bonferroni, effect floor 0.1', () => {
    const d = driftDecision({ features: [f('price', 0.3, 0.001)] });
    expect(d).toMatchObject({ ...DRIFT_DECISION_DEFAULTS, isDrift: true, threshold: 0.05 });
    expect(d.reason).toBe('drift in 1 of 1 feature: price');
    expect(d.features[0].reason).toBe('drift: p 0.001 < 0.05 (Bonferroni over 1 feature) and D 0.3 > 0.1');
  });

  it('needs both: significant after correction AND a statistic above the floor', () => {
    const d = driftDecision({
      features: [f('price', 0.25, 0.001), f('basket', 0.04, 1e-9), f('genre', 0.3, 0.02), f('hour', 0, 1)],
    });
    expect(d.threshold).toBe(0.0125);
    expect(d.features.map((v) => [v.name, v.significant, v.large, v.drift])).toEqual([
      ['price', true, true, true],
      ['basket', true, false, false],
      ['genre', false, true, false],
      ['hour', false, false, false],
    ]);
    expect(d.features[1].reason).toMatch(/but D 0\.04 ≤ 0\.1, a change below the effect floor/);
    expect(d.features[2].reason).toMatch(/^no drift: p 0\.02 ≥ 0\.0125 \(Bonferroni over 4 features\)/);
    expect(d.reason).toBe('drift in 1 of 4 features: price');
  });

  it('explains why nothing drifted', () => {
    expect(driftDecision({ features: [f('a', 0.02, 1e-6), f('b', 0.5, 0.9)] }).reason).toBe(
      'no drift: 1 of 2 features changed significantly but by no more than D 0.1',
    );
    expect(driftDecision({ features: [f('a', 0.2, 0.3)], correction: 'none' }).reason).toBe(
      'no drift: no significant change in 1 feature (uncorrected, alpha 0.05)',
    );
  });

  it('FDR flags more than Bonferroni when several features move a little', () => {
    const features = [f('a', 0.17, 0.0193), f('b', 0.17, 0.0193), f('c', 0.15, 0.0526), f('d', 0.17, 0.0274)];
    expect(driftDecision({ features, correction: 'bonferroni' }).isDrift).toBe(false);
    const fdr = driftDecision({ features, correction: 'fdr' });
    expect(fdr.isDrift).toBe(true);
    expect(fdr.features.filter((v) => v.drift).map((v) => v.name)).toEqual(['a', 'b', 'd']);
    expect(fdr.features[0].reason).toMatch(/Benjamini–Hochberg at 0\.05 over 4 features/);
  });

  it('an undefined p-value (NaN) never counts as drift', () => {
    const d = driftDecision({ features: [f('x', 1, Number.NaN)], minEffect: 0 });
    expect(d.isDrift).toBe(false);
    expect(d.features[0].reason).toMatch(/p-value undefined/);
  });

  it.each([
    [{ features: [] }, 'features'],
    [{ features: [f('a', 0.1, 0.1), f('a', 0.1, 0.1)] }, 'features[1].name'],
    [{ features: [f('a', 1.2, 0.1)] }, 'features[0].statistic'],
    [{ features: [f('a', 0.1, -0.1)] }, 'features[0].pValue'],
    [{ features: [f('a', 0.1, 0.1)], alpha: 0 }, 'alpha'],
    [{ features: [f('a', 0.1, 0.1)], minEffect: 1 }, 'minEffect'],
    [{ features: [f('a', 0.1, 0.1)], correction: 'holm' }, 'correction'],
  ])('rejects %j naming %s', (input, field) => {
    let err: unknown;
    try {
      driftDecision(input as never);
    } catch (e) {
      err = e;
    }
    expect(isBookmlError(err, 'MONITOR_BAD_OPTION')).toBe(true);
    expect(err).toMatchObject({ field });
  });
});

/** Per-feature asymptotic two-sided KS on the columns, as KSDrift.score does. */
function scoreColumns(c: MultivariateCase) {
  const columns = c.x_ref[0].length;
  return Array.from({ length: columns }, (_, j) => ({
    name: `f${j}`,
    ...ksTwoSample(
      c.x_ref.map((row) => row[j]),
      c.x.map((row) => row[j]),
      { method: 'asymptotic' },
    ),
  }));
}

describe.skipIf(!hasKsVectors)(
  'driftDecision reproduces Alibi-Detect KSDrift decisions (minEffect 0)',
  () => {
    const cases = hasKsVectors ? loadKsVectors().multivariate_cases : [];
    for (const c of cases) {
      it(c.id, () => {
        const features = scoreColumns(c);
        const e = c.expected;
        features.forEach((x, j) => {
          expect(x.statistic, `${c.id} distance f${j}`).toBe(e.feature_distance_float64[j]);
          expect(Math.abs(x.pValue - e.feature_p_val_float64[j]), `${c.id} p f${j}`).toBeLessThanOrEqual(
            1e-9 * e.feature_p_val_float64[j],
          );
        });
        const alpha = c.p_val;
        const perFeature = driftDecision({ features, alpha, minEffect: 0, correction: 'none' });
        expect(perFeature.features.map((v) => Number(v.drift))).toEqual(e.feature_level.is_drift);
        expect(perFeature.threshold).toBe(e.feature_level.threshold);
        const bonf = driftDecision({ features, alpha, minEffect: 0, correction: 'bonferroni' });
        expect(Number(bonf.isDrift)).toBe(e.batch_bonferroni.is_drift);
        expect(bonf.threshold).toBe(e.batch_bonferroni.threshold);
        const fdr = driftDecision({ features, alpha, minEffect: 0, correction: 'fdr' });
        expect(Number(fdr.isDrift)).toBe(e.batch_fdr.is_drift);
        // KSDrift reports the whole q array when nothing is significant; its first entry is alpha / F.
        const t = e.batch_fdr.threshold;
        expect(fdr.threshold).toBe(Array.isArray(t) ? t[0] : t);
      });
    }
  },
);
