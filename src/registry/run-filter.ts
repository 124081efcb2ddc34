import { RegistryError } from './errors.js';

/** The parts of a tracking run a filter or an `order_by` can see. */
export interface FilterableRun {
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
  attributes: Record<string, string | number | null>;
}

interface Clause {
  scope: 'metrics' | 'params' | 'tags' | 'attributes';
  key: string;
  op: string;
  value: string | number;
}

const SCOPES: Record<string, Clause['scope']> = {
  metric: 'metrics',
  metrics: 'metrics',
  param: 'params',
  params: 'params',
  parameter: 'params',
  parameters: 'params',
  tag: 'tags',
  tags: 'tags',
  attribute: 'attributes',
  attributes: 'attributes',
  attr: 'attributes',
  run: 'attributes',
};
const CLAUSE =
  /^\s*([A-Za-z]+)\.(`[^`]+`|"[^"]+"|[A-Za-z0-9_.\-/]+)\s*(<=|>=|!=|=|<|>|ILIKE|LIKE)\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?[0-9.eE+-]+)\s*$/i;

/**
 * Compiles MLflow's run filter grammar (the part bookml supports): clauses joined by `and`, each
 * `<metrics|params|tags|attributes>.<key> <op> <value>`; metrics compare numbers, the others quoted
 * strings with `=`, `!=`, `LIKE`, `ILIKE`.
 * @throws RegistryError `REGISTRY_INVALID_INPUT` naming the clause
 * @example compileRunFilter("metrics.ndcg_at_10 > 0.3 and params.k = '50'")(run)
 */
export function compileRunFilter(filter: string | undefined): (run: FilterableRun) => boolean {
  if (filter === undefined || filter.trim() === '') return () => true;
  const clauses = splitAnd(filter).map(parseClause);
  return (run) => clauses.every((c) => matches(c, run));
}

/**
 * Compiles `order_by` entries (`metrics.ndcg DESC`, `attributes.start_time`) into a comparator;
 * the default is newest start first, then run id.
 */
export function compileOrderBy(
  orderBy: readonly string[] | undefined,
): (a: FilterableRun, b: FilterableRun) => number {
  const keys = (orderBy ?? []).map((entry) => {
    const m = /^\s*([A-Za-z]+)\.(`[^`]+`|[A-Za-z0-9_.\-/]+)\s*(ASC|DESC)?\s*$/i.exec(entry);
    const scope = m?.[1] ? SCOPES[m[1].toLowerCase()] : undefined;
    if (!m?.[2] || scope === undefined) {
      throw new RegistryError(
        'REGISTRY_INVALID_INPUT',
        `order_by "${entry}" must look like "metrics.ndcg DESC"`,
        { field: 'order_by' },
      );
    }
    return { scope, key: unquote(m[2]), desc: (m[3] ?? 'ASC').toUpperCase() === 'DESC' };
  });
  keys.push(
    { scope: 'attributes', key: 'start_time', desc: true },
    { scope: 'attributes', key: 'run_id', desc: false },
  );
  return (a, b) => {
    for (const k of keys) {
      const x = runValue(a, k.scope, k.key);
      const y = runValue(b, k.scope, k.key);
      if (x === y) continue;
      // Missing values sort last whatever the direction, as MLflow does.
      if (x === undefined || x === null) return 1;
      if (y === undefined || y === null) return -1;
      const c = x < y ? -1 : 1;
      return k.desc ? -c : c;
    }
    return 0;
  };
}

function splitAnd(filter: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (let i = 0; i < filter.length; i++) {
    const ch = filter[i] as string;
    if (quote) {
      if (ch === quote) quote = null;
      cur += ch;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch;
      cur += ch;
      continue;
    }
    const rest = filter.slice(i);
    if (/^\s+and\s+/i.test(rest)) {
      const m = /^\s+and\s+/i.exec(rest) as RegExpExecArray;
      parts.push(cur);
      cur = '';
      i += m[0].length - 1;
      continue;
    }
    if (/^\s+or\s+/i.test(rest)) {
      throw new RegistryError(
        'REGISTRY_INVALID_INPUT',
        'filter supports only "and" between clauses, not "or"',
        { field: 'filter' },
      );
    }
    cur += ch;
  }
  parts.push(cur);
  return parts;
}

function parseClause(text: string): Clause {
  const m = CLAUSE.exec(text);
  const scope = m?.[1] ? SCOPES[m[1].toLowerCase()] : undefined;
  if (!m?.[2] || !m[3] || !m[4] || scope === undefined) {
    throw new RegistryError(
      'REGISTRY_INVALID_INPUT',
      `filter clause "${text.trim()}" must look like metrics.ndcg > 0.3, params.k = '50' or attributes.status = 'FINISHED'`,
      { field: 'filter' },
    );
  }
  const op = m[3].toUpperCase();
  const raw = m[4];
  const quoted = raw.startsWith("'") || raw.startsWith('"');
  if (scope === 'metrics') {
    if (quoted || !['=', '!=', '<', '<=', '>', '>='].includes(op)) {
      throw new RegistryError(
        'REGISTRY_INVALID_INPUT',
        `metric clause "${text.trim()}" must compare with a number`,
        { field: 'filter' },
      );
    }
    return { scope, key: unquote(m[2]), op, value: Number(raw) };
  }
  if (!quoted && scope !== 'attributes') {
    throw new RegistryError(
      'REGISTRY_INVALID_INPUT',
      `clause "${text.trim()}" must compare with a quoted string`,
      { field: 'filter' },
    );
  }
  return { scope, key: unquote(m[2]), op, value: quoted ? raw.slice(1, -1) : Number(raw) };
}

function matches(c: Clause, run: FilterableRun): boolean {
  const v = runValue(run, c.scope, c.key);
  if (v === undefined || v === null) return false;
  if (c.op === 'LIKE' || c.op === 'ILIKE') {
    const re = new RegExp(
      `^${String(c.value)
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/%/g, '.*')
        .replace(/_/g, '.')}$`,
      c.op === 'ILIKE' ? 'i' : '',
    );
    return re.test(String(v));
  }
  const a = typeof c.value === 'number' ? Number(v) : String(v);
  const b = c.value;
  switch (c.op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

function runValue(
  run: FilterableRun,
  scope: Clause['scope'],
  key: string,
): string | number | null | undefined {
  if (scope === 'attributes') return run.attributes[key === 'run_name' ? 'run_name' : key];
  return run[scope][key];
}

function unquote(key: string): string {
  return /^[`"].*[`"]$/.test(key) ? key.slice(1, -1) : key;
}
