import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ConnectionLimiter } from '../core/index.js';
import {
  type RouteLabel,
  renderRouteStats,
  renderUnitHistogram,
  UnitHistogram,
  VersionStats,
} from './hot-stats.js';

/** Which slot of a deployment a model fills. */
export type Role = 'primary' | 'canary' | 'shadow';

export interface ServeMetricsOptions {
  /** Metric name prefix. @default 'bookml_serve' */
  prefix?: string;
  /**
   * Also export Node's process metrics (CPU, memory, event-loop lag, GC) under their standard names
   * (`process_*`, `nodejs_*`), so stock dashboards work. @default true
   */
  processMetrics?: boolean;
  /** Versions whose request stats are kept; older ones that no longer serve are dropped. @default 32 */
  maxVersions?: number;
}

/** Counters the prediction log bumps (the hot path only touches `recorded` and `dropped`). */
export interface PredictionLogCounters {
  recorded: number;
  dropped: number;
  written: number;
  writeFailures: number;
}

/** Counters the shadow runner bumps. */
export interface ShadowCounters {
  compared: number;
  skipped: number;
  failed: number;
  readonly overlap: UnitHistogram;
}

/**
 * The serving metrics, one instance per server (no global registry). Cold events — model loads,
 * failures, the loaded versions, the canary setting — go through prom-client; per-request counts
 * live in plain counters ({@link VersionStats}) and are rendered only when scraped.
 *
 * @example
 * const metrics = new ServeMetrics();
 * const text = await metrics.render(); // GET /metrics body
 */
export class ServeMetrics {
  readonly registry = new Registry();
  readonly prefix: string;
  /** Requests no model answered (bad input before routing, health, metrics). */
  readonly none = new VersionStats('none');
  /** Answers by role: index 0 primary, 1 canary. */
  readonly answers = new Float64Array(2);
  readonly predictionLog: PredictionLogCounters = { recorded: 0, dropped: 0, written: 0, writeFailures: 0 };
  readonly shadow: ShadowCounters = { compared: 0, skipped: 0, failed: 0, overlap: new UnitHistogram() };

  readonly #routes: RouteLabel[] = [];
  readonly #versions = new Map<string, VersionStats>();
  readonly #pins = new Map<string, number>();
  readonly #maxVersions: number;
  readonly #loadSeconds: Histogram<'role'>;
  readonly #loads: Counter<'role' | 'result'>;
  readonly #info: Gauge<'role' | 'version'>;
  readonly #lastFailed: Gauge<'role'>;
  readonly #canaryTarget: Gauge;
  #connections: ConnectionLimiter = { refused: 0 };

