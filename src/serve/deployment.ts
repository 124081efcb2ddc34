import { type Clock, systemClock, type Timer } from '../core/index.js';
import { TrafficSplit } from './canary-split.js';
import { notReady } from './errors.js';
import type { ServeMetrics } from './metrics.js';
import {
  type BundleLoader,
  ModelSlot,
  type ReconcileResult,
  type ServeLogger,
  type SlotFailure,
} from './model-slot.js';
import type { ModelSource } from './model-source.js';
import type { ServedModel } from './served-model.js';

export interface DeploymentOptions {
  /** What answers by default (a bundle folder, the workspace's latest model, later a registry alias). */
  primary: ModelSource;
  /** Answers `canaryPercent` of the traffic, sticky per routing key. */
  canary?: ModelSource;
  /** Recomputes requests off the response path for comparison; never answers. */
  shadow?: ModelSource;
  /** Whole percent of traffic for the canary. @default 0 */
  canaryPercent?: number;
  /** k when a request gives none. @default 5 */
  defaultK?: number;
  metrics: ServeMetrics;
  /** Load timestamps and the poll timer. @default systemClock */
  clock?: Clock;
  /** How often sources are re-checked, in ms; 0 turns polling off. @default 0 */
  pollIntervalMs?: number;
  /** Reads bundles; tests pass failing or slow loaders. @default loadVerifiedBundle (checksums verified) */
  loadBundle?: BundleLoader;
  log?: ServeLogger;
}

/** One role's state, as `/ready` shows it. */
export interface SlotStatus {
  role: 'primary' | 'canary' | 'shadow';
  source: string;
  ready: boolean;
  version: string | null;
  modelId: string | null;
  dir: string | null;
  books: number | null;
  maxK: number | null;
  loadedAt: string | null;
  loadMs: number | null;
  failure: SlotFailure | null;
}

/**
 * What the server exposes (DESIGN.md's Deployment): a primary model, an optional canary that
 * answers a sticky share of traffic, and an optional shadow that only computes. Each role is a
 * {@link ModelSlot} reconciled to its {@link ModelSource}.
 *
 * @example
 * const deployment = new Deployment({ primary: bundleDirSource(dir), metrics: new ServeMetrics() });
 * await deployment.reconcile();
 * const model = deployment.pick(undefined); // the primary
 */
export class Deployment {
  readonly primary: ModelSlot;
  readonly canary: ModelSlot | null;
  readonly shadow: ModelSlot | null;
  /** Every slot in role order (fixed at construction; versioned routes scan it per request). */
  readonly slots: readonly ModelSlot[];
  readonly split: TrafficSplit;
  readonly #metrics: ServeMetrics;
  readonly #pollMs: number;
  readonly #clock: Clock;
  #timer: Timer | null = null;
  #unwatch: Array<() => void> = [];
  #stopped = false;

  constructor(opts: DeploymentOptions) {
    this.#clock = opts.clock ?? systemClock;
    const common = {
      defaultK: opts.defaultK ?? 5,
      metrics: opts.metrics,
      clock: this.#clock,
      loadBundle: opts.loadBundle,
      log: opts.log,
    };
    this.primary = new ModelSlot({ ...common, role: 'primary', source: opts.primary });
    this.canary = opts.canary ? new ModelSlot({ ...common, role: 'canary', source: opts.canary }) : null;
    this.shadow = opts.shadow ? new ModelSlot({ ...common, role: 'shadow', source: opts.shadow }) : null;
    this.slots = [this.primary, this.canary, this.shadow].filter((s): s is ModelSlot => s !== null);
    this.split = new TrafficSplit(this.canary ? (opts.canaryPercent ?? 0) : 0);
    this.#metrics = opts.metrics;
    this.#pollMs = opts.pollIntervalMs ?? 0;
    opts.metrics.setCanaryPercent(this.split.percent);
  }

  /** True once the primary has a model. */
  get ready(): boolean {
    return this.primary.current !== null;
  }

  /**
   * The model that answers a request: the canary for its share of routing keys (when loaded), else
   * the primary. Throws SERVE_NOT_READY (503) before the first load. The hot path: no allocation.
   */
  pick(routingKey: string | undefined): ServedModel {
    const model = this.choose(routingKey);
    if (model === null) throw notReady(this.primary.failure?.message);
    this.countAnswer(model);
    return model;
  }

  /**
   * {@link pick} without counting the answer or throwing: null before the first load. For a caller
   * that may still hand the request on (the fast path), then calls {@link countAnswer}.
   */
  choose(routingKey: string | undefined): ServedModel | null {
    const primary = this.primary.current;
    if (primary === null) return null;
    if (this.split.percent > 0) {
      const canary = this.canary?.current ?? null;
      if (canary !== null && this.split.toCanary(routingKey)) return canary;
    }
    return primary;
  }

  /** Count one answer by the model's role, for the canary share. */
  countAnswer(model: ServedModel): void {
    this.#metrics.answers[model.role === 'canary' ? 1 : 0]++;
  }

  /** True when a request's routing key matters (a canary is configured and loaded). */
  get splitting(): boolean {
    return this.split.percent > 0 && this.canary?.current != null;
  }

  /** A loaded model by version (any role), for the KServe versioned routes. */
  byVersion(version: string): ServedModel | null {
    for (const s of this.slots) if (s.current?.version === version) return s.current;
    return null;
  }

  /**
   * Check every source now and load what moved, in parallel. `force` retries versions that failed.
   * Resolves when the loads are done (swapped in or failed).
   */
  reconcile(opts: { force?: boolean } = {}): Promise<ReconcileResult[]> {
    return Promise.all(this.slots.map((s) => s.reconcile(opts.force ?? false)));
  }

  /** Start polling the sources (and listening to the ones that can push). The first check runs now. */
  start(): Promise<ReconcileResult[]> {
    if (this.#pollMs > 0 && this.#timer === null) {
      this.#timer = this.#clock.setInterval(() => void this.reconcile(), this.#pollMs, { unref: true });
    }
    for (const s of this.slots) {
      const off = s.source.watch?.(() => {
        if (!this.#stopped) void s.reconcile();
      });
      if (off) this.#unwatch.push(off);
    }
    return this.reconcile();
  }

  /** Stop polling and wait for a running load to settle (shutdown drains through this). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
    for (const off of this.#unwatch) off();
    this.#unwatch = [];
    await Promise.all(this.slots.map((s) => s.idle()));
  }

  /** Each role's state for `/ready`. */
  status(): SlotStatus[] {
    return this.slots.map((s) => {
      const m = s.current;
      return {
        role: s.role,
        source: s.source.description,
        ready: m !== null,
        version: m?.version ?? null,
        modelId: m?.bundle.manifest.modelId ?? null,
        dir: m?.ref.dir ?? null,
        books: m?.nItems ?? null,
        maxK: m?.maxK ?? null,
        loadedAt: m ? new Date(m.loadedAt).toISOString() : null,
        loadMs: m ? Math.round(m.loadMs * 10) / 10 : null,
        failure: s.failure,
      };
    });
  }
}
