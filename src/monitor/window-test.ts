import { type DriftDecision, driftDecision } from './drift-decision.js';
import type { DriftMonitorSettings } from './drift-monitor-options.js';
import type { FeatureStatus } from './drift-status.js';
import type { FeatureWindow } from './feature-window.js';
import { FEATURE_NAMES, type FeatureName } from './features.js';
import { ksTwoSample } from './ks.js';
import type { FeatureTestMetric } from './monitor-metrics.js';

/** The outcome of {@link testWindows}. */
export interface WindowTest {
  /** Every feature, in {@link FEATURE_NAMES} order, tested or with the reason it was not. */
  features: FeatureStatus[];
  /** The decision over the tested features; null when none had enough values. */
  decision: DriftDecision | null;
  /** Statistic and p-value per feature (NaN when not tested), for the metrics. */
  metrics: FeatureTestMetric[];
}

type TestSettings = Pick<
  DriftMonitorSettings,
  'minFeatureValues' | 'method' | 'alpha' | 'minEffect' | 'correction'
>;

/**
 * KS-test every feature of the test window against the reference and decide. A feature with fewer
 * than `minFeatureValues` values on a side is not tested (reported with the counts); the correction
 * counts only the features tested.
 *
 * @example
 * const { decision } = testWindows(reference, test, monitor.settings);
 * if (decision?.isDrift) console.log(decision.reason);
 */
export function testWindows(reference: FeatureWindow, test: FeatureWindow, s: TestSettings): WindowTest {
  const tested: { name: FeatureName; statistic: number; pValue: number }[] = [];
  const counts = new Map<FeatureName, [number, number]>();
  for (const name of FEATURE_NAMES) {
    const ref = reference.sample(name);
    const cur = test.sample(name);
    counts.set(name, [ref.length, cur.length]);
    if (ref.length < s.minFeatureValues || cur.length < s.minFeatureValues) continue;
    const r = ksTwoSample(ref, cur, { method: s.method });
    tested.push({ name, statistic: r.statistic, pValue: r.pValue });
  }
  const decision =
    tested.length === 0
      ? null
      : driftDecision({ features: tested, alpha: s.alpha, minEffect: s.minEffect, correction: s.correction });
  const features = FEATURE_NAMES.map((name): FeatureStatus => {
    const [a, b] = counts.get(name) as [number, number];
    const v = decision?.features.find((f) => f.name === name);
    if (!v) {
      return {
        ...untestedFeature(
          name,
          `not tested: ${a} reference and ${b} test values, ${s.minFeatureValues} needed on each side`,
        ),
        reference_values: a,
        test_values: b,
      };
    }
    return {
      name,
      statistic: orNull(v.statistic),
      p_value: orNull(v.pValue),
      corrected_p: orNull(v.adjustedPValue),
      reference_values: a,
      test_values: b,
      drift: v.drift,
      reason: v.reason,
    };
  });
  const metrics = FEATURE_NAMES.map((name) => {
    const t = tested.find((x) => x.name === name);
    return { name, statistic: t?.statistic ?? Number.NaN, pValue: t?.pValue ?? Number.NaN };
  });
  return { features, decision, metrics };
}

/** A feature's status before any test, or when it could not be tested. */
export function untestedFeature(name: FeatureName, reason: string): FeatureStatus {
  return {
    name,
    statistic: null,
    p_value: null,
    corrected_p: null,
    reference_values: 0,
    test_values: 0,
    drift: false,
    reason,
  };
}

/** JSON has no NaN or Infinity. */
export function orNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
