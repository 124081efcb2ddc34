import { JSON_TYPE, ROLE_HEADER, VERSION_HEADER } from './serve-context.js';
import type { ServedModel } from './served-model.js';

/** What one cached answer costs besides its bytes (the Buffer object, its slot). */
const ENTRY_OVERHEAD = 96;

/**
 * The bytes of `GET /recommend`'s answers for one model version, ready to write: the UTF-8 body
 * per (book, k) and the response headers per body length. An answer is encoded the first time
 * someone asks for it, from `singleAnswerJson` (so the body is exactly what the Fastify route
 * sends), and then written as is: a request for a hot book costs one array read.
 *
 * The cache is bounded by `budgetBytes`: when an answer would take it past the budget, every
 * entry is dropped and the hot books come back in on their next request. Cheaper than an LRU's
 * bookkeeping on every hit, and the common case (a catalogue whose asked-for answers fit, e.g.
 * 10,000 books × one k ≈ 20 MB) never evicts. A 1,000,000-book catalogue keeps its hot books.
 */
export class AnswerBytes {
  readonly model: ServedModel;
  readonly budgetBytes: number;
  /** byK[k][book]: the answer's body; undefined until first asked for. */
  #byK: (Buffer | undefined)[][] = [];
  /** Flat header lists by body length: content type, length, answering version and role. */
  readonly #headers: (string[] | undefined)[] = [];
  #bytes = 0;
  /** Times the budget was hit and the cache emptied. */
  resets = 0;

  constructor(model: ServedModel, budgetBytes: number) {
    this.model = model;
    this.budgetBytes = budgetBytes;
  }

  /** Bytes held now (bodies plus a per-entry allowance). */
  get bytes(): number {
    return this.#bytes;
  }

  /** The body of book `idx` (a known book, `0 <= idx < nItems`) at `k` (checked by the caller). */
  body(idx: number, k: number): Buffer {
    let row = this.#byK[k];
    if (row === undefined) {
      row = new Array(this.model.nItems);
      this.#byK[k] = row;
    }
    const hit = row[idx];
    if (hit !== undefined) return hit;
    const m = this.model;
    // Not kept by the model too: these bytes are the cache.
    const body = Buffer.from(m.singleAnswerJson(idx, m.idJson(idx), k, false));
    const cost = body.byteLength + ENTRY_OVERHEAD;
    if (cost > this.budgetBytes) return body;
    if (this.#bytes + cost > this.budgetBytes) {
      this.#byK = [];
      this.#bytes = 0;
      this.resets++;
      row = new Array(this.model.nItems);
      this.#byK[k] = row;
    }
    row[idx] = body;
    this.#bytes += cost;
    return body;
  }

  /** The response headers for a body of `length` bytes, as a flat list for `writeHead`. */
  headers(length: number): string[] {
    let h = this.#headers[length];
    if (h === undefined) {
      h = [
        'content-type',
        JSON_TYPE,
        'content-length',
        String(length),
        VERSION_HEADER,
        this.model.version,
        ROLE_HEADER,
        this.model.role,
      ];
      this.#headers[length] = h;
    }
    return h;
  }
}
