import { z } from 'zod';
import { invalidConfig } from './errors.js';

/**
 * Everything `bookml serve` can be told, with every default in one place. Parsed once at start
 * (flag > env `BOOKML_SERVE_*` > default), frozen, and passed down; unknown keys are rejected.
 */
export const serveConfigSchema = z
  .object({
    /** Address to bind. @default '127.0.0.1' */
    host: z.string().min(1).default('127.0.0.1'),
    /** TCP port; 0 picks a free one. @default 8080 (KServe's HTTP port) */
    port: z.number().int().min(0).max(65535).default(8080),
    /** The model name the KServe protocols answer to. @default 'recommender' */
    modelName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, ".", "_" or "-"')
      .default('recommender'),
    /** k when a request gives none, capped at the model's neighbours per book. @default 5 (the original example's) */
    defaultK: z.number().int().min(1).max(1000).default(5),
    /** Share of traffic (0–100, whole percent) the canary answers, sticky per routing key. @default 0 */
    canaryPercent: z.number().int().min(0).max(100).default(0),
    /** Share of answers (0–1) written to the prediction log; 0 turns it off. @default 1 */
    sampleRate: z.number().min(0).max(1).default(1),
    /** Share of requests (0–1) the shadow model recomputes. @default 1 */
    shadowSampleRate: z.number().min(0).max(1).default(1),
    /** How often model sources are re-checked, in ms; 0 checks only at start and on reload. @default 2000 */
    pollIntervalMs: z.number().int().min(0).max(3_600_000).default(2000),
    /** Log level of the server's logger (the hot path logs nothing below warn). @default 'warn' */
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
    limits: z
      .object({
        /** Most instances (V1) or rows (V2) in one request. @default 1000 */
        maxBatch: z.number().int().min(1).max(100_000).default(1000),
        /** Most books in one `POST /recommend` basket. @default 100 */
        maxBasket: z.number().int().min(1).max(10_000).default(100),
        /** Body limit of `POST /recommend`, in bytes. @default 65536 */
        recommendBodyBytes: z
          .number()
          .int()
          .min(256)
          .max(16 * 1024 * 1024)
          .default(64 * 1024),
        /** Body limit of the KServe V1/V2 routes, in bytes. @default 1048576 */
        kserveBodyBytes: z
          .number()
          .int()
          .min(1024)
          .max(256 * 1024 * 1024)
          .default(1024 * 1024),
      })
      .strict()
      .prefault({}),
    predictionLog: z
      .object({
        /** Records the in-memory ring holds; when full, new records are dropped and counted. @default 65536 */
        capacity: z.number().int().min(1).max(10_000_000).default(65_536),
        /** Most records handed to the sink in one write. @default 4096 */
        batchSize: z.number().int().min(1).max(1_000_000).default(4096),
        /** Longest a record waits before it is written, in ms. @default 1000 */
        flushIntervalMs: z.number().int().min(10).max(600_000).default(1000),
        /**
         * Most records per second per serving process; past it a spread-out share of answers is
         * recorded (the drift monitor's windows are thousands of answers, so a busy server loses no
         * signal, and the log's CPU and disk stay bounded). 0: no limit. @default 500
         */
        maxPerSecond: z.number().int().min(0).max(10_000_000).default(500),
      })
      .strict()
      .prefault({}),
    /**
     * Bytes of ready-to-write `GET /recommend` answers kept per model version (hot books × k); past
     * it the cache starts over. 0 encodes every answer anew. @default 67108864 (64 MiB)
     */
    answerCacheBytes: z
      .number()
      .int()
      .min(0)
      .max(16 * 1024 * 1024 * 1024)
      .default(64 * 1024 * 1024),
    /** Requests queued for the shadow model; when full, comparisons are skipped and counted. @default 4096 */
    shadowQueue: z.number().int().min(1).max(1_000_000).default(4096),
    timeouts: z
      .object({
        /** Longest time to receive a request's headers, in ms. @default 10000 */
        headersMs: z.number().int().min(10).max(600_000).default(10_000),
        /** Longest time to receive a whole request, headers and body, in ms. @default 30000 */
        requestMs: z.number().int().min(10).max(3_600_000).default(30_000),
        /**
         * Longest a keep-alive connection may sit idle, in ms. Above the 60 s idle timeout of common
         * load balancers, so the balancer, never bookml, closes a connection it may be reusing. @default 72000
         */
        keepAliveMs: z.number().int().min(10).max(3_600_000).default(72_000),
      })
      .strict()
      .prefault({})
      .refine((t) => t.headersMs <= t.requestMs, {
        path: ['headersMs'],
        message: 'must not exceed timeouts.requestMs (the whole request includes its headers)',
      }),
    /**
     * Most open connections from one client address; 0 turns the cap off. Inference clients open many
     * (a load balancer keeps hundreds of idle upstream connections per worker; a batch job fans out),
     * so the cap only stops one address from taking every socket. Behind a proxy every client shares
     * its address: raise it (or 0) there. @default 1024
     */
    maxConnectionsPerAddress: z.number().int().min(0).max(1_000_000).default(1024),
  })
  .strict();

