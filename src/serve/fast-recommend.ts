import type { IncomingMessage, ServerResponse } from 'node:http';
// The global `performance` is a lazy getter: reading it costs a property lookup per request.
import { performance } from 'node:perf_hooks';
import { AnswerBytes } from './answer-bytes.js';
import { ROUTING_KEY_HEADER, type ServeContext } from './serve-context.js';
import type { ServedModel } from './served-model.js';

const PREFIX = '/recommend?';
const AMP = 38; // &
const EQ = 61; // =
const PCT = 37; // %
const PLUS = 43; // +
const ZERO = 48;
/** Longest book id or customer id the route's schema accepts. */
const MAX_ID = 256;
/** Digits of the largest integer id the slow path's parser accepts. */
const MAX_DIGITS = 15;

/** Which query keys a request named, as bits (a repeated key sends the request to Fastify). */
const BOOK = 1;
const KEY_K = 2;
const CUSTOMER = 4;

/**
 * `GET /recommend?book_id=…[&k=…][&customer_id=…]` answered before Fastify sees the request, for
 * the requests whose answer is certain: a well-formed query (no escapes, no other keys, no
 * repeats), a known book, k within the model's range, a ready model, a server not closing.
 * Everything else — an unknown book, a bad k, `explain=true`, `HEAD`, a trailing slash — returns
 * false and goes through Fastify's route, which validates and answers (or refuses) it as before,
 * so the fast path changes no answer, only what a common one costs.
 *
 * A taken request does what the route does — canary pick, answer, version headers, hot
 * counters, prediction log, shadow — with bytes from {@link AnswerBytes} and no parsing objects:
 * the query is scanned in place, a numeric id is read from the URL's characters.
 */
export class FastRecommend {
  readonly #ctx: ServeContext;
  readonly #routeId: number;
  readonly #budget: number;
  readonly #caches = new WeakMap<ServedModel, AnswerBytes>();
  /** Set when the app starts closing: Fastify then answers 503 and closes the connection. */
  closing = false;
  /** Requests answered here (the rest went to Fastify). */
  taken = 0;

  // The scanned query, reused by every request (single-threaded; reset per request).
  #bookAt = 0;
  #bookEnd = 0;
  #k = 0;
  #customerAt = 0;
  #customerEnd = 0;

  constructor(ctx: ServeContext) {
    this.#ctx = ctx;
    this.#routeId = ctx.metrics.registerRoute('GET', '/recommend');
    this.#budget = ctx.config.answerCacheBytes;
  }

  /** The answer bytes of a model (created at its first fast answer). */
  bytesOf(model: ServedModel): AnswerBytes {
    let c = this.#caches.get(model);
    if (c === undefined) {
      c = new AnswerBytes(model, this.#budget);
      this.#caches.set(model, c);
    }
    return c;
  }

  /** Answer the request if it is a common one; false leaves it, untouched, to Fastify. */
  tryAnswer(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url;
    if (this.closing || req.method !== 'GET' || url === undefined || !url.startsWith(PREFIX)) return false;
    const t0 = performance.now();
    if (!this.#scan(url)) return false;
    const { deployment } = this.#ctx;
    const model = deployment.choose(deployment.splitting ? this.#routingKey(req, url) : undefined);
    if (model === null) return false;
    const k = this.#k === 0 ? model.defaultK : this.#k;
    if (k > model.maxK) return false;
    const idx = this.#indexOf(model, url);
    if (idx < 0) return false;
    deployment.countAnswer(model);
    if (model.isFallback(idx)) model.stats.fallbacks++;
    const bytes = this.bytesOf(model);
    const body = bytes.body(idx, k);
    res.writeHead(200, bytes.headers(body.byteLength));
    res.end(body);
    this.taken++;
    this.#ctx.predictionLog?.recordItem(model, 'recommend', idx, null, k);
    this.#ctx.shadow?.offerItem(model, idx, k);
    model.stats.route(this.#routeId).observe(200, performance.now() - t0);
    return true;
  }

  /** Scan the query string: true when it holds exactly the known keys, once each, unescaped. */
  #scan(url: string): boolean {
    const n = url.length;
    let seen = 0;
    this.#k = 0;
    let i = PREFIX.length;
    while (i < n) {
      const keyAt = i;
      while (i < n && url.charCodeAt(i) !== EQ) {
        if (url.charCodeAt(i) === AMP) return false;
        i++;
      }
      const keyLen = i - keyAt;
      const valAt = ++i;
      while (i < n && url.charCodeAt(i) !== AMP) {
        const c = url.charCodeAt(i);
        if (c === PCT || c === PLUS) return false;
        i++;
      }
      const valEnd = i++;
      const len = valEnd - valAt;
      if (len <= 0 || valAt > n) return false;
      if (keyLen === 7 && url.startsWith('book_id', keyAt)) {
        if (seen & BOOK || len > MAX_ID) return false;
        seen |= BOOK;
        this.#bookAt = valAt;
        this.#bookEnd = valEnd;
      } else if (keyLen === 1 && url.charCodeAt(keyAt) === 107 /* k */) {
        if (seen & KEY_K || len > 4) return false;
        seen |= KEY_K;
        let k = 0;
        for (let p = valAt; p < valEnd; p++) {
          const d = url.charCodeAt(p) - ZERO;
          if (d < 0 || d > 9) return false;
          k = k * 10 + d;
        }
        if (k === 0) return false;
        this.#k = k;
      } else if (keyLen === 11 && url.startsWith('customer_id', keyAt)) {
        if (seen & CUSTOMER || len > MAX_ID) return false;
        seen |= CUSTOMER;
        this.#customerAt = valAt;
        this.#customerEnd = valEnd;
      } else {
        return false;
      }
    }
    if ((seen & BOOK) === 0) return false;
    if ((seen & CUSTOMER) === 0) this.#customerAt = this.#customerEnd = 0;
    return true;
  }

  /** The book's index in `model`; -1 (Fastify answers) when unknown or not a plain integer. */
  #indexOf(model: ServedModel, url: string): number {
    const at = this.#bookAt;
    const end = this.#bookEnd;
    if (!model.numericIds) return model.ids.ofText(url.slice(at, end));
    if (end - at > MAX_DIGITS) return -1;
    let v = 0;
    for (let p = at; p < end; p++) {
      const d = url.charCodeAt(p) - ZERO;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
    }
    return model.ids.ofNumber(v);
  }

  /** The routing key while a canary split is live: the header, else the customer id. */
  #routingKey(req: IncomingMessage, url: string): string | undefined {
    const header = req.headers[ROUTING_KEY_HEADER];
    if (typeof header === 'string' && header !== '') return header;
    return this.#customerEnd > this.#customerAt ? url.slice(this.#customerAt, this.#customerEnd) : undefined;
  }
}
