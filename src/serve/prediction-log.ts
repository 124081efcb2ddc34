import type { Clock, Timer } from '../core/index.js';
import type { PredictionRecord, PredictionRoute } from '../store/predictions/index.js';
import type { PredictionLogCounters } from './metrics.js';
import type { ServeLogger } from './model-slot.js';
import { ByteWriter, ModelLines, RingBatch } from './prediction-batch.js';
import type { ServedModel } from './served-model.js';

// The record is defined in store/ (the drift monitor reads it and may not import serve/).
export type { PredictionRecord, PredictionRoute };

const ROUTE_CODE: Readonly<Record<PredictionRoute, number>> = { recommend: 0, basket: 1, v1: 2, v2: 3 };

/**
 * A batch handed to a sink. Records are materialised only when asked: `jsonLines()` writes the
 * JSONL text straight from the model's id strings (what a file sink wants, without building
 * objects); `record(i)` builds the object (what a database sink wants).
 */
export interface PredictionBatch {
  readonly length: number;
  record(i: number): PredictionRecord;
  /** Every record as one JSON object per line, each line ending in `\n`. */
  jsonLines(): string;
  /**
   * The same lines as UTF-8 bytes, when the batch can write them directly (cheaper than
   * `jsonLines()` and encoding it). Optional: sinks fall back to `jsonLines()`. The bytes may be
   * reused for the next batch: a sink must be done with them when its `write` resolves.
   */
  jsonBytes?(): Buffer;
}

/**
 * Where prediction records go. `write` is called with one batch at a time, never concurrently,
 * and never on the request path; a rejected write drops that batch and is counted.
 */
export interface PredictionSink {
  write(batch: PredictionBatch): Promise<void>;
  close(): Promise<void>;
}

export interface PredictionLogOptions {
  sink: PredictionSink;
  clock: Clock;
  counters: PredictionLogCounters;
  /** Share of answers recorded, 0–1 (deterministic: every 1/rate-th answer). @default 1 */
  sampleRate?: number;
  /**
   * Most records per second; above it the share recorded falls so that about this many are (the
   * rate of each second follows the previous second's traffic, and no second records more). 0: no
   * limit. @default 0
   */
  maxPerSecond?: number;
  /** Ring capacity; when full, new records are dropped and counted. @default 65536 */
  capacity?: number;
  /** Most records per sink write. @default 4096 */
  batchSize?: number;
  /** Longest a record waits for a write, in ms; 0 leaves flushing to the caller. @default 1000 */
  flushIntervalMs?: number;
  log?: ServeLogger;
}

/**
 * The prediction log: a bounded ring that the hot path appends to (a few typed-array writes, no
 * allocation, no I/O), drained in batches to a {@link PredictionSink} off the request path. A
 * single-book answer is stored as (model, book index, k) and recomputed when written — the
 * model is immutable, so that gives the same answer without copying it per request. `close()`
 * (SIGTERM) writes everything; a SIGKILL loses what the ring holds — at most `flushIntervalMs` of
 * answers, about `batchSize` under load, never more than `capacity` (src/serve/ARCHITECTURE.md).
 *
 * @example
 * const plog = new PredictionLog({ sink, clock: systemClock, counters: metrics.predictionLog });
 * plog.recordItem(model, 'recommend', idx, '17', 5);
 * await plog.close(); // flushes what is left
 */
export class PredictionLog {
  readonly capacity: number;
  readonly #sink: PredictionSink;
  readonly #clock: Clock;
  readonly #c: PredictionLogCounters;
  readonly #rate: number;
  readonly #batchSize: number;
  readonly #log: ServeLogger | undefined;
  #credit = 0;
  readonly #maxPerSecond: number;
  /** The share recorded this second: `sampleRate`, lowered when the last second's traffic exceeded the cap. */
  #secondRate: number;
  #second = -1;
  #answersThisSecond = 0;
  #recordedThisSecond = 0;
  // The ring, as parallel arrays.
  readonly #model: (ServedModel | null)[];
  readonly #route: Uint8Array;
  readonly #idx: Int32Array;
  readonly #k: Int32Array;
  readonly #time: Float64Array;
  readonly #raw: unknown[];
  readonly #basket: (Int32Array | null)[];
  #head = 0;
  #size = 0;
  #writing: Promise<void> | null = null;
  #timer: Timer | null = null;
  #scheduled = false;
  /** Each model's rank table and line cache, built at its first write (off the request path). */
  readonly #lines = new WeakMap<ServedModel, ModelLines>();
  /** Where every batch's lines are written; one batch is with the sink at a time. */
  readonly #out = new ByteWriter();
  #closed = false;

  constructor(opts: PredictionLogOptions) {
    this.#sink = opts.sink;
    this.#clock = opts.clock;
    this.#c = opts.counters;
    this.#rate = opts.sampleRate ?? 1;
    this.#secondRate = this.#rate;
    this.#maxPerSecond = opts.maxPerSecond ?? 0;
    this.#batchSize = opts.batchSize ?? 4096;
    this.#log = opts.log;
    const n = (this.capacity = opts.capacity ?? 65_536);
    this.#model = new Array(n).fill(null);
    this.#route = new Uint8Array(n);
    this.#idx = new Int32Array(n);
    this.#k = new Int32Array(n);
    this.#time = new Float64Array(n);
    this.#raw = new Array(n).fill(undefined);
    this.#basket = new Array(n).fill(null);
    const every = opts.flushIntervalMs ?? 1000;
    if (every > 0) {
      this.#timer = this.#clock.setInterval(() => void this.flush(), every, { unref: true });
    }
  }

