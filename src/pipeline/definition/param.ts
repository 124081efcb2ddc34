import { fail } from '../errors.js';
import { CAMEL_NAME } from './names.js';

/**
 * Parameter types: the scalar values a pipeline takes and a step reads or writes. A spec is plain JSON (it
 * lives in the IR); {@link param} builds one. Values cross process and pod boundaries as strings, so each
 * type has one canonical text form ({@link encodeParamValue}) that both targets use.
 */

/** A `string` parameter. */
export interface StringParamSpec {
  readonly type: 'string';
  readonly default?: string;
  readonly description?: string;
  /** ECMAScript regular expression the whole value must match. */
  readonly pattern?: string;
  /** Characters. */
  readonly minLength?: number;
  /** Characters. */
  readonly maxLength?: number;
}
/** A `number` (float) or `integer` parameter. */
export interface NumberParamSpec {
  readonly type: 'number' | 'integer';
  readonly default?: number;
  readonly description?: string;
  /** Inclusive lower bound. */
  readonly min?: number;
  /** Inclusive upper bound. */
  readonly max?: number;
}
/** A `boolean` parameter (text form `true` / `false`). */
export interface BooleanParamSpec {
  readonly type: 'boolean';
  readonly default?: boolean;
  readonly description?: string;
}
/** A string restricted to `values` (Argo shows them as the parameter's `enum`). */
export interface EnumParamSpec<V extends string = string> {
  readonly type: 'enum';
  readonly values: readonly V[];
  readonly default?: V;
  readonly description?: string;
}
/** Any scalar parameter. */
export type ScalarParamSpec = StringParamSpec | NumberParamSpec | BooleanParamSpec | EnumParamSpec;
/** A record of scalars; only as the element of a list (a grid row, a fan-out item). */
export interface RecordParamSpec {
  readonly type: 'record';
  readonly fields: Readonly<Record<string, ScalarParamSpec>>;
}
/** A JSON list of scalars or records: a reducer's input, a fan-out grid. */
export interface ListParamSpec {
  readonly type: 'list';
  readonly of: ScalarParamSpec | RecordParamSpec;
  readonly default?: readonly unknown[];
  readonly description?: string;
  readonly minItems?: number;
  readonly maxItems?: number;
}
/** Any parameter spec. */
export type ParamSpec = ScalarParamSpec | ListParamSpec;
/** A parameter spec or a list element spec. */
export type ValueSpec = ParamSpec | RecordParamSpec;

/** The TypeScript type of a value of spec `P`. */
export type ValueOf<P> = P extends { type: 'string' }
  ? string
  : P extends { type: 'number' | 'integer' }
    ? number
    : P extends { type: 'boolean' }
      ? boolean
      : P extends { type: 'enum'; values: readonly (infer V)[] }
        ? V
        : P extends { type: 'list'; of: infer E }
          ? ValueOf<E>[]
          : P extends { type: 'record'; fields: infer F }
            ? { [K in keyof F]: ValueOf<F[K]> }
            : never;

interface Common<D> {
  /** Used when nothing is passed; a parameter without one is required. */
  default?: D;
  /** Shown in `--help`, the dashboard and Argo's UI. */
  description?: string;
}

/**
 * Builders for parameter specs.
 *
 * @example
 * const params = {
 *   datasetUri: param.string({ default: 'bookstore-db://orders', pattern: '^[a-z-]+://' }),
 *   k: param.integer({ default: 20, min: 1, max: 1000 }),
 *   similarity: param.enum(['cosine', 'jaccard'], { default: 'cosine' }),
 *   grid: param.list({ similarity: param.enum(['cosine', 'jaccard']), k: param.integer() }),
 * };
 */
export const param = {
  /** A string; `pattern` is an ECMAScript regex the whole value must match. */
  string<const O extends Common<string> & { pattern?: string; minLength?: number; maxLength?: number }>(
    options?: O,
  ): { readonly type: 'string' } & O {
    return { type: 'string', ...(options as O) };
  },
  /** A finite float; `min`/`max` are inclusive. */
  number<const O extends Common<number> & { min?: number; max?: number }>(
    options?: O,
  ): { readonly type: 'number' } & O {
    return { type: 'number', ...(options as O) };
  },
  /** A safe integer; `min`/`max` are inclusive. */
  integer<const O extends Common<number> & { min?: number; max?: number }>(
    options?: O,
  ): { readonly type: 'integer' } & O {
    return { type: 'integer', ...(options as O) };
  },
  /** `true` or `false`. */
  boolean<const O extends Common<boolean>>(options?: O): { readonly type: 'boolean' } & O {
    return { type: 'boolean', ...(options as O) };
  },
  /** One of `values`. */
  enum<const V extends string, const O extends Common<NoInfer<V>> = Common<NoInfer<V>>>(
    values: readonly V[],
    options?: O,
  ): { readonly type: 'enum'; readonly values: readonly V[] } & O {
    return { type: 'enum', values, ...(options as O) };
  },
  /** A JSON list of `of` (a scalar spec, or a record of scalar specs given as a plain object). */
  list<
    const E extends ScalarParamSpec | Readonly<Record<string, ScalarParamSpec>>,
    const O extends Common<readonly unknown[]> & { minItems?: number; maxItems?: number } = Common<
      readonly unknown[]
    >,
  >(
    of: E,
    options?: O,
  ): {
    readonly type: 'list';
    readonly of: E extends ScalarParamSpec ? E : { readonly type: 'record'; readonly fields: E };
  } & O {
    const element = isScalarSpec(of) ? of : { type: 'record', fields: of };
    return { type: 'list', of: element, ...(options as O) } as never;
  },
};

