import type { Clock } from '../core/index.js';
import type { PredictionCursor, PredictionSource } from '../store/predictions/index.js';
import type { Correction } from './drift-decision.js';
import { DRIFT_DECISION_DEFAULTS } from './drift-decision.js';
import type { DriftEventPayload } from './drift-status.js';
import { MonitorError } from './errors.js';
import type { FeatureValues } from './features.js';
import type { KsMethod } from './ks.js';
import type { MonitorMetrics } from './monitor-metrics.js';

/** The topic drift events go out on (the event bus's `TOPICS.mlDrift`). */
export const DRIFT_TOPIC = 'ml.drift';

/** Where drift events go: the event bus, or anything with its `publish`. */
export interface DriftPublisher {
  /** Publishing twice with one `dedupeKey` must publish once (the bus deduplicates). */
  publish(topic: string, payload: DriftEventPayload, options: { dedupeKey: string }): Promise<unknown>;
}

/** Tells the monitor which version is in production (the registry's `production` alias). */
export interface ProductionPort {
  /** The version serving production traffic now; null when none (the monitor then idles). */
  currentVersion(): Promise<string | null>;
  /**
   * Answers simulated from the version's training data (see `referenceFromTraining`), to use as its
   * reference window instead of its first traffic; null or absent: use first traffic.
   */
  trainingReference?(version: string): Promise<readonly FeatureValues[] | null>;
}

