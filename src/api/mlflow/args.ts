import type { FastifyRequest } from 'fastify';
import { RegistryError } from '../../registry/index.js';

/**
 * A request's arguments the MLflow way: GET from the query string, POST/PATCH/DELETE from the JSON
 * body (DELETE also from the query). Unknown fields are ignored, as MLflow does (clients send
 * deprecated ones such as `run_uuid`).
 */
export class MlflowArgs {
  readonly #values: Record<string, unknown>;

  constructor(req: FastifyRequest) {
    const query = (req.query ?? {}) as Record<string, unknown>;
    const body =
      req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body)
        ? (req.body as Record<string, unknown>)
        : {};
    this.#values = req.method === 'GET' ? query : req.method === 'DELETE' ? { ...query, ...body } : body;
  }

  /** A string argument; `required` answers MLflow's own message when it is missing. */
  str(name: string, required: true): string;
  str(name: string, required?: false): string | undefined;
  str(name: string, required = false): string | undefined {
    const v = this.#values[name];
    if (v === undefined || v === null || v === '') {
      if (required) throw missing(name);
      return undefined;
    }
    if (Array.isArray(v)) return this.str1(name, v[0]);
    return this.str1(name, v);
  }

  /** An integer argument (int64 arrives as a number or a decimal string). */
  int(name: string, required = false): number | undefined {
    const v = this.#values[name];
    if (v === undefined || v === null || v === '') {
      if (required) throw missing(name);
      return undefined;
    }
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw invalid(name, v);
    return n;
  }

  /** A double argument (also `"NaN"`/`"Infinity"` strings are refused: metrics must be numbers). */
  num(name: string, required = false): number | undefined {
    const v = this.#values[name];
    if (v === undefined || v === null || v === '') {
      if (required) throw missing(name);
      return undefined;
    }
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || Number.isNaN(n)) throw invalid(name, v);
    return n;
  }

  /** A boolean argument (`true`/`false`, also as strings). */
  bool(name: string, required = false): boolean | undefined {
    const v = this.#values[name];
    if (v === undefined || v === null || v === '') {
      if (required) throw missing(name);
      return undefined;
    }
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    throw invalid(name, v);
  }

  /** A repeated field: `a=1&a=2`, `a[]=1`, or a JSON array. */
  list(name: string): string[] {
    const v = this.#values[name] ?? this.#values[`${name}[]`];
    if (v === undefined || v === null) return [];
    return (Array.isArray(v) ? v : [v]).map((x) => String(x));
  }

  /** A repeated `{key, value}` field (tags, params). */
  keyValues(name: string): { key: string; value: string }[] {
    const v = this.#values[name];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw invalid(name, v);
    return v.map((item, i) => {
      const kv = item as { key?: unknown; value?: unknown };
      if (typeof kv?.key !== 'string' || kv.key === '') throw missing(`${name}[${i}].key`);
      return { key: kv.key, value: kv.value === undefined || kv.value === null ? '' : String(kv.value) };
    });
  }

  /** The raw value, for nested structures (log-batch metrics). */
  raw(name: string): unknown {
    return this.#values[name];
  }

  private str1(name: string, v: unknown): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw invalid(name, v);
  }
}

function missing(name: string): RegistryError {
  return new RegistryError(
    'REGISTRY_INVALID_INPUT',
    `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
    { field: name },
  );
}

function invalid(name: string, v: unknown): RegistryError {
  return new RegistryError(
    'REGISTRY_INVALID_INPUT',
    `Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied.`,
    {
      field: name,
    },
  );
}
