import type { ParameterSource, SensorCondition } from './sensor-spec.js';

/** What a dotted path finds in a payload. */
export type FieldLookup = { readonly found: true; readonly value: unknown } | { readonly found: false };

/**
 * Reads a dotted path (`body.rows`, `features.0.name`) from a payload. Only own properties of plain
 * objects and arrays are followed, so `constructor` or `__proto__` never reach the prototype.
 * @example readField({ body: { rows: 3 } }, 'body.rows') // { found: true, value: 3 }
 */
export function readField(payload: unknown, path: string): FieldLookup {
  let at: unknown = payload;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, part)) return { found: false };
    at = (at as Record<string, unknown>)[part];
  }
  return at === undefined ? { found: false } : { found: true, value: at };
}

/**
 * Checks the conditions (ANDed, in order) against a payload; returns why the first failing one fails,
 * or `undefined` when all hold. A missing field fails every condition but `exists: false`.
 * @example checkFilter([{ path: 'model', equals: 'recommender' }], { model: 'x' }) // 'model is "x", not "recommender"'
 */
export function checkFilter(conditions: readonly SensorCondition[], payload: unknown): string | undefined {
  for (const c of conditions) {
    const f = readField(payload, c.path);
    if (c.exists !== undefined) {
      if (f.found !== c.exists) return c.exists ? `${c.path} is missing` : `${c.path} is present`;
      continue;
    }
    if (!f.found) return `${c.path} is missing`;
    if (c.equals !== undefined && f.value !== c.equals) {
      return `${c.path} is ${show(f.value)}, not ${show(c.equals)}`;
    }
    if (c.in !== undefined && !c.in.some((v) => v === f.value)) {
      return `${c.path} is ${show(f.value)}, not one of ${c.in.map(show).join(', ')}`;
    }
  }
  return undefined;
}

/** The result of {@link mapParameters}. */
export type MappedParameters =
  | { readonly ok: true; readonly parameters: Record<string, unknown> }
  | { readonly ok: false; readonly parameter: string; readonly path: string };

/**
 * Builds pipeline parameters from a payload: each parameter from an event field (or its default when
 * the field is missing) or a literal. Fails on the first parameter whose field is missing and has no default.
 * @example mapParameters({ datasetUri: { from: 'dataset_uri' } }, { dataset_uri: 'file:/d' }) // { ok: true, parameters: { datasetUri: 'file:/d' } }
 */
export function mapParameters(
  mapping: Readonly<Record<string, ParameterSource>>,
  payload: unknown,
): MappedParameters {
  const parameters: Record<string, unknown> = {};
  for (const [name, source] of Object.entries(mapping)) {
    if ('value' in source) {
      parameters[name] = source.value;
      continue;
    }
    const f = readField(payload, source.from);
    if (f.found) parameters[name] = f.value;
    else if (source.default !== undefined) parameters[name] = source.default;
    else return { ok: false, parameter: name, path: source.from };
  }
  return { ok: true, parameters };
}

/**
 * A key made of event fields, `dataset_uri=file:/d, dataset_hash=ab12`, or `undefined` when one is
 * missing (strict) — for dedupe, where an incomplete key must not match.
 */
export function strictKey(paths: readonly string[], payload: unknown): string | undefined {
  const parts: string[] = [];
  for (const p of paths) {
    const f = readField(payload, p);
    if (!f.found) return undefined;
    parts.push(`${p}=${keyValue(f.value)}`);
  }
  return parts.join(', ');
}

/**
 * A key made of event fields where a missing field reads `(none)`, and no fields at all is `*` — for
 * rate limits, where every event must land in some bucket.
 */
export function bucketKey(paths: readonly string[], payload: unknown): string {
  if (paths.length === 0) return '*';
  return paths
    .map((p) => {
      const f = readField(payload, p);
      return `${p}=${f.found ? keyValue(f.value) : '(none)'}`;
    })
    .join(', ');
}

/** Parameters as one stable text (keys sorted), the dedupe key when only a window is set. */
export function parametersKey(parameters: Readonly<Record<string, unknown>>): string {
  return Object.keys(parameters)
    .sort()
    .map((k) => `${k}=${keyValue(parameters[k])}`)
    .join(', ');
}

/** Parameters for a reason line: `datasetUri=file:/d`, long values cut. */
export function showParameters(parameters: Readonly<Record<string, unknown>>): string {
  return Object.entries(parameters)
    .map(([k, v]) => `${k}=${cut(keyValue(v), 80)}`)
    .join(', ');
}

function keyValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function show(v: unknown): string {
  return cut(JSON.stringify(v) ?? String(v), 80);
}

function cut(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