/** Logs what an operator should hear about (never per record). */
export interface MonitorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * Opens a reader of a prediction log kept elsewhere than a folder (the metadata database's table),
 * continuing from `cursor` when given, reading at most `maxBytesPerRead` per call.
 */
export type PredictionSourceFactory = (options: {
  cursor?: PredictionCursor;
  maxBytesPerRead: number;
}) => PredictionSource;

/** Options of {@link DriftMonitor}. Counts are answers (records); times are milliseconds. */
export interface DriftMonitorOptions {
  /** The prediction log folder (`<workspace>/predictions`); only named in the status when `predictions` is given. */
  predictionsDir: string;
  /**
   * Read the prediction log through this instead of the folder (`BOOKML_PREDICTIONS=database`: the
   * serving pods insert into the metadata database). @default the folder reader on `predictionsDir`
   */
  predictions?: PredictionSourceFactory;
  /** Where status and state are persisted (`<workspace>/monitor`); omitted: nothing is written. */
  monitorDir?: string;
  clock: Clock;
  /** The registered model's name, carried by events. @default 'recommender' */
  model?: string;
  /**
   * Which version to watch. Omitted: the version of the newest primary answer in the log (what a
   * workspace without a registry serves); the windows restart whenever it changes.
   */
  production?: ProductionPort;
  /** Where `ml.drift` events go; omitted: drift is only recorded in the status. */
  publisher?: DriftPublisher;
  metrics?: MonitorMetrics;
  log?: MonitorLogger;
  /** Time between passes. @default 30000 */
  intervalMs?: number;
  /** Answers in the reference window: the version's first answers. @default 5000 */
  referenceSize?: number;
  /** Answers in the test window: the last N (the most kept when `testMinutes` is set). @default 5000 */
  testRecords?: number;
  /** When set, the test window is the answers of the last T minutes (at most `testRecords`). @default null */
  testMinutes?: number | null;
  /** Answers the test window needs before any test (the reference must be complete too). @default 1000, or `testRecords` when smaller */
  minWindow?: number;
  /** Values a feature needs on each side to be tested (answers without one are left out). @default 100 */
  minFeatureValues?: number;
  /** Family-wise level (Bonferroni) or FDR target. @default 0.05 */
  alpha?: number;
  /** KS statistic a feature must exceed to count as drift. @default 0.1 */
  minEffect?: number;
  /** @default 'bonferroni' */
  correction?: Correction;
  /** KS p-values: asymptotic is Alibi-Detect KSDrift's choice and costs O(1) per test. @default 'asymptotic' */
  method?: KsMethod | 'auto';
  /** After an event, drift found for this long is recorded but not published. @default 3600000 (1 h) */
  cooldownMs?: number;
  /** Events kept in the status. @default 20 */
  maxEvents?: number;
  /** Most prediction-log bytes one pass reads (a backlog is caught up over several passes). @default 67108864 */
  maxBytesPerPass?: number;
}

/** Defaults of {@link DriftMonitorOptions}. */
export const DRIFT_MONITOR_DEFAULTS = Object.freeze({
  model: 'recommender',
  intervalMs: 30_000,
  referenceSize: 5_000,
  testRecords: 5_000,
  testMinutes: null as number | null,
  minWindow: 1_000,
  minFeatureValues: 100,
  alpha: DRIFT_DECISION_DEFAULTS.alpha,
  minEffect: DRIFT_DECISION_DEFAULTS.minEffect,
  correction: DRIFT_DECISION_DEFAULTS.correction,
  method: 'asymptotic' as KsMethod | 'auto',
  cooldownMs: 3_600_000,
  maxEvents: 20,
  maxBytesPerPass: 64 * 1024 * 1024,
});

/** Every option resolved, ports aside. */
export type DriftMonitorSettings = Required<
  Omit<
    DriftMonitorOptions,
    'monitorDir' | 'production' | 'publisher' | 'metrics' | 'log' | 'clock' | 'predictions'
  >
>;

const CORRECTIONS: readonly Correction[] = ['bonferroni', 'fdr', 'none'];

/**
 * The settings of a monitor: defaults filled in, every value checked (`MONITOR_BAD_OPTION` naming the
 * option), frozen.
 */
export function resolveSettings(opts: DriftMonitorOptions): Readonly<DriftMonitorSettings> {
  const d = DRIFT_MONITOR_DEFAULTS;
  const s: DriftMonitorSettings = {
    predictionsDir: opts.predictionsDir,
    model: opts.model ?? d.model,
    intervalMs: opts.intervalMs ?? d.intervalMs,
    referenceSize: opts.referenceSize ?? d.referenceSize,
    testRecords: opts.testRecords ?? d.testRecords,
    testMinutes: opts.testMinutes ?? d.testMinutes,
    // A smaller test window than the default lowers the default minimum with it.
    minWindow: opts.minWindow ?? Math.min(d.minWindow, opts.testRecords ?? d.testRecords),
    minFeatureValues: opts.minFeatureValues ?? d.minFeatureValues,
    alpha: opts.alpha ?? d.alpha,
    minEffect: opts.minEffect ?? d.minEffect,
    correction: opts.correction ?? d.correction,
    method: opts.method ?? d.method,
    cooldownMs: opts.cooldownMs ?? d.cooldownMs,
    maxEvents: opts.maxEvents ?? d.maxEvents,
    maxBytesPerPass: opts.maxBytesPerPass ?? d.maxBytesPerPass,
  };
  checkSettings(s);
  return Object.freeze(s);
}

function checkSettings(s: DriftMonitorSettings): void {
  const bad = (field: string, why: string) => {
    throw new MonitorError('MONITOR_BAD_OPTION', `${field} ${why}`, { field });
  };
  const positive = (field: keyof DriftMonitorSettings) => {
    const v = s[field];
    if (!Number.isSafeInteger(v) || (v as number) < 1)
      bad(field, `must be a positive whole number, got ${v}`);
  };
  if (typeof s.predictionsDir !== 'string' || s.predictionsDir === '')
    bad('predictionsDir', 'must name a folder');
  for (const f of [
    'intervalMs',
    'referenceSize',
    'testRecords',
    'minWindow',
    'minFeatureValues',
    'maxEvents',
    'maxBytesPerPass',
  ] as const)
    positive(f);
  if (!Number.isSafeInteger(s.cooldownMs) || s.cooldownMs < 0)
    bad('cooldownMs', `must be a whole number of ms ≥ 0, got ${s.cooldownMs}`);
  if (s.testMinutes !== null && !(s.testMinutes > 0 && Number.isFinite(s.testMinutes)))
    bad('testMinutes', `must be a positive number of minutes (or null), got ${s.testMinutes}`);
  if (s.minWindow > s.testRecords)
    bad('minWindow', `(${s.minWindow}) must not exceed testRecords (${s.testRecords})`);
  if (!(s.alpha > 0 && s.alpha < 1)) bad('alpha', `must be in (0, 1), got ${s.alpha}`);
  if (!(s.minEffect >= 0 && s.minEffect < 1)) bad('minEffect', `must be in [0, 1), got ${s.minEffect}`);
  if (!CORRECTIONS.includes(s.correction))
    bad('correction', `must be one of ${CORRECTIONS.join(', ')}, got "${s.correction}"`);
  if (!['auto', 'exact', 'asymptotic'].includes(s.method))
    bad('method', `must be auto, exact or asymptotic, got "${s.method}"`);
  if (typeof s.model !== 'string' || s.model === '') bad('model', 'must be a model name');
}