function isScalarSpec(x: unknown): x is ScalarParamSpec {
  const t = (x as { type?: unknown }).type;
  return t === 'string' || t === 'number' || t === 'integer' || t === 'boolean' || t === 'enum';
}

/** Short human form of a type: `integer`, `enum[cosine|jaccard]`, `list<number>`. */
export function typeLabel(spec: ValueSpec): string {
  switch (spec.type) {
    case 'enum':
      return `enum[${spec.values.join('|')}]`;
    case 'list':
      return `list<${typeLabel(spec.of)}>`;
    case 'record':
      return `{${Object.entries(spec.fields)
        .map(([k, v]) => `${k}: ${typeLabel(v)}`)
        .join(', ')}}`;
    default:
      return spec.type;
  }
}

type Where = { task?: string; field?: string };

/**
 * Check a spec's shape and its default. Throws `PIPELINE_INVALID_PARAM` naming `where.field`.
 * @internal
 */
export function checkParamSpec(spec: unknown, where: Where, allowRecord = false): ValueSpec {
  const bad = (reason: string): never => fail('PIPELINE_INVALID_PARAM', where, `${where.field}: ${reason}`);
  if (spec === null || typeof spec !== 'object')
    return bad('must be a parameter spec (use param.string() …)');
  const s = spec as ValueSpec;
  switch (s.type) {
    case 'string':
      if (s.pattern !== undefined) {
        try {
          new RegExp(s.pattern, 'u');
        } catch {
          bad(`pattern ${JSON.stringify(s.pattern)} is not a valid regular expression`);
        }
      }
      checkBound(s.minLength, 'minLength', true, bad);
      checkBound(s.maxLength, 'maxLength', true, bad);
      break;
    case 'number':
    case 'integer':
      checkBound(s.min, 'min', s.type === 'integer', bad);
      checkBound(s.max, 'max', s.type === 'integer', bad);
      if (s.min !== undefined && s.max !== undefined && s.min > s.max)
        bad(`min ${s.min} is above max ${s.max}`);
      break;
    case 'boolean':
      break;
    case 'enum':
      if (!Array.isArray(s.values) || s.values.length === 0) bad('enum needs at least one value');
      for (const v of s.values) {
        if (typeof v !== 'string' || v === '')
          bad(`enum values must be non-empty strings, got ${JSON.stringify(v)}`);
      }
      if (new Set(s.values).size !== s.values.length) bad('enum values must be distinct');
      break;
    case 'list':
      checkParamSpec(s.of, { ...where, field: `${where.field}.of` }, true);
      checkBound(s.minItems, 'minItems', true, bad);
      checkBound(s.maxItems, 'maxItems', true, bad);
      break;
    case 'record':
      if (!allowRecord) bad('a record is only allowed as the element of a list');
      if (s.fields === null || typeof s.fields !== 'object' || Object.keys(s.fields).length === 0)
        bad('a record needs at least one field');
      for (const [k, f] of Object.entries(s.fields)) {
        if (!CAMEL_NAME.test(k)) bad(`record field "${k}" must be a camelCase identifier`);
        const fs = checkParamSpec(f, { ...where, field: `${where.field}.${k}` });
        if (fs.type === 'list') bad(`record field "${k}" must be a scalar`);
      }
      break;
    default:
      bad(`unknown parameter type ${JSON.stringify((s as { type?: unknown }).type)}`);
  }
  const d = (s as { default?: unknown }).default;
  if (d !== undefined) validateParamValue(s as ParamSpec, d, { ...where, field: `${where.field}.default` });
  return s;
}

function checkBound(v: unknown, name: string, integer: boolean, bad: (r: string) => never): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)))
    bad(`${name} must be a finite ${integer ? 'integer' : 'number'}, got ${JSON.stringify(v)}`);
}

/**
 * Check a typed value against its spec and return it. Throws `PIPELINE_INVALID_PARAM` naming the field
 * and the reason.
 *
 * @example
 * validateParamValue(param.integer({ min: 1 }), 20, { field: 'k' }); // 20
 */