  /** Records waiting for the sink. */
  get pending(): number {
    return this.#size;
  }

  /** Record a single-book answer (`idx` -1 for an unknown book; `raw` is the id as requested). */
  recordItem(model: ServedModel, route: PredictionRoute, idx: number, raw: unknown, k: number): void {
    const slot = this.#claim();
    if (slot < 0) return;
    this.#model[slot] = model;
    this.#route[slot] = ROUTE_CODE[route];
    this.#idx[slot] = idx;
    this.#k[slot] = k;
    this.#raw[slot] = raw;
    this.#basket[slot] = null;
  }

  /** Record a basket answer (`raws` are the ids as requested, `idx` their indices, -1 unknown). */
  recordBasket(model: ServedModel, idx: Int32Array, raws: readonly unknown[], k: number): void {
    const slot = this.#claim();
    if (slot < 0) return;
    this.#model[slot] = model;
    this.#route[slot] = ROUTE_CODE.basket;
    this.#idx[slot] = -1;
    this.#k[slot] = k;
    this.#raw[slot] = raws;
    this.#basket[slot] = idx;
  }

  /** The sampling decision plus a free slot; -1 when not sampled or full (counted as dropped). */
  #claim(): number {
    const now = this.#clock.now();
    if (this.#maxPerSecond > 0 && !this.#withinCap(now)) return -1;
    if (this.#secondRate < 1) {
      this.#credit += this.#secondRate;
      if (this.#credit < 1) return -1;
      this.#credit -= 1;
    }
    this.#recordedThisSecond++;
    if (this.#closed) return -1;
    if (this.#size === this.capacity) {
      this.#c.dropped++;
      return -1;
    }
    const slot = (this.#head + this.#size) % this.capacity;
    this.#size++;
    this.#c.recorded++;
    this.#time[slot] = now;
    if (this.#size >= this.#batchSize && !this.#scheduled && this.#writing === null) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        void this.flush();
      });
    }
    return slot;
  }

  /**
   * Count an answer against the per-second cap: at each new second the share recorded becomes
   * `min(sampleRate, maxPerSecond / answers of the last second)`, so a busy server records a
   * spread-out sample rather than the first answers of each second; a burst past the cap within a
   * second is cut.
   */
  #withinCap(now: number): boolean {
    const second = Math.floor(now / 1000);
    if (second !== this.#second) {
      const busy = second === this.#second + 1 ? this.#answersThisSecond : 0;
      this.#secondRate =
        busy > this.#maxPerSecond ? Math.min(this.#rate, this.#maxPerSecond / busy) : this.#rate;
      this.#second = second;
      this.#answersThisSecond = 0;
      this.#recordedThisSecond = 0;
    }
    this.#answersThisSecond++;
    return this.#recordedThisSecond < this.#maxPerSecond;
  }

  /**
   * Hand what is buffered to the sink, one batch at a time; resolves when the ring is empty or
   * the sink is busy with a write started by an earlier call (which then carries on).
   */
  async flush(): Promise<void> {
    if (this.#writing !== null) return this.#writing;
    this.#writing = this.#drain().finally(() => {
      this.#writing = null;
    });
    return this.#writing;
  }

  async #drain(): Promise<void> {
    while (this.#size > 0) {
      const batch = this.#take(Math.min(this.#size, this.#batchSize));
      try {
        await this.#sink.write(batch);
        this.#c.written += batch.length;
      } catch (err) {
        this.#c.writeFailures++;
        this.#log?.warn({ err, records: batch.length }, 'prediction log: a batch could not be written');
      }
    }
  }

  #take(n: number): RingBatch {
    const b = new RingBatch(n, this.#linesOf, this.#out);
    for (let t = 0; t < n; t++) {
      const s = (this.#head + t) % this.capacity;
      b.model[t] = this.#model[s] as ServedModel;
      b.route[t] = this.#route[s];
      b.idx[t] = this.#idx[s];
      b.k[t] = this.#k[s];
      b.time[t] = this.#time[s];
      b.raw[t] = this.#raw[s];
      b.basket[t] = this.#basket[s];
      // Let old models and request values be collected.
      this.#model[s] = null;
      this.#raw[s] = undefined;
      this.#basket[s] = null;
    }
    this.#head = (this.#head + n) % this.capacity;
    this.#size -= n;
    return b;
  }

  readonly #linesOf = (m: ServedModel): ModelLines => {
    let l = this.#lines.get(m);
    if (l === undefined) {
      l = new ModelLines(m);
      this.#lines.set(m, l);
    }
    return l;
  };

  /** Stop the timer, write what is left and close the sink. Later records are ignored. */
  async close(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = null;
    this.#closed = true;
    await this.flush();
    await this.#sink.close();
  }
}
