import { MonitorError } from './errors.js';
import { benjaminiHochberg, bonferroni, type CorrectedPValues, checkAlpha } from './multiple-testing.js';

/** How p-values of several features are combined: see {@link bonferroni} and {@link benjaminiHochberg}. */
export type Correction = 'bonferroni' | 'fdr' | 'none';

/** One feature's test, e.g. a {@link KsResult} with the feature's name. */
export interface FeatureTest {
  name: string;
  /** The KS statistic D, in [0, 1]: the effect size the floor applies to. */
  statistic: number;
  /** In [0, 1], or NaN when the test could not decide (never counts as drift). */
  pValue: number;
}

/** Input of {@link driftDecision}. */
export interface DriftDecisionInput {
  /** One entry per feature tested, names unique. */
  features: readonly FeatureTest[];
  /** Significance level of the whole family (Bonferroni) or target false-discovery rate (FDR). @default 0.05 */
  alpha?: number;
  /**
   * The KS statistic a feature must exceed to count as drift, in [0, 1). With large windows tiny,
   * harmless shifts are significant; this floor keeps them from firing a retrain. 0 reproduces
   * Alibi-Detect's KSDrift decision.
   * @default 0.1
   */
  minEffect?: number;
  /** @default 'bonferroni' (as KSDrift) */
  correction?: Correction;
}

/** The verdict on one feature, with the reason in words. */
export interface FeatureVerdict {
  name: string;
  statistic: number;
  pValue: number;
  /** The p-value after the correction (what is compared with alpha). */
  adjustedPValue: number;
  /** p below the corrected threshold. */
  significant: boolean;
  /** statistic > minEffect. */
  large: boolean;
  /** significant and large. */
  drift: boolean;
  reason: string;
}

/** The outcome of {@link driftDecision}. */
export interface DriftDecision {
  /** True when at least one feature drifted. */
  isDrift: boolean;
  alpha: number;
  minEffect: number;
  correction: Correction;
  /** The raw p-value bound a feature had to go below (α/F for Bonferroni, the BH bound for FDR, α for none). */
  threshold: number;
  /** In input order. */
  features: FeatureVerdict[];
  /** One line: which features drifted, or why none did. */
  reason: string;
}

/** Defaults of {@link driftDecision}. */
export const DRIFT_DECISION_DEFAULTS = Object.freeze({
  alpha: 0.05,
  minEffect: 0.1,
  correction: 'bonferroni' as Correction,
});

const CORRECTIONS: readonly string[] = ['bonferroni', 'fdr', 'none'];

/**
 * Decide whether a set of per-feature tests says "drift": a feature drifts when its p-value, corrected
 * for the number of features, is below `alpha` AND its statistic exceeds `minEffect` — significance
 * alone is not enough with large windows, and a large statistic alone is not enough with small ones.
 * Each feature gets its reason. Bad options are `MONITOR_BAD_OPTION` naming the field.
 *
 * @example
 * const d = driftDecision({ features: [{ name: 'price', ...ksTwoSample(ref, cur) }], minEffect: 0.1 });
 * if (d.isDrift) console.log(d.reason); // "drift in 1 of 1 feature: price"
 */