export function validateParamValue<S extends ValueSpec>(spec: S, value: unknown, where: Where): ValueOf<S> {
  const bad = (reason: string): never =>
    fail('PIPELINE_INVALID_PARAM', where, `${where.field ?? 'value'} ${reason}, got ${show(value)}`);
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') return bad('must be a string');
      if (spec.minLength !== undefined && value.length < spec.minLength)
        bad(`must be at least ${spec.minLength} characters`);
      if (spec.maxLength !== undefined && value.length > spec.maxLength)
        bad(`must be at most ${spec.maxLength} characters`);
      if (spec.pattern !== undefined && !new RegExp(`^(?:${spec.pattern})$`, 'u').test(value))
        bad(`must match /${spec.pattern}/`);
      break;
    case 'number':
    case 'integer':
      if (typeof value !== 'number' || !Number.isFinite(value)) return bad('must be a finite number');
      if (spec.type === 'integer' && !Number.isSafeInteger(value)) bad('must be an integer');
      if (spec.min !== undefined && value < spec.min) bad(`must be ≥ ${spec.min}`);
      if (spec.max !== undefined && value > spec.max) bad(`must be ≤ ${spec.max}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') bad('must be true or false');
      break;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value))
        bad(`must be one of ${spec.values.join(', ')}`);
      break;
    case 'list': {
      if (!Array.isArray(value)) return bad('must be a list');
      if (spec.minItems !== undefined && value.length < spec.minItems)
        bad(`must have at least ${spec.minItems} items`);
      if (spec.maxItems !== undefined && value.length > spec.maxItems)
        bad(`must have at most ${spec.maxItems} items`);
      value.forEach((v, i) => {
        validateParamValue(spec.of, v, { ...where, field: `${where.field ?? 'value'}[${i}]` });
      });
      break;
    }
    case 'record': {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return bad('must be an object');
      const rec = value as Record<string, unknown>;
      for (const k of Object.keys(rec)) if (!(k in spec.fields)) bad(`has unknown field "${k}"`);
      for (const [k, f] of Object.entries(spec.fields)) {
        validateParamValue(f, rec[k], { ...where, field: `${where.field ?? 'value'}.${k}` });
      }
      break;
    }
  }
  return value as ValueOf<S>;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * The canonical text form of a value: strings as they are, numbers in JavaScript's shortest form,
 * booleans `true`/`false`, lists and records as JSON. This is what a step writes to an output file and what
 * Argo passes around.
 *
 * @example
 * encodeParamValue(0.5); // '0.5'
 * encodeParamValue(['cosine', 'jaccard']); // '["cosine","jaccard"]'
 */
export function encodeParamValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Object.is(value, -0) ? '0' : String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(value);
}

const NUMBER_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/**
 * Read a value of `spec` from its text form (or accept an already typed value) and validate it. Lists
 * accept Argo's aggregated form, where elements may be JSON values or strings (`["0.3","0.2"]`).
 *
 * @example
 * decodeParamValue(param.integer(), '20', { field: 'k' }); // 20
 */
export function decodeParamValue<S extends ValueSpec>(spec: S, raw: unknown, where: Where): ValueOf<S> {
  return validateParamValue(spec, decodeLoose(spec, raw, where), where);
}

function decodeLoose(spec: ValueSpec, raw: unknown, where: Where): unknown {
  if (typeof raw !== 'string') {
    if (spec.type === 'list' && Array.isArray(raw)) return raw.map((v) => decodeLoose(spec.of, v, where));
    if (spec.type === 'record' && raw !== null && typeof raw === 'object') {
      return Object.fromEntries(
        Object.entries(raw).map(([k, v]) => [
          k,
          k in spec.fields ? decodeLoose(spec.fields[k], v, where) : v,
        ]),
      );
    }
    return raw;
  }
  switch (spec.type) {
    case 'number':
    case 'integer':
      return NUMBER_TEXT.test(raw.trim()) ? Number(raw.trim()) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'list':
    case 'record': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return fail(
          'PIPELINE_INVALID_PARAM',
          where,
          `${where.field ?? 'value'} must be JSON, got ${show(raw)}`,
        );
      }
      return decodeLoose(spec, parsed, where);
    }
    default:
      return raw;
  }
}

/**
 * Whether every value of type `from` is a value of type `to` (constraints such as `min` aside): integer
 * feeds number, enum feeds string, a sub-enum feeds an enum, lists and records element-wise.
 * @internal
 */
export function isAssignable(from: ValueSpec, to: ValueSpec): boolean {
  switch (to.type) {
    case 'string':
      return from.type === 'string' || from.type === 'enum';
    case 'number':
      return from.type === 'number' || from.type === 'integer';
    case 'integer':
    case 'boolean':
      return from.type === to.type;
    case 'enum':
      return from.type === 'enum' && from.values.every((v) => to.values.includes(v));
    case 'list':
      return from.type === 'list' && isAssignable(from.of, to.of);
    case 'record':
      return (
        from.type === 'record' &&
        Object.keys(from.fields).length === Object.keys(to.fields).length &&
        Object.entries(to.fields).every(([k, f]) => k in from.fields && isAssignable(from.fields[k], f))
      );
  }
}
