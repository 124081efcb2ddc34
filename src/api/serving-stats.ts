/**
 * Serving figures for the dashboard, read from the serving process's Prometheus text (`/metrics`):
 * the same counters Prometheus and Grafana read, so the dashboard never shows a number they would
 * not. Two scrapes make a sample: requests/s, errors/s and fallbacks/s are counter deltas over the
 * time between them, latency percentiles are interpolated inside the histogram buckets of that
 * interval (as PromQL's `histogram_quantile` does).
 */

/** Where the serving process's Prometheus text comes from. */
export interface ServingMetricsSource {
  /** What the source is, for the page (`in-process`, or the scraped URL). */
  readonly description: string;
  /** The current `/metrics` text; null while nothing serves (e.g. before the server started). */
  text(): Promise<string | null>;
}

/** Cumulative counters of one model version at one scrape. */
export interface VersionTotals {
  requests: number;
  /** 5xx answers. */
  errors: number;
  fallbacks: number;
  /** Cumulative latency bucket counts, by upper bound in seconds (ascending; the last is +Inf). */
  buckets: Array<[le: number, count: number]>;
}

/** One scrape: per-version totals, which role each version fills, the canary's configured share. */
export interface ServingScrape {
  versions: Map<string, VersionTotals>;
  roles: Map<string, string>;
  canaryTarget: number | null;
}

/** One version's figures over one sampling interval. */
export interface ServingVersionSample {
  version: string;
  /** `primary`, `canary` or `shadow`; null for a version that no longer fills a role. */
  role: string | null;
  requestsPerS: number;
  errorsPerS: number;
  fallbacksPerS: number;
  /** Latency percentiles in ms over the interval; null when it saw no request. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

/** The figures of one sampling interval, ending at `at` (epoch ms). */
export interface ServingSample {
  at: number;
  canaryTarget: number | null;
  versions: ServingVersionSample[];
}

const ROLE_ORDER = ['primary', 'canary', 'shadow'];
const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function labels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined) return out;
  for (const m of text.matchAll(LABEL)) out[m[1]] = m[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
  return out;
}

/**
 * Reads the serving metrics out of a Prometheus text exposition (`prefix` as the server was given).
 * Requests no model answered (version `none`: health, metrics, bad input) are left out.
 */
export function parseServingMetrics(text: string, prefix = 'bookml_serve'): ServingScrape {
  const versions = new Map<string, VersionTotals>();
  const roles = new Map<string, string>();
  const buckets = new Map<string, Map<number, number>>();
  let canaryTarget: number | null = null;
  const totals = (v: string) => {
    let t = versions.get(v);
    if (t === undefined) {
      t = { requests: 0, errors: 0, fallbacks: 0, buckets: [] };
      versions.set(v, t);
    }
    return t;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(prefix)) continue;
    const m = LINE.exec(line);
    if (m === null) continue;
    const name = m[1].slice(prefix.length);
    const l = labels(m[2]);
    const value = Number(m[3]);
    if (!Number.isFinite(value) && m[3] !== '+Inf') continue;
    if (name === '_model_info') {
      if (value === 1 && l.role !== undefined && l.version !== undefined) roles.set(l.version, l.role);
      continue;
    }
    if (name === '_canary_target_ratio') {
      canaryTarget = value;
      continue;
    }
    const v = l.version;
    if (v === undefined || v === 'none') continue;
    if (name === '_requests_total') {
      totals(v).requests += value;
      if (l.status === '5xx') totals(v).errors += value;
    } else if (name === '_fallbacks_total') {
      totals(v).fallbacks += value;
    } else if (name === '_request_duration_seconds_bucket' && l.le !== undefined) {
      const le = l.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(l.le);
      const byLe = buckets.get(v) ?? new Map<number, number>();
      byLe.set(le, (byLe.get(le) ?? 0) + value);
      buckets.set(v, byLe);
    }
  }
  for (const [v, byLe] of buckets) totals(v).buckets = [...byLe].sort((a, b) => a[0] - b[0]);
  // A loaded version that has not answered yet still serves: it shows, at zero requests.
  for (const v of roles.keys()) totals(v);
  return { versions, roles, canaryTarget };
}

/**
 * The `q` quantile (0–1) of the requests counted by cumulative `buckets`, in ms: linear inside the
 * bucket that holds it, as `histogram_quantile` does; the top finite bound when it falls in +Inf.
 * Null when the buckets count nothing.
 */
export function bucketQuantile(buckets: ReadonlyArray<[number, number]>, q: number): number | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return prevLe * 1000;
      const inBucket = count - prevCount;
      const frac = inBucket > 0 ? (rank - prevCount) / inBucket : 1;
      return (prevLe + (le - prevLe) * frac) * 1000;
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe * 1000;
}

/**
 * The figures between two scrapes `seconds` apart. A counter that went down (the server restarted)
 * counts from zero, as Prometheus's `rate` does.
 */
export function servingSample(
  before: ServingScrape | null,
  after: ServingScrape,
  seconds: number,
  at: number,
): ServingSample {
  const versions: ServingVersionSample[] = [];
  for (const [version, now] of after.versions) {
    const then = before?.versions.get(version);
    const reset = then !== undefined && now.requests < then.requests;
    const base = then === undefined || reset ? null : then;
    const delta = (a: number, b: number | undefined) => Math.max(0, a - (b ?? 0));
    const thenBuckets = new Map(base?.buckets ?? []);
    const buckets = now.buckets.map(([le, c]): [number, number] => [le, delta(c, thenBuckets.get(le))]);
    const per = (n: number) => (seconds > 0 ? n / seconds : 0);
    versions.push({
      version,
      role: after.roles.get(version) ?? null,
      requestsPerS: per(delta(now.requests, base?.requests)),
      errorsPerS: per(delta(now.errors, base?.errors)),
      fallbacksPerS: per(delta(now.fallbacks, base?.fallbacks)),
      p50Ms: bucketQuantile(buckets, 0.5),
      p95Ms: bucketQuantile(buckets, 0.95),
      p99Ms: bucketQuantile(buckets, 0.99),
    });
  }
  const rank = (r: string | null) => ROLE_ORDER.indexOf(r ?? '') >>> 0; // unknown and null sort last
  versions.sort((a, b) => rank(a.role) - rank(b.role) || a.version.localeCompare(b.version));
  return { at, canaryTarget: after.canaryTarget, versions };
}

/**
 * A serving process's `/metrics` over HTTP (a `bookml serve` of its own), read with a deadline so a
 * hung server cannot pile up scrapes. A failure is an error the sampler shows, never a zero.
 */
export function scrapedServingMetrics(
  url: string,
  opts: { timeoutMs?: number; fetch?: typeof fetch } = {},
): ServingMetricsSource {
  const target = new URL('metrics', url.endsWith('/') ? url : `${url}/`).toString();
  const get = opts.fetch ?? fetch;
  return {
    description: target,
    text: async () => {
      const res = await get(target, { signal: AbortSignal.timeout(opts.timeoutMs ?? 2000) });
      if (!res.ok) throw new Error(`${target} answered ${res.status}`);
      return res.text();
    },
  };
}