export function driftDecision(input: DriftDecisionInput): DriftDecision {
  const alpha = input.alpha ?? DRIFT_DECISION_DEFAULTS.alpha;
  const minEffect = input.minEffect ?? DRIFT_DECISION_DEFAULTS.minEffect;
  const correction = input.correction ?? DRIFT_DECISION_DEFAULTS.correction;
  checkAlpha(alpha);
  if (!(minEffect >= 0 && minEffect < 1)) {
    throw new MonitorError(
      'MONITOR_BAD_OPTION',
      `minEffect must be in [0, 1) (a KS statistic floor), got ${minEffect}`,
      { field: 'minEffect' },
    );
  }
  if (!CORRECTIONS.includes(correction)) {
    throw new MonitorError(
      'MONITOR_BAD_OPTION',
      `correction must be one of ${CORRECTIONS.join(', ')}, got "${correction}"`,
      { field: 'correction' },
    );
  }
  const features = checkFeatures(input.features);
  const f = features.length;
  const pValues = features.map((x) => x.pValue);
  const corrected: CorrectedPValues =
    correction === 'bonferroni'
      ? bonferroni(pValues, alpha)
      : correction === 'fdr'
        ? benjaminiHochberg(pValues, alpha)
        : {
            threshold: alpha,
            adjusted: Float64Array.from(pValues),
            significant: pValues.map((p) => p < alpha),
          };
  const how =
    correction === 'bonferroni'
      ? `Bonferroni over ${f} feature${f === 1 ? '' : 's'}`
      : correction === 'fdr'
        ? `Benjamini–Hochberg at ${alpha} over ${f} feature${f === 1 ? '' : 's'}`
        : 'uncorrected';
  const bound = num(corrected.threshold);

  const verdicts = features.map((x, i): FeatureVerdict => {
    const significant = corrected.significant[i];
    const large = x.statistic > minEffect;
    const drift = significant && large;
    const p = num(x.pValue);
    const d = num(x.statistic);
    let reason: string;
    if (Number.isNaN(x.pValue)) reason = 'p-value undefined (samples too small for the method): no decision';
    else if (drift) reason = `drift: p ${p} < ${bound} (${how}) and D ${d} > ${minEffect}`;
    else if (!significant) reason = `no drift: p ${p} ≥ ${bound} (${how}), no evidence of a change`;
    else
      reason = `no drift: p ${p} < ${bound} (${how}) but D ${d} ≤ ${minEffect}, a change below the effect floor`;
    return {
      name: x.name,
      statistic: x.statistic,
      pValue: x.pValue,
      adjustedPValue: corrected.adjusted[i],
      significant,
      large,
      drift,
      reason,
    };
  });
  const drifted = verdicts.filter((v) => v.drift).map((v) => v.name);
  const small = verdicts.filter((v) => v.significant && !v.large).length;
  const of = `${f} feature${f === 1 ? '' : 's'}`;
  const reason =
    drifted.length > 0
      ? `drift in ${drifted.length} of ${of}: ${drifted.join(', ')}`
      : small > 0
        ? `no drift: ${small} of ${of} changed significantly but by no more than D ${minEffect}`
        : `no drift: no significant change in ${of} (${how}, alpha ${alpha})`;
  return {
    isDrift: drifted.length > 0,
    alpha,
    minEffect,
    correction,
    threshold: corrected.threshold,
    features: verdicts,
    reason,
  };
}

function checkFeatures(features: readonly FeatureTest[] | undefined): readonly FeatureTest[] {
  if (!Array.isArray(features) || features.length === 0) {
    throw new MonitorError('MONITOR_BAD_OPTION', 'features must list at least one tested feature', {
      field: 'features',
    });
  }
  const seen = new Set<string>();
  features.forEach((x, i) => {
    const at = `features[${i}]`;
    if (typeof x?.name !== 'string' || x.name === '' || seen.has(x.name)) {
      throw new MonitorError(
        'MONITOR_BAD_OPTION',
        `${at}.name must be a non-empty name no other feature has`,
        {
          field: `${at}.name`,
        },
      );
    }
    seen.add(x.name);
    if (!(x.statistic >= 0 && x.statistic <= 1)) {
      throw new MonitorError(
        'MONITOR_BAD_OPTION',
        `${at}.statistic is ${x.statistic}: a KS statistic lies in [0, 1]`,
        {
          field: `${at}.statistic`,
        },
      );
    }
    if (!(x.pValue >= 0 && x.pValue <= 1) && !Number.isNaN(x.pValue)) {
      throw new MonitorError(
        'MONITOR_BAD_OPTION',
        `${at}.pValue is ${x.pValue}: a p-value lies in [0, 1] (or NaN)`,
        {
          field: `${at}.pValue`,
        },
      );
    }
  });
  return features;
}

/** Short, readable numbers for reasons: 3 significant digits, exponent form below 0.001. */
function num(v: number): string {
  if (v === 0 || Number.isNaN(v)) return String(v);
  return Math.abs(v) < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(3)));
}
