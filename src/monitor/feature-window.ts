import { FEATURE_NAMES, type FeatureName, type FeatureValues } from './features.js';

/** A {@link FeatureWindow} as plain JSON (NaN written as null), for the monitor's saved state. */
export interface FeatureWindowJson {
  capacity: number;
  /** Answer times, epoch ms, oldest first. */
  times: number[];
  columns: Record<FeatureName, (number | null)[]>;
}

/**
 * The last `capacity` answers' features, oldest first: a ring of parallel typed arrays (one per
 * feature, plus the answer time), so a window of 10,000 answers is five `Float64Array`s and pushing
 * allocates nothing. A full window drops its oldest answer for each new one; `evictBefore` drops
 * answers older than a time (the "last T minutes" window).
 *
 * @example
 * const w = new FeatureWindow(5000);
 * w.push(Date.parse(record.time), recordFeatures(record));
 * const ranks = w.sample('requested_rank'); // finite values only, oldest first
 */
export class FeatureWindow {
  readonly capacity: number;
  readonly #times: Float64Array;
  readonly #columns: Float64Array[];
  #head = 0;
  #size = 0;
  #pushed = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#times = new Float64Array(capacity);
    this.#columns = FEATURE_NAMES.map(() => new Float64Array(capacity));
  }

  /** Answers in the window. */
  get size(): number {
    return this.#size;
  }

  get full(): boolean {
    return this.#size === this.capacity;
  }

  /** Answers ever pushed (a window that has not changed since a test need not be tested again). */
  get pushed(): number {
    return this.#pushed;
  }

  /** Time of the oldest answer, epoch ms; null when empty. */
  get firstTime(): number | null {
    return this.#size === 0 ? null : this.#times[this.#head];
  }

  /** Time of the newest answer, epoch ms; null when empty. */
  get lastTime(): number | null {
    return this.#size === 0 ? null : this.#times[(this.#head + this.#size - 1) % this.capacity];
  }

  /** Add one answer; a full window drops its oldest. */
  push(time: number, values: FeatureValues): void {
    let slot: number;
    if (this.#size < this.capacity) {
      slot = (this.#head + this.#size) % this.capacity;
      this.#size++;
    } else {
      slot = this.#head;
      this.#head = (this.#head + 1) % this.capacity;
    }
    this.#times[slot] = time;
    for (let f = 0; f < FEATURE_NAMES.length; f++) this.#columns[f][slot] = values[FEATURE_NAMES[f]];
    this.#pushed++;
  }

  /** Drop answers older than `time` (epoch ms) from the front; returns how many went. */
  evictBefore(time: number): number {
    let n = 0;
    while (this.#size > 0 && this.#times[this.#head] < time) {
      this.#head = (this.#head + 1) % this.capacity;
      this.#size--;
      n++;
    }
    return n;
  }

  /** One feature's values in the window, oldest first, without the answers that have none (NaN). */
  sample(name: FeatureName): Float64Array {
    const col = this.#columns[FEATURE_NAMES.indexOf(name)];
    const out = new Float64Array(this.#size);
    let n = 0;
    for (let t = 0; t < this.#size; t++) {
      const v = col[(this.#head + t) % this.capacity];
      if (!Number.isNaN(v)) out[n++] = v;
    }
    return out.subarray(0, n);
  }

  clear(): void {
    this.#head = 0;
    this.#size = 0;
  }

  toJSON(): FeatureWindowJson {
    const at = (t: number) => (this.#head + t) % this.capacity;
    const times = Array.from({ length: this.#size }, (_, t) => this.#times[at(t)]);
    const columns = Object.fromEntries(
      FEATURE_NAMES.map((name, f) => [
        name,
        Array.from({ length: this.#size }, (_, t) => {
          const v = this.#columns[f][at(t)];
          return Number.isNaN(v) ? null : v;
        }),
      ]),
    ) as FeatureWindowJson['columns'];
    return { capacity: this.capacity, times, columns };
  }

  /**
   * A window of `capacity` holding the newest answers of `json` (a saved window); null when `json`
   * is not a saved window (the caller starts afresh).
   */
  static fromJSON(json: unknown, capacity: number): FeatureWindow | null {
    const j = json as FeatureWindowJson | null;
    if (j === null || typeof j !== 'object' || !Array.isArray(j.times) || typeof j.columns !== 'object')
      return null;
    const n = j.times.length;
    for (const name of FEATURE_NAMES)
      if (!Array.isArray(j.columns?.[name]) || j.columns[name].length !== n) return null;
    const w = new FeatureWindow(capacity);
    for (let t = Math.max(0, n - capacity); t < n; t++) {
      const time = j.times[t];
      if (typeof time !== 'number') return null;
      const values = {} as FeatureValues;
      for (const name of FEATURE_NAMES) {
        const v = j.columns[name][t];
        values[name] = typeof v === 'number' ? v : Number.NaN;
      }
      w.push(time, values);
    }
    return w;
  }
}