  constructor(opts: ServeMetricsOptions = {}) {
    const p = (this.prefix = opts.prefix ?? 'bookml_serve');
    this.#maxVersions = opts.maxVersions ?? 32;
    const registers = [this.registry];
    if (opts.processMetrics ?? true) registerProcessMetrics(this.registry);
    this.#loadSeconds = new Histogram({
      name: `${p}_model_load_seconds`,
      help: 'Time to load a model version: read and verify the bundle, then build its answer tables.',
      labelNames: ['role'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#loads = new Counter({
      name: `${p}_model_loads_total`,
      help: 'Model load attempts by role and result (success | failure).',
      labelNames: ['role', 'result'],
      registers,
    });
    this.#info = new Gauge({
      name: `${p}_model_info`,
      help: 'The model version loaded in each role (value 1).',
      labelNames: ['role', 'version'],
      registers,
    });
    this.#lastFailed = new Gauge({
      name: `${p}_model_last_load_failed`,
      help: "1 when the role's latest load attempt failed (the previous version keeps serving).",
      labelNames: ['role'],
      registers,
    });
    this.#canaryTarget = new Gauge({
      name: `${p}_canary_target_ratio`,
      help: 'Configured share of traffic (0..1) routed to the canary.',
      registers,
    });
    const answers = this.answers;
    new Gauge({
      name: `${p}_canary_share_ratio`,
      help: 'Observed share of answers given by the canary since start (0..1).',
      registers,
      collect() {
        const total = answers[0] + answers[1];
        this.set(total > 0 ? answers[1] / total : 0);
      },
    });
    const reported = new Float64Array(2);
    new Counter({
      name: `${p}_answers_total`,
      help: 'Answers by the role that gave them (primary | canary).',
      labelNames: ['role'],
      registers,
      collect() {
        syncCounter(this, { role: 'primary' }, answers[0], reported, 0);
        syncCounter(this, { role: 'canary' }, answers[1], reported, 1);
      },
    });
    const log = this.predictionLog;
    counterFrom(
      registers,
      `${p}_prediction_log_records_total`,
      'Answers sampled into the prediction log.',
      () => log.recorded,
    );
    counterFrom(
      registers,
      `${p}_prediction_log_dropped_total`,
      'Prediction-log records dropped because the in-memory buffer was full.',
      () => log.dropped,
    );
    counterFrom(
      registers,
      `${p}_prediction_log_written_total`,
      'Prediction-log records written by the sink.',
      () => log.written,
    );
    counterFrom(
      registers,
      `${p}_prediction_log_write_failures_total`,
      'Batches the prediction-log sink failed to write (their records are lost and counted here).',
      () => log.writeFailures,
    );
    const shadow = this.shadow;
    counterFrom(
      registers,
      `${p}_shadow_compared_total`,
      'Requests the shadow model recomputed and compared.',
      () => shadow.compared,
    );
    counterFrom(
      registers,
      `${p}_shadow_skipped_total`,
      'Requests not compared because the shadow queue was full.',
      () => shadow.skipped,
    );
    counterFrom(
      registers,
      `${p}_shadow_failures_total`,
      'Shadow computations that threw.',
      () => shadow.failed,
    );
    counterFrom(
      registers,
      `${p}_connections_refused_total`,
      'Connections closed on arrival because their client address already held the most allowed.',
      () => this.#connections.refused,
    );
  }

  /** Reports the connections a per-address cap refused (see `limitConnectionsPerAddress`). */
  trackConnections(limiter: ConnectionLimiter): void {
    this.#connections = limiter;
  }

  /** Register an instrumented route; returns its id for {@link VersionStats.route}. */
  registerRoute(method: string, route: string): number {
    const existing = this.#routes.findIndex((r) => r.method === method && r.route === route);
    if (existing >= 0) return existing;
    this.#routes.push({ method, route });
    return this.#routes.length - 1;
  }

  /** The hot counters of a version; pinned versions (loaded somewhere) are never dropped. */
  versionStats(version: string): VersionStats {
    let v = this.#versions.get(version);
    if (v === undefined) {
      v = new VersionStats(version);
      this.#versions.set(version, v);
      if (this.#versions.size > this.#maxVersions) {
        for (const key of this.#versions.keys()) {
          if (this.#versions.size <= this.#maxVersions) break;
          if (key !== version && !this.#pins.get(key)) this.#versions.delete(key);
        }
      }
    }
    return v;
  }

  /** A version went into `role` (after a successful load). */
  modelLoaded(role: Role, version: string, previous: string | undefined, seconds: number): void {
    this.#loadSeconds.observe({ role }, seconds);
    this.#loads.inc({ role, result: 'success' });
    this.#lastFailed.set({ role }, 0);
    if (previous !== undefined) {
      this.#info.remove({ role, version: previous });
      this.#pins.set(previous, Math.max(0, (this.#pins.get(previous) ?? 1) - 1));
    }
    this.#info.set({ role, version }, 1);
    this.#pins.set(version, (this.#pins.get(version) ?? 0) + 1);
  }

  /** A load attempt for `role` failed; the previous version keeps serving. */
  modelLoadFailed(role: Role, seconds: number): void {
    this.#loadSeconds.observe({ role }, seconds);
    this.#loads.inc({ role, result: 'failure' });
    this.#lastFailed.set({ role }, 1);
  }

  /** The configured canary share, in percent (exported as a 0..1 ratio). */
  setCanaryPercent(percent: number): void {
    this.#canaryTarget.set(percent / 100);
  }

  /** The Prometheus exposition (text format 0.0.4). */
  /**
   * Set in a `--workers N` worker: what `/metrics` answers instead of {@link render} (every
   * worker's text, gathered by the primary).
   */
  aggregate: (() => Promise<string>) | null = null;

  /** What `GET /metrics` answers: every worker's metrics under `--workers N`, else this server's. */
  scrape(): Promise<string> {
    return this.aggregate === null ? this.render() : this.aggregate();
  }

  async render(): Promise<string> {
    const cold = await this.registry.metrics();
    const hot = renderRouteStats(this.prefix, this.#routes, [this.none, ...this.#versions.values()]);
    const overlap = renderUnitHistogram(
      `${this.prefix}_shadow_overlap_ratio`,
      'overlap@k between the answering model and the shadow, per compared request (|A∩B| / max(|A|,|B|)).',
      this.shadow.overlap,
    );
    return `${cold}\n${hot}\n${overlap}`;
  }

  /** Content type of {@link render}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * Node's process metrics under the names stock dashboards query. prom-client also exports
 * `nodejs_active_{handles,requests,resources}_total` as gauges, which `promtool check metrics` refuses
 * (`_total` is for counters); their per-type siblings (`nodejs_active_handles{type}` …) stay, and a sum
 * of those is the same number.
 *
 * @example
 * const registry = new Registry();
 * registerProcessMetrics(registry); // process_cpu_seconds_total, nodejs_eventloop_lag_seconds, …
 */
export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ])
    registry.removeSingleMetric(name);
}

function syncCounter(
  c: Counter<'role'>,
  labels: { role: string },
  value: number,
  reported: Float64Array,
  i: number,
): void {
  if (value > reported[i]) {
    c.inc(labels, value - reported[i]);
    reported[i] = value;
  }
}

/** A prom-client counter whose value is read from a plain number at scrape time. */
function counterFrom(registers: Registry[], name: string, help: string, read: () => number): void {
  let reported = 0;
  new Counter({
    name,
    help,
    registers,
    collect() {
      const v = read();
      if (v > reported) {
        this.inc(v - reported);
        reported = v;
      }
    },
  });
}
