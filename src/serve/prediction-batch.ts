import type { Recommendation } from '../model/index.js';
import { PREDICTION_ROUTES, type PredictionRecord, popularityRanks } from '../store/predictions/index.js';
import type { PredictionBatch } from './prediction-log.js';
import type { ServedModel } from './served-model.js';

/** Bytes of cached line tails per model before the cache is emptied (and refilled by hot books). */
const TAIL_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * What the log's lines need of one model, built at its first write: each book's popularity rank,
 * and the tail of a single-book line (`,"book_ids":…` to the newline) per (book, k). That tail is
 * fixed for a known book — its answer, scores and ranks depend on nothing else — so a hot book's
 * line costs a lookup and a concatenation instead of recomputing and printing twenty entries.
 * Bounded like the answer bytes: past the budget the cache empties and hot books come back.
 */
export class ModelLines {
  readonly model: ServedModel;
  readonly ranks: Int32Array;
  /** `","version":…,"role":…,"route":"` + route + `"`, per route code, as UTF-8. */
  readonly heads: Buffer[];
  #tails: (Buffer | undefined)[][] = [];
  #bytes = 0;

  constructor(model: ServedModel) {
    this.model = model;
    this.ranks = popularityRanks(model.bundle.model.popularOrder, model.bundle.model.nItems);
    const role = model.role === 'canary' ? 'canary' : 'primary';
    this.heads = PREDICTION_ROUTES.map((r) =>
      Buffer.from(`","version":${model.versionJson},"role":"${role}","route":"${r}"`),
    );
  }

  /** The tail of the line for known book `idx` at `k`, as UTF-8. */
  itemTail(idx: number, k: number): Buffer {
    // A catalogue whose row alone would take half the budget (past 2M books) is not cached.
    if (this.#rowBytes() * 2 > TAIL_CACHE_BYTES) return this.#tailOf(idx, k);
    let row = this.#tails[k];
    if (row === undefined) {
      // A row's slots count against the budget too (8 bytes a book): clients asking for many k
      // would otherwise hold a full row per k uncounted.
      if (this.#bytes + this.#rowBytes() > TAIL_CACHE_BYTES) this.#clear();
      row = this.#row();
      this.#tails[k] = row;
      this.#bytes += this.#rowBytes();
    }
    let tail = row[idx];
    if (tail === undefined) {
      tail = this.#tailOf(idx, k);
      if (this.#bytes + tail.byteLength > TAIL_CACHE_BYTES) {
        this.#clear();
        row = this.#row();
        this.#tails[k] = row;
        this.#bytes += this.#rowBytes();
      }
      row[idx] = tail;
      this.#bytes += tail.byteLength;
    }
    return tail;
  }

  /**
   * A row of tails, one cell per book, allocated whole: filled at random indices, an array grown
   * from `[]` turns into a dictionary, and every read becomes a hash lookup.
   */
  #row(): (Buffer | undefined)[] {
    return new Array(this.model.nItems);
  }

  #tailOf(idx: number, k: number): Buffer {
    const m = this.model;
    const a = m.recommender.forItem(idx, k);
    return Buffer.from(
      `,"book_ids":[${m.idJson(idx)}],"k":${k},${this.answerPart(a)},"book_ranks":[${this.ranks[idx]}]${this.returnedRanks(a)}}\n`,
    );
  }

  #rowBytes(): number {
    return this.model.nItems * 8;
  }

  #clear(): void {
    this.#tails = [];
    this.#bytes = 0;
  }

  /** `"returned":[…],"scores":[…],"fallback":…` of an answer. */
  answerPart(a: Recommendation): string {
    let returned = '';
    let scores = '';
    for (let r = 0; r < a.items.length; r++) {
      const sep = r === 0 ? '' : ',';
      returned += sep + this.model.idJson(a.items[r]);
      scores += sep + (Number.isFinite(a.scores[r]) ? a.scores[r] : 'null');
    }
    return `"returned":[${returned}],"scores":[${scores}],"fallback":${a.fallback}`;
  }

  /** `,"returned_ranks":[…]` of an answer. */
  returnedRanks(a: Recommendation): string {
    let out = '';
    for (let r = 0; r < a.items.length; r++) out += (r === 0 ? '' : ',') + this.ranks[a.items[r]];
    return `,"returned_ranks":[${out}]`;
  }
}

/** A batch taken off the ring; answers are recomputed from (model, index, k) when materialised. */
export class RingBatch implements PredictionBatch {
  readonly length: number;
  readonly model: ServedModel[];
  readonly route: Uint8Array;
  readonly idx: Int32Array;
  readonly k: Int32Array;
  readonly time: Float64Array;
  readonly raw: unknown[];
  readonly basket: (Int32Array | null)[];
  readonly #linesOf: (m: ServedModel) => ModelLines;
  readonly #out: ByteWriter;

  /**
   * `out` is where `jsonBytes()` writes: the log passes one writer to every batch, because it hands
   * a sink one batch at a time, so the bytes of a batch are dead once its write resolves.
   */
  constructor(n: number, linesOf: (m: ServedModel) => ModelLines, out: ByteWriter = new ByteWriter()) {
    this.length = n;
    this.#linesOf = linesOf;
    this.#out = out;
    this.model = new Array(n);
    this.route = new Uint8Array(n);
    this.idx = new Int32Array(n);
    this.k = new Int32Array(n);
    this.time = new Float64Array(n);
    this.raw = new Array(n);
    this.basket = new Array(n);
  }

