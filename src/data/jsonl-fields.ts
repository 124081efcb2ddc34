// What a JSON Lines import reads from one object: the mapped keys' values as text. JSON.parse
// alone would let three faults through silently — a key written twice (the last one wins, as a
// duplicate CSV header's first one did), an object or array where an id goes (`String()` makes it
// "[object Object]" or "1,2"), and an integer past 2^53 (rounded to another id) — so each is a bad
// row naming its key and column instead.

/** A mapped key's value: its text (`''` for null), what is wrong with it, or undefined when the key is missing. */
export type JsonlValue = { text: string } | { fault: string } | undefined;

/**
 * Key `key`'s own value in a parsed object (undefined when absent): `o.constructor` or `o.toString`
 * would otherwise read Object.prototype's functions for an export that lacks such a column.
 */
export function ownValue(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/**
 * The text an import reads from a JSON value: a string as it is, a number as JSON writes it.
 * @example jsonlValue(12) // { text: '12' }
 * @example jsonlValue({ a: 1 }) // { fault: 'is an object; expected a string or a number' }
 */
export function jsonlValue(v: unknown): JsonlValue {
  if (v === undefined) return undefined;
  if (v === null) return { text: '' };
  if (typeof v === 'string') return { text: v };
  if (typeof v === 'number') {
    if (Number.isInteger(v) && !Number.isSafeInteger(v)) {
      return {
        fault: `is the number ${v}, too large to read exactly (over 2^53): write it as a string`,
      };
    }
    return { text: String(v) };
  }
  const kind = Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
  return { fault: `is ${kind}; expected a string or a number` };
}

/** Where each top-level key of a JSON object's text starts: key → UTF-16 offsets of its opening quote, in order. */
export function topLevelKeys(text: string): Map<string, number[]> {
  const keys = new Map<string, number[]>();
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      i++;
      while (i < text.length && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
      const end = ++i;
      if (depth !== 1) continue;
      let k = i;
      while (k < text.length && isSpace(text.charCodeAt(k))) k++;
      if (text.charCodeAt(k) !== 0x3a) continue;
      const key = JSON.parse(text.slice(start, end)) as string;
      const at = keys.get(key);
      if (at) at.push(start);
      else keys.set(key, [start]);
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    i++;
  }
  return keys;
}

/**
 * The first of `keys` that the object's text names twice (at its top level), with the 1-based
 * character column of the second one; undefined when each appears at most once. Only a line whose
 * text holds some key's quoted name twice is parsed for it.
 */
export function duplicateKey(
  text: string,
  keys: readonly string[],
): { key: string; column: number } | undefined {
  let suspect = false;
  for (const k of keys) {
    const q = JSON.stringify(k);
    const first = text.indexOf(q);
    if (first >= 0 && text.indexOf(q, first + q.length) >= 0) suspect = true;
  }
  if (!suspect) return undefined;
  const all = topLevelKeys(text);
  for (const k of keys) {
    const at = all.get(k);
    if (at && at.length > 1) return { key: k, column: columnAt(text, at[1]) };
  }
  return undefined;
}

/** The 1-based character column of top-level key `key` in the object's text, or undefined (an error path: it parses the keys). */
export function keyColumn(text: string, key: string): number | undefined {
  const at = topLevelKeys(text).get(key);
  return at ? columnAt(text, at[0]) : undefined;
}

/** The 1-based column (in characters, astral ones counted once) of UTF-16 offset `offset`. */
function columnAt(text: string, offset: number): number {
  let column = 1;
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) column++;
  }
  return column;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
