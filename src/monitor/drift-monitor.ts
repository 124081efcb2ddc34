import { join } from 'node:path';
import { type Clock, isBookmlError, type Timer } from '../core/index.js';
import {
  PredictionLogReader,
  type PredictionRecord,
  type PredictionSource,
} from '../store/predictions/index.js';
import type { DriftDecision } from './drift-decision.js';
import {
  DRIFT_TOPIC,
  type DriftMonitorOptions,
  type DriftMonitorSettings,
  type DriftPublisher,
  type MonitorLogger,
  type PredictionSourceFactory,
  type ProductionPort,
  resolveSettings,
} from './drift-monitor-options.js';
import type { DriftEventPayload, DriftStatus, FeatureStatus, WindowBounds } from './drift-status.js';
import { FeatureWindow } from './feature-window.js';
import { FEATURE_NAMES, type FeatureName, recordFeatures } from './features.js';
import { MONITOR_FILES, writeJsonAtomic } from './monitor-files.js';
import type { MonitorMetrics } from './monitor-metrics.js';
import { loadMonitorState, type MonitorState, saveMonitorState } from './monitor-state.js';
import { testWindows, untestedFeature } from './window-test.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The drift monitor: every `intervalMs` on the injected clock it reads what the server logged since
 * the last pass (an offset per log file), keeps two windows of answer features per production version
 * — the reference (the version's first `referenceSize` answers, or answers simulated from its
 * training data) and the test window (the last `testRecords` answers, or the last `testMinutes`) —
 * and, once both are large enough and the test window has moved, KS-tests every feature. A drift
 * event needs a corrected p-value below `alpha` AND a KS statistic above `minEffect`; it is published
 * as `ml.drift` with a dedupe key (a retried publish never doubles it), then a cool-down keeps the same
 * drift from firing again. A new production version restarts both windows.
 *
 * The status (`status`, and `<monitorDir>/status.json` after each pass) shows windows, each feature's
 * statistic and p-value and the last events; `state.json` lets a restarted monitor continue with the
 * same reference instead of taking drifted traffic as its new normal.
 *
 * @example
 * const monitor = new DriftMonitor({
 *   predictionsDir: join(ws.root, 'predictions'), monitorDir: join(ws.root, 'monitor'), clock,
 *   production: { currentVersion: async () => String((await registry.resolveAlias('recommender', 'production')).version) },
 *   publisher: bus, metrics: monitorMetrics(promRegistry),
 * });
 * await monitor.start(); // … await monitor.stop();
 */
export class DriftMonitor {
  readonly settings: Readonly<DriftMonitorSettings>;
  readonly #clock: Clock;
  readonly #port: ProductionPort | undefined;
  readonly #publisher: DriftPublisher | undefined;
  readonly #metrics: MonitorMetrics | undefined;
  readonly #log: MonitorLogger | undefined;
  readonly #monitorDir: string | undefined;
  readonly #openReader: PredictionSourceFactory;
  #reader: PredictionSource;
  #s: MonitorState;
  /** The test window's `pushed` count at the last test: an unchanged window is not tested again. */
  #lastTested = -1;
  #features: FeatureStatus[];
  #decision: DriftStatus['decision'] = null;
  readonly #logStats = { records_read: 0, records_ignored: 0, malformed_lines: 0, torn_lines: 0 };
  #lastError: DriftStatus['last_error'] = null;
  #updatedAt: number | null = null;
  #timer: Timer | null = null;
  #running: Promise<void> | null = null;
  #loaded = false;

