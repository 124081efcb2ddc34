/**
 * A JSON document as the database hands it over: text on both dialects (SQLite `text`, PostgreSQL
 * `json`, whose parser the store switches off), branded with the type it decodes to. Write with
 * {@link toJson}, read with {@link fromJson}; never compare it as a string.
 */
export type Json<T> = string & { readonly __json?: T };

/**
 * Encodes a value for a JSON column.
 * @example db.insertInto('events').values({ topic: 'run', payload: toJson({ id: 'r1' }), created_at: 0 })
 */
export function toJson<T>(value: T): Json<T> {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('toJson: value is not JSON-serialisable');
  return text as Json<T>;
}

/**
 * Decodes a JSON column (also accepts an already-parsed value, so a pg type parser left on by a
 * caller's own pool does not break reads).
 * @example const params = fromJson(row.parameters);
 */
export function fromJson<T>(value: Json<T>): T;
export function fromJson<T>(value: Json<T> | null): T | null;
export function fromJson<T>(value: Json<T> | null): T | null {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
