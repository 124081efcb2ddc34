import type { Clock, Timer } from '../core/index.js';
import type { DriftStatus } from '../monitor/index.js';
import {
  parseServingMetrics,
  type ServingMetricsSource,
  type ServingSample,
  type ServingScrape,
  servingSample,
} from './serving-stats.js';

/** One drift test as the history keeps it: when, and each feature's statistic and p-values. */
export interface DriftTestPoint {
  /** Epoch ms of the test (the monitor's `decision.tested_at`). */
  at: number;
  version: string | null;
  isDrift: boolean;
  features: Array<{
    name: string;
    statistic: number | null;
    pValue: number | null;
    correctedP: number | null;
  }>;
}

/** What the sampler holds, as `/api/v1/serving/stats` and `/api/v1/drift/history` answer it. */
export interface TelemetrySnapshot {
  /** Where serving figures come from; null when none is configured. */
  servingSource: string | null;
  intervalMs: number;
  /** Epoch ms the sampler started: the series begin there (kept in memory, not across restarts). */
  since: number;
  /** The last scrape's failure, if it failed. */
  servingError: string | null;
  serving: ServingSample[];
  drift: DriftTestPoint[];
}

/** Options of {@link TelemetrySampler}. */
export interface TelemetrySamplerOptions {
  clock: Clock;
  serving?: ServingMetricsSource | undefined;
  drift?: { status(): Promise<DriftStatus | null> } | undefined;
  /** Time between samples, ms. @default 5000 */
  intervalMs?: number;
  /** Samples kept per series; the oldest drop out. @default 720 (an hour at 5 s) */
  capacity?: number;
}

/**
 * Samples the serving figures and the drift monitor's tests on the injected clock into two bounded
 * rings. In memory on purpose: these are the live view since the control plane started; the durable
 * history of serving is Prometheus's (it scrapes the same `/metrics`), and the drift monitor keeps its
 * events itself. A ring costs a fixed few hundred KB and no write per sample.
 */
export class TelemetrySampler {
  readonly #o: Required<Pick<TelemetrySamplerOptions, 'intervalMs' | 'capacity'>> & TelemetrySamplerOptions;
  readonly #serving: ServingSample[] = [];
  readonly #drift: DriftTestPoint[] = [];
  #last: { scrape: ServingScrape; at: number } | null = null;
  #error: string | null = null;
  #timer: Timer | null = null;
  #since: number;
  #busy = false;

  constructor(options: TelemetrySamplerOptions) {
    // `??`, not a spread of defaults: an option passed as undefined must not erase its default.
    this.#o = { ...options, intervalMs: options.intervalMs ?? 5000, capacity: options.capacity ?? 720 };
    this.#since = options.clock.now();
  }

  /** Samples once now, then every `intervalMs` until {@link stop}. */
  start(): void {
    if (this.#timer !== null) return;
    this.#since = this.#o.clock.now();
    void this.sample();
    this.#timer = this.#o.clock.setInterval(() => void this.sample(), this.#o.intervalMs, { unref: true });
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = null;
  }

  /** Takes one sample of each source (a slow scrape skips the ticks it overlaps). */
  async sample(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      await Promise.all([this.#sampleServing(), this.#sampleDrift()]);
    } finally {
      this.#busy = false;
    }
  }

  snapshot(): TelemetrySnapshot {
    return {
      servingSource: this.#o.serving?.description ?? null,
      intervalMs: this.#o.intervalMs,
      since: this.#since,
      servingError: this.#error,
      serving: [...this.#serving],
      drift: [...this.#drift],
    };
  }

  async #sampleServing(): Promise<void> {
    const source = this.#o.serving;
    if (source === undefined) return;
    let text: string | null;
    try {
      text = await source.text();
      this.#error = null;
    } catch (e) {
      this.#error = `cannot read ${source.description}: ${(e as Error).message}`;
      return;
    }
    if (text === null) return;
    const at = this.#o.clock.now();
    const scrape = parseServingMetrics(text);
    // The first scrape has nothing to difference against: it only sets the baseline.
    if (this.#last !== null && at > this.#last.at) {
      push(
        this.#serving,
        servingSample(this.#last.scrape, scrape, (at - this.#last.at) / 1000, at),
        this.#o.capacity,
      );
    }
    this.#last = { scrape, at };
  }

  async #sampleDrift(): Promise<void> {
    if (this.#o.drift === undefined) return;
    let status: DriftStatus | null;
    try {
      status = await this.#o.drift.status();
    } catch {
      return; // the drift routes report a broken status file; the history just waits for a good one
    }
    const decision = status?.decision;
    if (status == null || decision == null) return;
    const at = Date.parse(decision.tested_at);
    if (!Number.isFinite(at) || (this.#drift.at(-1)?.at ?? -1) >= at) return;
    push(
      this.#drift,
      {
        at,
        version: status.version,
        isDrift: decision.is_drift,
        features: status.features.map((f) => ({
          name: f.name,
          statistic: f.statistic,
          pValue: f.p_value,
          correctedP: f.corrected_p,
        })),
      },
      this.#o.capacity,
    );
  }
}

function push<T>(ring: T[], item: T, capacity: number): void {
  ring.push(item);
  if (ring.length > capacity) ring.splice(0, ring.length - capacity);
}
