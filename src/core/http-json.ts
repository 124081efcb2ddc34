import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BookmlError } from './errors.js';
import type { HttpErrorSurface } from './http-error.js';

/**
 * Deepest nesting a JSON body may have. bookml's deepest body is a V2 tensor nested in its shape
 * (about six levels); 64 leaves room for any client and keeps every recursive walk of a body
 * (schema validation, error formatting, the prediction log) far from the stack's limit.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_SQUARE = 0x5b;
const CLOSE_SQUARE = 0x5d;
const OPEN_CURLY = 0x7b;
const CLOSE_CURLY = 0x7d;

/**
 * True when JSON text opens more than `max` arrays/objects inside one another, decided before the
 * text is parsed (for a caller that must refuse before parsing). Brackets inside strings do not
 * count. The text need not be valid JSON (the parser judges that).
 *
 * @example jsonNestingExceeds('[[1]]', 1) // true
 */
export function jsonNestingExceeds(text: string, max: number): boolean {
  // Nesting deeper than `max` needs more than `max` opening brackets; counting them with indexOf
  // (a vectorised search) settles most bodies.
  if (text.length <= max || !moreOpeningsThan(text, max)) return false;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote: indexOf is far faster than stepping through a long string.
      for (;;) {
        const q = text.indexOf('"', i + 1);
        if (q < 0) return false;
        let slashes = 0;
        while (text.charCodeAt(q - 1 - slashes) === BACKSLASH) slashes++;
        i = q;
        if (slashes % 2 === 0) break;
      }
    } else if (c === OPEN_SQUARE || c === OPEN_CURLY) {
      if (++depth > max) return true;
    } else if (c === CLOSE_SQUARE || c === CLOSE_CURLY) {
      depth--;
    }
  }
  return false;
}

/** True when the text holds more than `max` `[` and `{` together (strings included). */
function moreOpeningsThan(text: string, max: number): boolean {
  let n = 0;
  for (let i = text.indexOf('['); i >= 0; i = text.indexOf('[', i + 1)) if (++n > max) return true;
  for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) if (++n > max) return true;
  return false;
}

/**
 * True when a parsed JSON value nests arrays/objects more than `max` levels deep (the value itself
 * is level 1). The walk recurses at most `max + 1` frames, whatever the value's depth.
 *
 * @example valueNestingExceeds({ a: [[1]] }, 2) // true
 */
export function valueNestingExceeds(value: unknown, max: number): boolean {
  return typeof value === 'object' && value !== null && deeperThan(value, max);
}

function deeperThan(v: object, budget: number): boolean {
  if (budget === 0) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'object' && x !== null && deeperThan(x, budget - 1)) return true;
    }
    return false;
  }
  for (const k in v) {
    const x: unknown = (v as Record<string, unknown>)[k];
    if (typeof x === 'object' && x !== null && deeperThan(x, budget - 1)) return true;
  }
  return false;
}

/** Options of {@link guardedJsonParser}. */
export interface GuardedJsonParserOptions {
  /** @default MAX_JSON_DEPTH */
  maxDepth?: number;
}

type ParserDone = (err: Error | null, body?: unknown) => void;

/**
 * A Fastify content-type parser (`parseAs: 'string'`) that is Fastify's own JSON parser — same
 * prototype-poisoning rules, same errors for empty or invalid bodies — with a nesting limit: a body
 * nested deeper than `maxDepth` is the surface's malformed-JSON error (400, field `body`) before any
 * route, schema or error formatter walks it.
 *
 * What it costs a well-formed body: a body with at most `maxDepth` `[`/`{` in all cannot nest deeper,
 * and counting them takes a few `indexOf` calls (tens of ns: a basket, a batch of bare ids, a flat
 * tensor). Only a body with more brackets is walked once parsed — a recursion bounded by `maxDepth`,
 * under a tenth of `JSON.parse`'s own time (V8's JSON.parse is iterative, so parsing first is safe at
 * any depth; a scan of the text before parsing cost half of it on batches of objects).
 *
 * @example
 * app.addContentTypeParser('application/json', { parseAs: 'string' }, guardedJsonParser(app, SURFACE));
 */
export function guardedJsonParser(
  app: FastifyInstance,
  surface: HttpErrorSurface,
  options: GuardedJsonParserOptions = {},
): (request: FastifyRequest, body: string | Buffer, done: ParserDone) => void {
  const max = options.maxDepth ?? MAX_JSON_DEPTH;
  const parse = app.getDefaultJsonParser('error', 'error');
  const tooDeep = () =>
    new BookmlError(surface.malformedJson, `the body nests arrays/objects deeper than ${max} levels`, {
      field: 'body',
    });
  return (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.length <= max || !moreOpeningsThan(text, max)) {
      parse(request, text, done);
      return;
    }
    parse(request, text, (err, value) => {
      if (err) done(err);
      else if (valueNestingExceeds(value, max)) done(tooDeep());
      else done(null, value);
    });
  };
}