  #answer(i: number): Recommendation {
    const m = this.model[i];
    const basket = this.basket[i];
    return basket
      ? m.recommender.forBasket(basket, this.k[i])
      : m.recommender.forItem(this.idx[i], this.k[i]);
  }

  #requested(i: number): Array<number | string> {
    const m = this.model[i];
    const raw = this.raw[i];
    const basket = this.basket[i];
    if (basket === null) return [requestedId(m, this.idx[i], raw)];
    const raws = raw as readonly unknown[];
    return Array.from(basket, (ix, t) => requestedId(m, ix, raws[t]));
  }

  record(i: number): PredictionRecord {
    const m = this.model[i];
    const a = this.#answer(i);
    const rank = this.#linesOf(m).ranks;
    const requested = this.basket[i] ?? [this.idx[i]];
    return {
      time: new Date(this.time[i]).toISOString(),
      version: m.version,
      role: m.role === 'canary' ? 'canary' : 'primary',
      route: PREDICTION_ROUTES[this.route[i]],
      book_ids: this.#requested(i),
      k: this.k[i],
      returned: Array.from(a.items, (j) => m.idValue(j)),
      scores: Array.from(a.scores),
      fallback: a.fallback,
      book_ranks: Array.from(requested, (ix) => (ix >= 0 ? rank[ix] : null)),
      returned_ranks: Array.from(a.items, (j) => rank[j]),
    };
  }

  jsonLines(): string {
    return this.jsonBytes().toString('utf8');
  }

  /**
   * The lines written straight into one buffer: cached UTF-8 pieces copied in place, no string
   * concatenation. Joining thousands of short strings and encoding the result cost more than the
   * rest of the log (a rope flattened, then encoded), about 4–9 µs per record.
   *
   * The bytes are a view of the writer's buffer, valid until the next batch's `jsonBytes()`: a fresh
   * 2 MB buffer per batch cost more than filling it (first touches of new pages, ~1 µs per record).
   */
  jsonBytes(): Buffer {
    const out = this.#out;
    out.reset(this.length * 512);
    let lastMs = Number.NaN;
    let lastModel: ServedModel | null = null;
    let lines: ModelLines | null = null;
    for (let i = 0; i < this.length; i++) {
      const m = this.model[i];
      if (m !== lastModel || lines === null) {
        lastModel = m;
        lines = this.#linesOf(m);
      }
      const t = this.time[i];
      if (t !== lastMs) {
        lastMs = t;
        out.timeAt(t);
      }
      out.putTime();
      out.put(lines.heads[this.route[i]]);
      const ix = this.idx[i];
      const basket = this.basket[i];
      // The common record, a known single book: its tail is cached per (book, k).
      if (basket === null && ix >= 0) {
        out.put(lines.itemTail(ix, this.k[i]));
        continue;
      }
      const a = this.#answer(i);
      const rank = lines.ranks;
      let requested = '';
      let requestedRanks = '';
      if (basket === null) {
        requested = m.echoJson(ix, this.raw[i] as string | number);
        requestedRanks = 'null';
      } else {
        const raws = this.raw[i] as ReadonlyArray<string | number>;
        for (let t2 = 0; t2 < basket.length; t2++) {
          const sep = t2 ? ',' : '';
          requested += sep + m.echoJson(basket[t2], raws[t2]);
          requestedRanks += sep + (basket[t2] >= 0 ? rank[basket[t2]] : 'null');
        }
      }
      out.put(
        Buffer.from(
          `,"book_ids":[${requested}],"k":${this.k[i]},${lines.answerPart(a)},"book_ranks":[${requestedRanks}]${lines.returnedRanks(a)}}\n`,
        ),
      );
    }
    return out.bytes();
  }
}

/** `{"time":"` + an ISO time: 9 + 24 bytes. */
const TIME_BYTES = 33;

/**
 * Appends byte chunks into one growing buffer, kept from batch to batch (`reset` starts over), so
 * the log's steady state allocates nothing per batch.
 */
export class ByteWriter {
  #buf: Buffer = Buffer.allocUnsafe(1024);
  #at = 0;
  /** The current record time's `{"time":"…` bytes, rewritten only when the millisecond changes. */
  #time = Buffer.allocUnsafe(TIME_BYTES);

  /** Start over, with room for about `size` bytes. */
  reset(size: number): void {
    this.#at = 0;
    if (size > this.#buf.byteLength) this.#buf = Buffer.allocUnsafe(size);
  }

  put(b: Uint8Array): void {
    this.#room(b.byteLength);
    this.#buf.set(b, this.#at);
    this.#at += b.byteLength;
  }

  /** Set the time that {@link putTime} writes (epoch ms). */
  timeAt(ms: number): void {
    const text = `{"time":"${new Date(ms).toISOString()}`;
    // Past year 9999 the ISO form is longer (`+010000-…`).
    if (text.length === this.#time.length) this.#time.write(text, 0, 'latin1');
    else this.#time = Buffer.from(text, 'latin1');
  }

  /** Append `{"time":"` and the time set by {@link timeAt}. */
  putTime(): void {
    this.put(this.#time);
  }

  bytes(): Buffer {
    return this.#buf.subarray(0, this.#at);
  }

  #room(n: number): void {
    if (this.#at + n <= this.#buf.byteLength) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.#buf.byteLength * 2, this.#at + n));
    bigger.set(this.#buf.subarray(0, this.#at));
    this.#buf = bigger;
  }
}

function requestedId(m: ServedModel, idx: number, raw: unknown): number | string {
  if (idx >= 0) return m.idValue(idx);
  if (m.numericIds) return typeof raw === 'number' ? raw : Number(raw);
  return String(raw);
}
