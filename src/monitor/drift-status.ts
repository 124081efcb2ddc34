import type { Correction } from './drift-decision.js';
import type { FeatureName } from './features.js';

/**
 * What the drift monitor tells the world, in the snake_case every `--json` output and event uses:
 * the `ml.drift` event payload and the status `bookml drift status` shows. NaN never appears (JSON
 * has none): a value that does not exist is `null`.
 */

/** A window's bounds. */
export interface WindowBounds {
  /** Answers in the window. */
  records: number;
  /** ISO time of its oldest and newest answer; null when empty. */
  first_time: string | null;
  last_time: string | null;
}

/** One feature in an `ml.drift` event. */
export interface DriftEventFeature {
  name: FeatureName;
  /** KS statistic D, 0–1. */
  statistic: number;
  /** Uncorrected p-value. */
  p_value: number;
  /** The p-value after the correction across features (Bonferroni: min(1, p·F); FDR: BH-adjusted). */
  corrected_p: number;
  /** Whether this feature drifted (corrected p < alpha and D above the effect floor). */
  drift: boolean;
}

/** The payload of an `ml.drift` event. */
export interface DriftEventPayload {
  /** The registered model's name, e.g. `recommender`. */
  model: string;
  /** The version whose traffic drifted. */
  version: string;
  /** Every feature tested, drifted or not, in {@link FEATURE_NAMES} order. */
  features: DriftEventFeature[];
  windows: {
    /** `traffic`: the version's first answers; `training`: answers simulated from its training data. */
    reference: WindowBounds & { kind: 'traffic' | 'training' };
    test: WindowBounds;
  };
  /** ISO time of the test that found the drift (the monitor's clock). */
  detected_at: string;
  /** One line: which features drifted and why. */
  reason: string;
  correction: Correction;
  alpha: number;
  min_effect: number;
}

/** One feature in the status. */
export interface FeatureStatus {
  name: FeatureName;
  /** Null when the feature was not tested (too few values on a side). */
  statistic: number | null;
  p_value: number | null;
  corrected_p: number | null;
  /** Values of this feature in each window (answers without one are left out). */
  reference_values: number;
  test_values: number;
  drift: boolean;
  /** Why it counts as drift or not, or why it was not tested. */
  reason: string;
}

/** The status `bookml drift status` shows; what the monitor writes to `<workspace>/monitor/status.json`. */
export interface DriftStatus {
  /** The layout of this object; a reader refuses another. */
  schema: 1;
  model: string;
  /** The version being watched; null before there is one. */
  version: string | null;
  /** `monitor`: written by a running monitor; `log`: computed once from the log by the CLI. */
  source: 'monitor' | 'log';
  /** ISO time of the last pass. */
  updated_at: string;
  /** How often the monitor passes, ms (a status much older than this means no monitor runs). */
  interval_ms: number;
  settings: {
    alpha: number;
    min_effect: number;
    correction: Correction;
    reference_size: number;
    test_records: number;
    /** The test window's span in minutes, or null for a window of the last `test_records` answers. */
    test_minutes: number | null;
    min_window: number;
    cooldown_ms: number;
  };
  windows: {
    reference: WindowBounds & { kind: 'traffic' | 'training'; target: number; complete: boolean };
    test: WindowBounds;
  };
  /** Every feature, in {@link FEATURE_NAMES} order, as of the last test (untested before one). */
  features: FeatureStatus[];
  /** The last test's verdict; null before the windows are large enough for one. */
  decision: { is_drift: boolean; reason: string; threshold: number; tested_at: string } | null;
  /** While set and in the future, a drift is recorded but not published. */
  cooldown_until: string | null;
  /** The last events, oldest first. */
  events: DriftEventPayload[];
  /** What reading the prediction log met since the monitor started. */
  log: {
    records_read: number;
    /** Records of another version or role (canary), not tested. */
    records_ignored: number;
    malformed_lines: number;
    torn_lines: number;
  };
  /** Why the last pass failed, if it did (the next pass retries). */
  last_error: { code: string; message: string; at: string } | null;
}
