import { Counter, Gauge, type Registry } from 'prom-client';
import { FEATURE_NAMES, type FeatureName } from './features.js';

/** A feature's last test, as the metrics show it. */
export interface FeatureTestMetric {
  name: FeatureName;
  /** The KS statistic D; NaN when the feature was not tested. */
  statistic: number;
  /** The raw (uncorrected) p-value; NaN when not tested. */
  pValue: number;
}

/** The drift monitor's metrics on a registry; the monitor calls these, nothing else needs to. */
export interface MonitorMetrics {
  /** The last test of every feature (NaN for a feature not tested, e.g. too few values). */
  tested(features: readonly FeatureTestMetric[]): void;
  /** The window sizes after a pass. */
  windows(reference: number, test: number): void;
  /** One drift event published. */
  event(): void;
  /** A drift the cool-down kept from becoming an event. */
  suppressed(): void;
  /** Records read, and log lines skipped (malformed or torn). */
  read(records: number, skippedLines: number): void;
}

/**
 * Register the drift monitor's metrics on `registry` (the lead mounts it on a `/metrics` route):
 *
 * - `bookml_drift_ks_statistic{feature}` (gauge): the last KS statistic D per feature, 0–1;
 * - `bookml_drift_p_value{feature}` (gauge): the last raw p-value per feature (NaN until tested);
 * - `bookml_drift_window_records{window}` (gauge): answers in the `reference` and `test` windows;
 * - `bookml_drift_events_total` (counter): drift events published;
 * - `bookml_drift_suppressed_total` (counter): drifts found inside the cool-down (no event);
 * - `bookml_drift_log_records_total`, `bookml_drift_log_skipped_lines_total` (counters): prediction
 *   log records read, and lines skipped as malformed or torn.
 *
 * @example
 * const registry = new Registry();
 * const monitor = new DriftMonitor({ …, metrics: monitorMetrics(registry) });
 * app.get('/metrics', async () => registry.metrics());
 */
export function monitorMetrics(registry: Registry): MonitorMetrics {
  const registers = [registry];
  const statistic = new Gauge({
    name: 'bookml_drift_ks_statistic',
    help: 'Two-sample KS statistic D (largest CDF gap, 0-1) of the last drift test, per feature.',
    labelNames: ['feature'],
    registers,
  });
  const pValue = new Gauge({
    name: 'bookml_drift_p_value',
    help: 'Uncorrected p-value of the last drift test, per feature (NaN until tested).',
    labelNames: ['feature'],
    registers,
  });
  const windowRecords = new Gauge({
    name: 'bookml_drift_window_records',
    help: 'Answers in the drift monitor windows (reference: first traffic of the version; test: recent).',
    labelNames: ['window'],
    registers,
  });
  const events = new Counter({
    name: 'bookml_drift_events_total',
    help: 'Drift events the monitor published (ml.drift).',
    registers,
  });
  const suppressed = new Counter({
    name: 'bookml_drift_suppressed_total',
    help: 'Drift found during the cool-down after an event, so not published.',
    registers,
  });
  const records = new Counter({
    name: 'bookml_drift_log_records_total',
    help: 'Prediction log records the drift monitor read.',
    registers,
  });
  const skipped = new Counter({
    name: 'bookml_drift_log_skipped_lines_total',
    help: 'Prediction log lines the drift monitor skipped: malformed, or torn by a crash.',
    registers,
  });
  for (const name of FEATURE_NAMES) {
    statistic.set({ feature: name }, Number.NaN);
    pValue.set({ feature: name }, Number.NaN);
  }
  windowRecords.set({ window: 'reference' }, 0);
  windowRecords.set({ window: 'test' }, 0);
  return {
    tested(features) {
      for (const f of features) {
        statistic.set({ feature: f.name }, f.statistic);
        pValue.set({ feature: f.name }, f.pValue);
      }
    },
    windows(reference, test) {
      windowRecords.set({ window: 'reference' }, reference);
      windowRecords.set({ window: 'test' }, test);
    },
    event: () => events.inc(),
    suppressed: () => suppressed.inc(),
    read(n, bad) {
      if (n > 0) records.inc(n);
      if (bad > 0) skipped.inc(bad);
    },
  };
}
