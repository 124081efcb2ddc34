import type { Recommendation } from '../model/index.js';
import type { ShadowCounters } from './metrics.js';
import type { ModelSlot, ServeLogger } from './model-slot.js';
import type { ServedModel } from './served-model.js';

/** Requests compared per turn of the event loop, so comparisons never crowd out answers. */
const PER_TURN = 256;

export interface ShadowRunnerOptions {
  /** The shadow slot; requests are compared against whatever it holds when they are drained. */
  slot: ModelSlot;
  counters: ShadowCounters;
  /** Requests that may wait; when full, new ones are skipped and counted. @default 4096 */
  capacity?: number;
  /** Share of requests compared, 0–1 (deterministic: every 1/rate-th). @default 1 */
  sampleRate?: number;
  log?: ServeLogger;
}

/**
 * Shadow traffic: the shadow model recomputes requests the answering model already answered,
 * never on the response path. The hot path only writes (model, book index, k) into a bounded
 * ring; a `setImmediate` drain recomputes both answers (models are immutable, so the answering
 * model gives the same list again), maps books by their external id (the two versions may index
 * books differently) and records overlap@k = |A ∩ B| / max(|A|, |B|).
 *
 * @example
 * const shadow = new ShadowRunner({ slot: deployment.shadow!, counters: metrics.shadow });
 * shadow.offerItem(model, idx, '17', 5);
 */
export class ShadowRunner {
  readonly capacity: number;
  readonly #slot: ModelSlot;
  readonly #c: ShadowCounters;
  readonly #rate: number;
  readonly #log: ServeLogger | undefined;
  readonly #model: (ServedModel | null)[];
  readonly #idx: Int32Array;
  readonly #k: Int32Array;
  readonly #basket: (Int32Array | null)[];
  #credit = 0;
  #head = 0;
  #size = 0;
  #scheduled = false;
  #stopped = false;
  #idle: Array<() => void> = [];

  constructor(opts: ShadowRunnerOptions) {
    this.#slot = opts.slot;
    this.#c = opts.counters;
    this.#rate = opts.sampleRate ?? 1;
    this.#log = opts.log;
    const n = (this.capacity = opts.capacity ?? 4096);
    this.#model = new Array(n).fill(null);
    this.#idx = new Int32Array(n);
    this.#k = new Int32Array(n);
    this.#basket = new Array(n).fill(null);
  }

  /** Queue a single-book answer for comparison (`idx` -1: unknown book, answered by the fallback). */
  offerItem(model: ServedModel, idx: number, k: number): void {
    const s = this.#claim();
    if (s < 0) return;
    this.#model[s] = model;
    this.#idx[s] = idx;
    this.#k[s] = k;
    this.#basket[s] = null;
  }

  /** Queue a basket answer for comparison (`idx` are the basket's indices in `model`). */
  offerBasket(model: ServedModel, idx: Int32Array, k: number): void {
    const s = this.#claim();
    if (s < 0) return;
    this.#model[s] = model;
    this.#idx[s] = -1;
    this.#k[s] = k;
    this.#basket[s] = idx;
  }

  /** Resolves once everything queued so far has been compared (tests and shutdown). */
  drained(): Promise<void> {
    if (this.#size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stop accepting work and finish what is queued. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.drained();
  }

  #claim(): number {
    if (this.#stopped || this.#slot.current === null) return -1;
    if (this.#rate < 1) {
      this.#credit += this.#rate;
      if (this.#credit < 1) return -1;
      this.#credit -= 1;
    }
    if (this.#size === this.capacity) {
      this.#c.skipped++;
      return -1;
    }
    const s = (this.#head + this.#size) % this.capacity;
    this.#size++;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
    return s;
  }

  #drain(): void {
    this.#scheduled = false;
    for (let n = 0; n < PER_TURN && this.#size > 0; n++) {
      const s = this.#head;
      const model = this.#model[s] as ServedModel;
      const basket = this.#basket[s];
      this.#model[s] = null;
      this.#basket[s] = null;
      this.#head = (this.#head + 1) % this.capacity;
      this.#size--;
      const shadow = this.#slot.current;
      if (shadow === null) continue;
      try {
        this.#c.overlap.observe(compare(model, shadow, this.#idx[s], basket, this.#k[s]));
        this.#c.compared++;
      } catch (err) {
        this.#c.failed++;
        if (this.#c.failed === 1) this.#log?.warn({ err }, 'shadow comparison failed');
      }
    }
    if (this.#size > 0) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    } else {
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }
}

/** Index in `to` of item `idx` of `from`, by external id; -1 when `to` does not know it. */
function mapIndex(from: ServedModel, to: ServedModel, idx: number): number {
  if (idx < 0) return -1;
  if (from === to) return idx;
  const id = from.idValue(idx);
  if (typeof id === 'number') return to.numericIds ? to.ids.ofNumber(id) : to.ids.ofText(String(id));
  return to.numericIds ? to.ids.ofNumber(Number(id)) : to.ids.ofText(id);
}

/** overlap@k of the two answers, by external book id. */
export function compare(
  answering: ServedModel,
  shadow: ServedModel,
  idx: number,
  basket: Int32Array | null,
  k: number,
): number {
  const ks = Math.min(k, shadow.maxK);
  let a: Recommendation;
  let b: Recommendation;
  if (basket === null) {
    a = answering.recommender.forItem(idx, k);
    b = shadow.recommender.forItem(mapIndex(answering, shadow, idx), ks);
  } else {
    a = answering.recommender.forBasket(basket, k);
    const mapped = basket.map((i) => mapIndex(answering, shadow, i));
    b = shadow.recommender.forBasket(mapped, ks);
  }
  const denom = Math.max(a.items.length, b.items.length);
  if (denom === 0) return 1;
  const mine = new Set<string>();
  for (let t = 0; t < a.items.length; t++) mine.add(String(answering.idValue(a.items[t])));
  let common = 0;
  for (let t = 0; t < b.items.length; t++) if (mine.has(String(shadow.idValue(b.items[t])))) common++;
  return common / denom;
}
