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
 * True when JSON text opens more than `max` arrays/objects inside one another. Brackets inside
 * strings do not count. The text need not be valid JSON (the parser judges that): the scan only
 * bounds what the parser and every later walk of the value may recurse into.
 *
 * @example jsonNestingExceeds('[[1]]', 1) // true
 */
export function jsonNestingExceeds(text: string, max: number): boolean {
  // Nesting deeper than `max` needs more than `max` opening brackets. Counting them with indexOf
  // (a vectorised search) settles most bodies — a basket, a small batch — for a few percent of
  // JSON.parse's time; only bodies with many brackets pay for the string-aware scan below.
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

/** Options of {@link guardedJsonParser}. */
export interface GuardedJsonParserOptions {
  /** @default MAX_JSON_DEPTH */
  maxDepth?: number;
}

type ParserDone = (err: Error | null, body?: unknown) => void;

/**
 * A Fastify content-type parser (`parseAs: 'string'`) that is Fastify's own JSON parser — same
 * prototype-poisoning rules, same errors for empty or invalid bodies — behind a nesting guard: a
 * body nested deeper than `maxDepth` is the surface's malformed-JSON error (400, field `body`) before
 * anything parses or walks it.
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
  return (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonNestingExceeds(text, max)) {
      done(
        new BookmlError(surface.malformedJson, `the body nests arrays/objects deeper than ${max} levels`, {
          field: 'body',
        }),
      );
      return;
    }
    parse(request, text, done);
  };
}
