import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  type ModelBundle,
  paddedFrom,
  type Recommendation,
  Recommender,
  type ScoreArray,
} from '../model/index.js';
import { BookIdLookup, parseIntText } from './book-ids.js';
import { invalidBookId } from './errors.js';
import type { VersionStats } from './hot-stats.js';
import type { Role } from './metrics.js';
import type { ModelRef } from './model-source.js';

export interface CompileOptions {
  /** The slot this model fills. */
  role: Role;
  /** The ref the bundle was loaded from. */
  ref: ModelRef;
  /** Where the ref came from (the source's description). */
  source: string;
  /** k when a request gives none; capped at the model's neighbours per book. */
  defaultK: number;
  /** Hot counters of this version. */
  stats: VersionStats;
  /** Load start, ms since the epoch (the caller's clock). */
  loadedAt: number;
}

/**
 * A model ready to answer: the bundle plus what is decided once per version — the id lookup, the
 * ids as JSON, the popularity answer — and each book's recommendations as JSON text
 * (`{"book_id":…,"score":…,"title":…,"author":…}` joined by commas, with the cut point after every
 * entry), so answering a single book is a table read and a string slice.
 *
 * A book's JSON is built the first time it is asked for and then kept: a load costs no more than
 * reading the bundle (a swap never waits for 10,000 books to be serialised, and books nobody asks
 * for cost nothing), and a request pays the build (about twenty short strings) once per book and
 * version. The model is otherwise immutable; a new version is a new object, swapped in atomically.
 */
export class ServedModel {
  readonly version: string;
  readonly role: Role;
  readonly ref: ModelRef;
  readonly source: string;
  readonly bundle: ModelBundle;
  readonly recommender: Recommender;
  readonly ids: BookIdLookup;
  readonly numericIds: boolean;
  /** Largest k a request may ask for. */
  readonly maxK: number;
  /** k when a request gives none. */
  readonly defaultK: number;
  readonly stats: VersionStats;
  readonly loadedAt: number;
  /** The version as a JSON string literal. */
  readonly versionJson: string;
  /** Load time in ms, set once the load finishes. */
  loadMs = 0;

  /** Per item: its neighbours' JSON joined by commas; undefined until first asked for. */
  readonly #recs: (string | undefined)[];
  /** Per item asked for: #cuts[i][t] = end of entry t in #recs[i] (nothing per book at load). */
  readonly #cuts: (Int32Array | undefined)[];
  /** Text ids as JSON, built at first use (numeric ids print from their number). */
  readonly #idJson: (string | undefined)[] | null;
  readonly #numbers: Float64Array | null;
  readonly #offsets: Int32Array;
  readonly #popular: string;
  readonly #popularCut: Int32Array;
  /** `,"k":K,"recommendations":[` for K = 0..maxK. */
  readonly #kPart: string[];
  readonly #tail: string;
  readonly #tailFallback: string;

  /** @internal use {@link compileServedModel} */
  constructor(bundle: ModelBundle, opts: CompileOptions) {
    this.bundle = bundle;
    this.ref = opts.ref;
    this.version = opts.ref.version;
    this.source = opts.source;
    this.stats = opts.stats;
    this.loadedAt = opts.loadedAt;
    this.role = opts.role;
    const m = bundle.model;
    this.recommender = new Recommender(m);
    this.numericIds = bundle.itemIdsNumeric;
    this.ids = new BookIdLookup(bundle.items);
    this.maxK = this.recommender.maxK;
    this.defaultK = Math.min(opts.defaultK, this.maxK);
    this.#numbers = bundle.items.numbers;
    this.#idJson = this.#numbers === null ? new Array(m.nItems) : null;
    this.#recs = new Array(m.nItems);
    this.#cuts = new Array(m.nItems);
    this.#offsets = m.offsets;
    const pop = this.recommender.forItem(-1, this.maxK);
    this.#popularCut = new Int32Array(pop.items.length);
    this.#popular = this.#joinEntries(pop, this.#popularCut);
    this.versionJson = JSON.stringify(this.version);
    this.#kPart = Array.from({ length: this.maxK + 1 }, (_, k) => `,"k":${k},"recommendations":[`);
    this.#tail = `],"version":${this.versionJson},"fallback":false}`;
    this.#tailFallback = `],"version":${this.versionJson},"fallback":true}`;
  }

  /** Books the model knows. */
  get nItems(): number {
    return this.bundle.model.nItems;
  }

  /**
   * Index of a book id given as query-string text; -1 when unknown. Throws SERVE_INVALID_BOOK_ID
   * when a numeric model gets text that is not an integer.
   */
  indexOfText(raw: string, field: string): number {
    if (!this.numericIds) return this.ids.ofText(raw);
    const v = parseIntText(raw);
    if (Number.isNaN(v)) throw invalidBookId(field, raw, true);
    return this.ids.ofNumber(v);
  }

  /**
   * Index of a book id from a JSON body: an integer for numeric models, a string otherwise; -1
   * when unknown. Throws SERVE_INVALID_BOOK_ID on the wrong type, naming `field[position]` when a
   * position is given.
   */
  indexOfValue(raw: unknown, field: string, position = -1): number {
    if (this.numericIds) {
      if (typeof raw === 'number' && Number.isSafeInteger(raw)) return this.ids.ofNumber(raw);
    } else if (typeof raw === 'string') {
      return this.ids.ofText(raw);
    }
    // The field name is built only on the error path: `book_ids[3]`.
    throw invalidBookId(position >= 0 ? `${field}[${position}]` : field, raw, this.numericIds);
  }

