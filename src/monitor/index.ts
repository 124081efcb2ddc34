/**
 * Drift monitoring: the two-sample Kolmogorov–Smirnov test (statistic, exact and asymptotic p-values
 * with SciPy 1.10.1's `ks_2samp` semantics), Bonferroni and Benjamini–Hochberg corrections across
 * features, and a drift decision that also asks for an effect above a floor. Pure: typed arrays or
 * number arrays in, plain objects out; no I/O, no clock.
 *
 * @example
 * import { driftDecision, ksTwoSample } from '../monitor/index.js';
 * const price = ksTwoSample(referencePrices, currentPrices); // { statistic, pValue, method, … }
 * const basket = ksTwoSample(referenceSizes, currentSizes, { method: 'asymptotic' });
 * const d = driftDecision({ features: [{ name: 'price', ...price }, { name: 'basket', ...basket }] });
 * if (d.isDrift) console.log(d.reason); // e.g. "drift in 1 of 2 features: price"
 */
export type {
  Correction,
  DriftDecision,
  DriftDecisionInput,
  FeatureTest,
  FeatureVerdict,
} from './drift-decision.js';
export { DRIFT_DECISION_DEFAULTS, driftDecision } from './drift-decision.js';
export type { MonitorErrorCode } from './errors.js';
export { MONITOR_ERRORS, MonitorError } from './errors.js';
export type { KsAlternative, KsMethod, KsOptions, KsResult } from './ks.js';
export { KS_EXACT_MAX_N, ksTwoSample } from './ks.js';
export type { CorrectedPValues } from './multiple-testing.js';
export { benjaminiHochberg, bonferroni } from './multiple-testing.js';
export type { Sample } from './sample.js';
export { parseSampleJson } from './sample.js';