  constructor(opts: DriftMonitorOptions) {
    const s = (this.settings = resolveSettings(opts));
    this.#clock = opts.clock;
    this.#port = opts.production;
    this.#publisher = opts.publisher;
    this.#metrics = opts.metrics;
    this.#log = opts.log;
    this.#monitorDir = opts.monitorDir;
    this.#openReader = opts.predictions ?? ((o) => new PredictionLogReader(s.predictionsDir, o));
    this.#reader = this.#openReader({ maxBytesPerRead: s.maxBytesPerPass });
    this.#s = {
      version: null,
      referenceKind: 'traffic',
      reference: new FeatureWindow(s.referenceSize),
      test: new FeatureWindow(s.testRecords),
      cursor: {},
      eventsForVersion: 0,
      cooldownUntil: null,
      events: [],
      pending: null,
    };
    this.#features = FEATURE_NAMES.map((name) => untestedFeature(name, 'not tested yet'));
  }

  /** The status as of the last pass (what `status.json` holds). */
  get status(): DriftStatus {
    const s = this.settings;
    const st = this.#s;
    return {
      schema: 1,
      model: s.model,
      version: st.version,
      source: 'monitor',
      updated_at: iso(this.#updatedAt ?? this.#clock.now()) as string,
      interval_ms: s.intervalMs,
      settings: {
        alpha: s.alpha,
        min_effect: s.minEffect,
        correction: s.correction,
        reference_size: s.referenceSize,
        test_records: s.testRecords,
        test_minutes: s.testMinutes,
        min_window: s.minWindow,
        cooldown_ms: s.cooldownMs,
      },
      windows: {
        reference: {
          kind: st.referenceKind,
          ...this.#referenceBounds(),
          target: s.referenceSize,
          complete: this.#referenceReady(),
        },
        test: bounds(st.test),
      },
      features: this.#features.map((f) => ({ ...f })),
      decision: this.#decision,
      cooldown_until: iso(st.cooldownUntil),
      events: [...st.events],
      log: { ...this.#logStats },
      last_error: this.#lastError,
    };
  }

  /** Load the saved state (if any) and pass every `intervalMs` until {@link stop}. */
  async start(): Promise<void> {
    if (this.#timer !== null) return;
    await this.#load();
    // A failed pass is in the status and the log; the next tick retries.
    const tick = () => void this.runOnce().catch(() => {});
    this.#timer = this.#clock.setInterval(tick, this.settings.intervalMs, { unref: true });
  }

  /** Stop passing; waits for a pass in progress (its state is saved). */
  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = null;
    await this.#running?.catch(() => {});
  }

  /**
   * One pass now: version check, read, test, publish, persist. Passes never overlap (a call during
   * one waits for it). A failing pass records `last_error` in the status and rejects; the next pass
   * retries from where the last good one stopped.
   */
  async runOnce(): Promise<DriftStatus> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = null;
    });
    await this.#running;
    return this.status;
  }

  async #pass(): Promise<void> {
    try {
      await this.#load();
      let changed = false;
      if (this.#port) {
        const version = await this.#port.currentVersion();
        if (version !== this.#s.version) {
          await this.#switchTo(version);
          changed = true;
        }
      }
      // One byte budget per pass: a large backlog is caught up over the next passes.
      const read = await this.#reader.read((r) => this.#take(r));
      this.#s.cursor = this.#reader.cursor;
      this.#logStats.malformed_lines += read.malformed;
      this.#logStats.torn_lines += read.torn;
      this.#metrics?.read(read.records, read.malformed + read.torn);
      if (read.bytes > 0) changed = true;
      const now = this.#clock.now();
      const minutes = this.settings.testMinutes;
      if (minutes !== null && this.#s.test.evictBefore(now - minutes * 60_000) > 0) changed = true;
      if (this.#s.pending) changed = true;
      if (this.#shouldTest()) {
        this.#test(now);
        changed = true;
      }
      // An event detected now or earlier and not yet out; a failure keeps it for the next pass.
      const unpublished = await this.#publishPending();
      this.#metrics?.windows(this.#s.reference.size, this.#s.test.size);
      this.#updatedAt = now;
      this.#lastError = unpublished === null ? null : this.#errorOf(unpublished);
      if (changed && this.#monitorDir !== undefined)
        await saveMonitorState(this.#monitorDir, this.settings.model, this.#s);
      await this.#saveStatus();
    } catch (e) {
      this.#lastError = this.#errorOf(e);
      this.#log?.warn({ err: e }, 'drift monitor: a pass failed; the next one retries');
      await this.#saveStatus().catch(() => {});
      throw e;
    }
  }

  #errorOf(e: unknown): NonNullable<DriftStatus['last_error']> {
    return {
      code: isBookmlError(e) ? e.code : 'INTERNAL',
      message: e instanceof Error ? e.message : String(e),
      at: iso(this.#clock.now()) as string,
    };
  }

  /** One record from the log: into the reference until it is complete, then into the test window. */
  #take(r: PredictionRecord): void {
    this.#logStats.records_read++;
    if (r.role !== 'primary') {
      this.#logStats.records_ignored++;
      return;
    }
    if (r.version !== this.#s.version) {
      // With a port, the registry says what is in production; other versions' answers are not its traffic.
      if (this.#port !== undefined) {
        this.#logStats.records_ignored++;
        return;
      }
      // Without one, the log says what serves: a new version in it restarts the windows.
      this.#reset(r.version);
      this.#log?.info(
        { version: r.version },
        'drift monitor: a new version serves; collecting its reference',
      );
    }
    const st = this.#s;
    const values = recordFeatures(r);
    const time = Date.parse(r.time);
    if (st.referenceKind === 'traffic' && !st.reference.full) st.reference.push(time, values);
    else st.test.push(time, values);
  }

  #reset(version: string | null): void {
    const st = this.#s;
    st.version = version;
    st.referenceKind = 'traffic';
    st.reference.clear();
    st.test.clear();
    st.eventsForVersion = 0;
    st.cooldownUntil = null;
    // An event not yet published about a version no longer watched is dropped with its windows.
    st.pending = null;
    this.#lastTested = -1;
    this.#decision = null;
    this.#features = FEATURE_NAMES.map((name) => untestedFeature(name, 'not tested yet'));
  }

  async #switchTo(version: string | null): Promise<void> {
    this.#reset(version);
    if (version === null) return;
    const rows = (await this.#port?.trainingReference?.(version)) ?? null;
    if (rows !== null && rows.length > 0) {
      this.#s.referenceKind = 'training';
      // Training rows have no answer time; 0 keeps them out of any time bound.
      for (const row of rows.slice(0, this.settings.referenceSize)) this.#s.reference.push(0, row);
    }
    this.#log?.info(
      { version, reference: this.#s.referenceKind },
      'drift monitor: production version changed; windows restarted',
    );
  }

  #referenceReady(): boolean {
    const st = this.#s;
    return st.referenceKind === 'training' ? st.reference.size > 0 : st.reference.full;
  }

  #referenceBounds(): WindowBounds {
    const st = this.#s;
    return st.referenceKind === 'training'
      ? { records: st.reference.size, first_time: null, last_time: null }
      : bounds(st.reference);
  }

  #shouldTest(): boolean {
    const st = this.#s;
    return (
      st.version !== null &&
      this.#referenceReady() &&
      st.test.size >= this.settings.minWindow &&
      st.test.pushed !== this.#lastTested
    );
  }

  /** Test the windows; on drift outside the cool-down, detect an event (published by the pass). */
  #test(now: number): void {
    const s = this.settings;
    const st = this.#s;
    this.#lastTested = st.test.pushed;
    const { features, decision: d, metrics } = testWindows(st.reference, st.test, s);
    this.#features = features;
    this.#metrics?.tested(metrics);
    if (d === null) {
      this.#decision = {
        is_drift: false,
        reason: `no test: no feature has ${s.minFeatureValues} values on each side yet`,
        threshold: s.alpha,
        tested_at: iso(now) as string,
      };
      return;
    }
    let reason = d.reason;
    if (d.isDrift && st.cooldownUntil !== null && now < st.cooldownUntil) {
      reason += `; cool-down until ${iso(st.cooldownUntil)}: no event`;
      this.#metrics?.suppressed();
    } else if (d.isDrift) {
      st.eventsForVersion++;
      st.cooldownUntil = now + s.cooldownMs;
      // The key is fixed at detection: a restart or a retry after a failed publish reuses it.
      st.pending = {
        payload: this.#payload(d, now),
        key: `${DRIFT_TOPIC}:${s.model}:${st.version}:${st.eventsForVersion}`,
      };
      this.#log?.info({ version: st.version, reason: d.reason }, 'drift monitor: drift detected');
    }
    this.#decision = { is_drift: d.isDrift, reason, threshold: d.threshold, tested_at: iso(now) as string };
  }

  #payload(d: DriftDecision, now: number): DriftEventPayload {
    const st = this.#s;
    return {
      model: this.settings.model,
      version: st.version as string,
      features: d.features.map((f) => ({
        name: f.name as FeatureName,
        statistic: f.statistic,
        p_value: f.pValue,
        corrected_p: f.adjustedPValue,
        drift: f.drift,
      })),
      windows: {
        reference: { kind: st.referenceKind, ...this.#referenceBounds() },
        test: bounds(st.test),
      },
      detected_at: iso(now) as string,
      reason: d.reason,
      correction: d.correction,
      alpha: d.alpha,
      min_effect: d.minEffect,
    };
  }

  /** Publish the detected event; on failure keep it (same dedupe key) and return the error. */
  async #publishPending(): Promise<unknown> {
    const st = this.#s;
    const p = st.pending;
    if (p === null) return null;
    try {
      await this.#publisher?.publish(DRIFT_TOPIC, p.payload, { dedupeKey: p.key });
    } catch (e) {
      this.#log?.warn(
        { err: e, key: p.key },
        'drift monitor: publishing a drift event failed; retrying next pass',
      );
      return e ?? new Error('publish failed');
    }
    st.pending = null;
    st.events = [...st.events, p.payload].slice(-this.settings.maxEvents);
    this.#metrics?.event();
    return null;
  }

  async #load(): Promise<void> {
    if (this.#loaded) return;
    if (this.#monitorDir !== undefined) {
      const saved = await loadMonitorState(this.#monitorDir, this.settings);
      if (saved !== null) {
        this.#s = saved;
        this.#reader = this.#openReader({
          cursor: saved.cursor,
          maxBytesPerRead: this.settings.maxBytesPerPass,
        });
      }
    }
    this.#loaded = true;
  }

  async #saveStatus(): Promise<void> {
    if (this.#monitorDir === undefined) return;
    await writeJsonAtomic(join(this.#monitorDir, MONITOR_FILES.status), this.status);
  }
}

function bounds(w: FeatureWindow): WindowBounds {
  return { records: w.size, first_time: iso(w.firstTime), last_time: iso(w.lastTime) };
}