  /** JSON text of item `idx`'s id: `17` or `"whole milk"`. */
  idJson(idx: number): string {
    const numbers = this.#numbers;
    if (numbers !== null) return String(numbers[idx]);
    const cache = this.#idJson as (string | undefined)[];
    let s = cache[idx];
    if (s === undefined) {
      const id = this.bundle.items.id(idx);
      // A numeric model whose ids are not all canonical (format 1): `017` answers as `17`.
      s = this.numericIds ? String(Number(id)) : JSON.stringify(id);
      cache[idx] = s;
    }
    return s;
  }

  /** Item `idx`'s id as the log and the drift monitor record it: a number on numeric models. */
  idValue(idx: number): number | string {
    const numbers = this.#numbers;
    if (numbers !== null) return numbers[idx];
    const id = this.bundle.items.id(idx);
    return this.numericIds ? Number(id) : id;
  }

  /** JSON text of a requested id, in the model's id type (`017` echoes as `17`). */
  echoJson(idx: number, raw: string | number): string {
    if (idx >= 0) return this.idJson(idx);
    if (this.numericIds) return String(typeof raw === 'number' ? raw : parseIntText(raw));
    return JSON.stringify(String(raw));
  }

  /** True when item `idx` (or an unknown book, -1) answers with the popularity fallback. */
  isFallback(idx: number): boolean {
    return idx < 0 || this.#offsets[idx + 1] === this.#offsets[idx];
  }

  /**
   * The JSON array body (without brackets) of the top-k for one item; k must be checked already.
   * `keep` false builds without caching, for a caller that keeps the result itself (the fast
   * path's answer bytes), so a large catalogue does not hold each answer twice.
   */
  recommendationsJson(idx: number, k: number, keep = true): string {
    if (this.isFallback(idx)) {
      if (idx >= 0) return this.answerJson(this.recommender.forItem(idx, k));
      return k >= this.#popularCut.length ? this.#popular : this.#popular.slice(0, this.#popularCut[k - 1]);
    }
    let s = this.#recs[idx];
    let cut = this.#cuts[idx];
    if (s === undefined || cut === undefined) {
      const a = this.recommender.forItem(idx, this.maxK);
      cut = new Int32Array(a.items.length);
      s = this.#joinEntries(a, cut);
      if (keep) {
        this.#recs[idx] = s;
        this.#cuts[idx] = cut;
      }
    }
    return k >= cut.length ? s : s.slice(0, cut[k - 1]);
  }

  /** `/recommend`'s whole answer for one book, as JSON text. */
  singleAnswerJson(idx: number, echo: string, k: number, keep = true): string {
    return `{"book_id":${echo}${this.#kPart[k]}${this.recommendationsJson(idx, k, keep)}${
      this.isFallback(idx) ? this.#tailFallback : this.#tail
    }`;
  }

  /** The JSON array body (without brackets) of any answer, e.g. a basket's. */
  answerJson(a: Recommendation): string {
    let out = '';
    const padAt = paddedFrom(a);
    for (let t = 0; t < a.items.length; t++) {
      const j = a.items[t];
      out += `${t === 0 ? '' : ','}{"book_id":${this.idJson(j)},"score":${scoreJson(a.scores, t)}${
        t >= padAt ? PADDED : ''
      }${this.#metaOf(j)}`;
    }
    return out;
  }

  /**
   * `,"title":…,"author":…}`: the tail of one recommendation object. Not cached per book: a
   * book's answer is built once and kept, and a cache here held 20 strings per answered book.
   */
  #metaOf(j: number): string {
    const items = this.bundle.items;
    return `,"title":${JSON.stringify(items.title(j))},"author":${JSON.stringify(items.author(j))}}`;
  }

  /** Entries of `a` joined by commas, recording the end of each in `cut`. */
  #joinEntries(a: Recommendation, cut: Int32Array): string {
    const parts: string[] = new Array(a.items.length);
    let len = -1;
    const padAt = paddedFrom(a);
    for (let t = 0; t < a.items.length; t++) {
      const j = a.items[t];
      const e = `{"book_id":${this.idJson(j)},"score":${scoreJson(a.scores, t)}${t >= padAt ? PADDED : ''}${this.#metaOf(j)}`;
      parts[t] = e;
      len += e.length + 1;
      cut[t] = len;
    }
    // join() gives a flat string, so slicing it later is O(1).
    return parts.join(',');
  }
}

/** Marks an entry that pads the answer from the popularity list (absent on the model's own). */
const PADDED = ',"padded":true';

/**
 * Score `t` of `scores` as JSON: a float32 score (a large bundle's) prints as the shortest decimal
 * that reads back as the same float32 (`0.9`, not `0.8999999761581421`); a float64 one as
 * JavaScript prints it. Non-finite scores print as null (NaN would be invalid JSON).
 */
export function scoreJson(scores: ScoreArray, t: number): string {
  const x = scores[t];
  if (!Number.isFinite(x)) return 'null';
  if (!(scores instanceof Float32Array)) return String(x);
  for (let p = 1; p < 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(Number(x.toPrecision(9)));
}

/**
 * Build a {@link ServedModel} from a loaded bundle: the id lookup and the ids as JSON; every
 * book's answer is built on first use. Yields to the event loop between the steps so that a
 * load on a busy server stalls requests only briefly.
 *
 * @example
 * const served = await compileServedModel(readBundle(dir), { role: 'primary', ref, source: 'dir', defaultK: 5, stats, loadedAt: Date.now() });
 * served.singleAnswerJson(served.indexOfText('1', 'book_id'), '1', 3);
 */
export async function compileServedModel(bundle: ModelBundle, opts: CompileOptions): Promise<ServedModel> {
  await yieldToLoop();
  const served = new ServedModel(bundle, opts);
  await yieldToLoop();
  return served;
}