/** A parsed, frozen serving configuration. */
export type ServeConfig = Readonly<z.output<typeof serveConfigSchema>>;
/** What callers may pass: any subset; defaults fill the rest. */
export type ServeConfigInput = z.input<typeof serveConfigSchema>;

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/**
 * Validate a configuration once and freeze it. Throws `SERVE_INVALID_CONFIG` listing every bad key.
 *
 * @example
 * const config = parseServeConfig({ port: 8080, canaryPercent: 10 });
 */
export function parseServeConfig(input: ServeConfigInput = {}): ServeConfig {
  const parsed = serveConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw invalidConfig(
      parsed.error.issues.flatMap((i) =>
        i.code === 'unrecognized_keys'
          ? i.keys.map((k) => ({ field: [...i.path, k].join('.'), reason: 'unknown key' }))
          : [{ field: i.path.join('.') || '(config)', reason: i.message }],
      ),
    );
  }
  return deepFreeze(parsed.data);
}

/** Environment variable → config key (a dotted path for nested keys). */
const ENV_KEYS: ReadonlyArray<[env: string, key: string, kind: 'string' | 'number']> = [
  ['BOOKML_SERVE_HOST', 'host', 'string'],
  ['BOOKML_SERVE_PORT', 'port', 'number'],
  ['BOOKML_SERVE_MODEL_NAME', 'modelName', 'string'],
  ['BOOKML_SERVE_DEFAULT_K', 'defaultK', 'number'],
  ['BOOKML_SERVE_CANARY_PERCENT', 'canaryPercent', 'number'],
  ['BOOKML_SERVE_SAMPLE_RATE', 'sampleRate', 'number'],
  ['BOOKML_SERVE_LOG_MAX_PER_SECOND', 'predictionLog.maxPerSecond', 'number'],
  ['BOOKML_SERVE_POLL_MS', 'pollIntervalMs', 'number'],
  ['BOOKML_SERVE_LOG_LEVEL', 'logLevel', 'string'],
  ['BOOKML_SERVE_ANSWER_CACHE_BYTES', 'answerCacheBytes', 'number'],
  ['BOOKML_SERVE_HEADERS_TIMEOUT_MS', 'timeouts.headersMs', 'number'],
  ['BOOKML_SERVE_REQUEST_TIMEOUT_MS', 'timeouts.requestMs', 'number'],
  ['BOOKML_SERVE_KEEPALIVE_TIMEOUT_MS', 'timeouts.keepAliveMs', 'number'],
  ['BOOKML_SERVE_MAX_CONNECTIONS_PER_ADDRESS', 'maxConnectionsPerAddress', 'number'],
];

/**
 * The configuration keys set through `BOOKML_SERVE_*` environment variables (flags override them).
 * A number that does not parse is kept as text so that validation names the key.
 *
 * @example
 * const config = parseServeConfig({ ...serveConfigFromEnv(process.env), ...flags });
 */
export function serveConfigFromEnv(env: NodeJS.ProcessEnv): Partial<ServeConfigInput> {
  const out: Record<string, unknown> = {};
  for (const [name, key, kind] of ENV_KEYS) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    const path = key.split('.');
    let at = out;
    for (const part of path.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
    at[path[path.length - 1]] = kind === 'number' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return out as Partial<ServeConfigInput>;
}
