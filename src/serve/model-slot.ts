import { type Clock, isBookmlError } from '../core/index.js';
import type { ModelBundle } from '../model/index.js';
import { loadVerifiedBundle } from './bundle-loader.js';
import type { Role, ServeMetrics } from './metrics.js';
import type { ModelRef, ModelSource } from './model-source.js';
import { compileServedModel, type ServedModel } from './served-model.js';

/**
 * Reads a bundle for a ref. The default, `loadVerifiedBundle`, reads each file once and verifies its
 * checksum, unless the ref is `verified` (fetched from the artifact store, which checked it).
 */
export type BundleLoader = (ref: ModelRef) => ModelBundle | Promise<ModelBundle>;

/** The logger calls the serving layer makes (pino and Fastify's logger fit). */
export interface ServeLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Why a slot is not serving what its source points at. */
export interface SlotFailure {
  /** The version that failed to load; null when the source itself could not be resolved. */
  readonly version: string | null;
  readonly code: string;
  readonly message: string;
  /** ISO time of the failure. */
  readonly at: string;
}

/** What one reconcile pass did. */
export interface ReconcileResult {
  readonly role: Role;
  /** True when a new version was swapped in. */
  readonly changed: boolean;
  readonly version: string | null;
  readonly previous: string | null;
  readonly failure: SlotFailure | null;
}

export interface ModelSlotOptions {
  role: Role;
  source: ModelSource;
  defaultK: number;
  metrics: ServeMetrics;
  clock: Clock;
  loadBundle?: BundleLoader;
  log?: ServeLogger;
}

/**
 * One role of a deployment (primary, canary or shadow) kept in step with its source. A load runs
 * in the background while the current model keeps answering; the swap is one reference
 * assignment, so a request that already holds the old model finishes on it. A failed load keeps
 * the old model, records the failure, and is not retried until the source moves (or a forced
 * reload).
 */
export class ModelSlot {
  readonly role: Role;
  readonly source: ModelSource;
  /** The model answering now; null until the first successful load. */
  current: ServedModel | null = null;
  /** The latest failure, cleared by the next successful load or when the source serves the current version. */
  failure: SlotFailure | null = null;

  readonly #opts: ModelSlotOptions;
  readonly #load: BundleLoader;
  #inflight: Promise<ReconcileResult> | null = null;
  #failedVersion: string | null = null;

  constructor(opts: ModelSlotOptions) {
    this.role = opts.role;
    this.source = opts.source;
    this.#opts = opts;
    this.#load =
      opts.loadBundle ?? ((ref) => loadVerifiedBundle(ref.dir, { verified: ref.verified === true }));
  }

  /** Check the source and load what it points at if that differs; concurrent calls share one pass. */
  reconcile(force = false): Promise<ReconcileResult> {
    if (this.#inflight === null) {
      this.#inflight = this.#run(force).finally(() => {
        this.#inflight = null;
      });
    }
    return this.#inflight;
  }

  /** Resolves once no load is running. */
  async idle(): Promise<void> {
    await this.#inflight?.catch(() => undefined);
  }

  async #run(force: boolean): Promise<ReconcileResult> {
    const { role, metrics, clock, log } = this.#opts;
    const previous = this.current?.version ?? null;
    let ref: ModelRef;
    try {
      ref = await this.source.resolve();
    } catch (err) {
      this.failure = failureOf(err, null, clock);
      return { role, changed: false, version: previous, previous, failure: this.failure };
    }
    if (ref.version === previous) {
      this.failure = null;
      this.#failedVersion = null;
      return { role, changed: false, version: previous, previous, failure: null };
    }
    if (!force && ref.version === this.#failedVersion) {
      return { role, changed: false, version: previous, previous, failure: this.failure };
    }
    const t0 = performance.now();
    try {
      const bundle = await this.#load(ref);
      const served = await compileServedModel(bundle, {
        role,
        ref,
        source: this.source.description,
        defaultK: this.#opts.defaultK,
        stats: metrics.versionStats(ref.version),
        loadedAt: clock.now(),
      });
      served.loadMs = performance.now() - t0;
      // The swap: one assignment. Requests already holding the old model finish on it.
      this.current = served;
      this.failure = null;
      this.#failedVersion = null;
      metrics.modelLoaded(role, ref.version, previous ?? undefined, served.loadMs / 1000);
      log?.info(
        { role, version: ref.version, previous, dir: ref.dir, loadMs: Math.round(served.loadMs) },
        'model loaded',
      );
      return { role, changed: true, version: ref.version, previous, failure: null };
    } catch (err) {
      this.#failedVersion = ref.version;
      this.failure = failureOf(err, ref.version, clock);
      metrics.modelLoadFailed(role, (performance.now() - t0) / 1000);
      log?.error(
        { role, version: ref.version, dir: ref.dir, serving: previous, err },
        'model load failed; the previous version keeps serving',
      );
      return { role, changed: false, version: previous, previous, failure: this.failure };
    }
  }
}

function failureOf(err: unknown, version: string | null, clock: Clock): SlotFailure {
  const at = new Date(clock.now()).toISOString();
  if (isBookmlError(err)) return { version, code: err.code, message: err.message, at };
  return {
    version,
    code: version === null ? 'SERVE_INVALID_SOURCE' : 'SERVE_MODEL_LOAD_FAILED',
    message: err instanceof Error ? err.message : String(err),
    at,
  };
}
