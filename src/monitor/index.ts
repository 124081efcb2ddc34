/**
 * Drift monitoring: the two-sample Kolmogorov–Smirnov test (SciPy 1.10.1 `ks_2samp` semantics),
 * Bonferroni and Benjamini–Hochberg corrections, a drift decision that also asks for an effect above
 * a floor; the features of serving traffic (from the prediction log), the `DriftMonitor` service that
 * windows them, tests them on the injected clock and publishes `ml.drift` events, its Prometheus
 * metrics and persisted status; data drift at ingest; simulated and shifted traffic. See ARCHITECTURE.md.
 *
 * @example
 * import { DriftMonitor, monitorMetrics } from '../monitor/index.js';
 * const monitor = new DriftMonitor({ predictionsDir: join(ws.root, 'predictions'),
 *   monitorDir: join(ws.root, 'monitor'), clock, publisher: bus, metrics: monitorMetrics(promRegistry) });
 * await monitor.start(); // a pass every 30 s; monitor.status has windows, statistics and events
 * const d = driftDecision({ features: [{ name: 'price', ...ksTwoSample(refPrices, curPrices) }] });
 */
export type {
  Correction,
  DriftDecision,
  DriftDecisionInput,
  FeatureTest,
  FeatureVerdict,
} from './drift-decision.js';
export { DRIFT_DECISION_DEFAULTS, driftDecision } from './drift-decision.js';
export { DriftMonitor } from './drift-monitor.js';
export type {
  DriftMonitorOptions,
  DriftMonitorSettings,
  DriftPublisher,
  MonitorLogger,
  PredictionSourceFactory,
  ProductionPort,
} from './drift-monitor-options.js';
export { DRIFT_MONITOR_DEFAULTS, DRIFT_TOPIC } from './drift-monitor-options.js';
export type {
  DriftEventFeature,
  DriftEventPayload,
  DriftStatus,
  FeatureStatus,
  WindowBounds,
} from './drift-status.js';
export type { MonitorErrorCode } from './errors.js';
export { MONITOR_ERRORS, MonitorError } from './errors.js';
export type { FeatureWindowJson } from './feature-window.js';
export { FeatureWindow } from './feature-window.js';
export type { FeatureName, FeatureValues } from './features.js';
export { answerFeatures, FEATURE_NAMES, recordFeatures } from './features.js';
export type { IngestDriftOptions, IngestDriftReport, IngestSide } from './ingest-drift.js';
export { ingestDrift } from './ingest-drift.js';
export type { KsAlternative, KsMethod, KsOptions, KsResult } from './ks.js';
export { KS_EXACT_MAX_N, ksTwoSample } from './ks.js';
export { MONITOR_FILES, readDriftStatus } from './monitor-files.js';
export type { FeatureTestMetric, MonitorMetrics } from './monitor-metrics.js';
export { monitorMetrics } from './monitor-metrics.js';
export type { CorrectedPValues } from './multiple-testing.js';
export { benjaminiHochberg, bonferroni } from './multiple-testing.js';
export type { Sample } from './sample.js';
export { parseSampleJson } from './sample.js';
export type { ShiftedTrafficOptions, TrafficModel, TrainingReferenceOptions } from './simulated-traffic.js';
export { referenceFromTraining, shiftedTraffic, trafficFeatures } from './simulated-traffic.js';
export type { WindowTest } from './window-test.js';
export { testWindows } from './window-test.js';
