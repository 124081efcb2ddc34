import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ROLES } from '../registry/index.js';
import { ApiError } from './errors.js';

const tokenSchema = z
  .object({
    /** The identity recorded on everything this token does (approvals, alias moves). */
    id: z.string().min(1).max(200),
    roles: z.array(z.enum(ROLES)).min(1),
    /** The secret itself… */
    token: z.string().min(16).optional(),
    /** …or its sha256 (hex), so the file need not hold the secret. */
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
  })
  .strict()
  .refine((t) => (t.token === undefined) !== (t.sha256 === undefined), {
    message: 'give exactly one of token or sha256',
  });

const configSchema = z
  .object({
    /** Address to bind. Anything but loopback requires tokens. @default 127.0.0.1 */
    host: z.string().min(1).default('127.0.0.1'),
    /** TCP port; 0 picks a free one. @default 8470 */
    port: z.number().int().min(0).max(65535).default(8470),
    tokens: z.array(tokenSchema).default([]),
    /** Largest request body, bytes. @default 1 MiB (MLflow's log-batch limit) */
    bodyLimit: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    timeouts: z
      .object({
        /** Longest time to receive a request's headers, in ms. @default 10000 */
        headersMs: z.number().int().min(10).max(600_000).default(10_000),
        /**
         * Longest time to receive a whole request, headers and body, in ms. Artifact uploads are
         * the longest requests: 5 minutes carries a 1.5 GB bundle at 5 MB/s. @default 300000
         */
        requestMs: z.number().int().min(10).max(86_400_000).default(300_000),
        /** Longest a keep-alive connection may sit idle, in ms. @default 72000 */
        keepAliveMs: z.number().int().min(10).max(3_600_000).default(72_000),
      })
      .strict()
      .prefault({})
      .refine((t) => t.headersMs <= t.requestMs, {
        path: ['headersMs'],
        message: 'must not exceed timeouts.requestMs (the whole request includes its headers)',
      }),
    /** Most open connections from one client address; 0 turns the cap off. @default 256 */
    maxConnectionsPerAddress: z.number().int().min(0).max(1_000_000).default(256),
    /**
     * A separate `bookml serve`'s base URL: the dashboard's serving figures come from its `/metrics`.
     * Unneeded under `bookml up`, which reads the server it runs. @default none
     */
    servingUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict();

/** A token as the server keeps it: never the secret, only its hash. */
export interface ApiToken {
  readonly id: string;
  readonly roles: readonly (typeof ROLES)[number][];
  readonly sha256: string;
}

/** The control plane's configuration, validated and frozen. */
export interface ApiConfig {
  readonly host: string;
  readonly port: number;
  readonly tokens: readonly ApiToken[];
  readonly bodyLimit: number;
  /** Header, whole-request and keep-alive idle timeouts, in ms. */
  readonly timeouts: { readonly headersMs: number; readonly requestMs: number; readonly keepAliveMs: number };
  /** Most open connections from one client address; 0: no cap. */
  readonly maxConnectionsPerAddress: number;
  /** A separate serving process whose `/metrics` the dashboard's serving figures come from; null: none. */
  readonly servingUrl: string | null;
}

/** Where {@link loadApiConfig} reads from; flags win over env, env over the file. */
export interface ApiConfigSources {
  flags?: { host?: string | undefined; port?: number | undefined; tokensFile?: string | undefined };
  /**
   * Reads `BOOKML_API_HOST`, `BOOKML_API_PORT`, `BOOKML_API_TOKENS_FILE`, `BOOKML_API_TOKENS`
   * (`id:role[+role]:secret,…`), `BOOKML_API_{HEADERS,REQUEST,KEEPALIVE}_TIMEOUT_MS` and
   * `BOOKML_API_MAX_CONNECTIONS_PER_ADDRESS` and `BOOKML_API_SERVING_URL`.
   */
  env?: NodeJS.ProcessEnv;
  /**
   * An already-parsed config document (what a tokens file holds: `{ host?, port?, tokens: […],
   * bodyLimit?, timeouts?: { headersMs?, requestMs?, keepAliveMs? }, maxConnectionsPerAddress? }`).
   */
  file?: unknown;
}

/**
 * Builds the API configuration: parsed once, every bad key listed, frozen. Refuses to listen beyond
 * loopback without a token — an open control plane on the network could move production.
 * @throws ApiError `API_CONFIG_INVALID`, `API_UNSAFE_BIND`
 * @example const config = loadApiConfig({ flags: { port: 0 }, env: {} });
 */
export function loadApiConfig(sources: ApiConfigSources = {}): ApiConfig {
  const env = sources.env ?? process.env;
  const tokensFile = sources.flags?.tokensFile ?? env.BOOKML_API_TOKENS_FILE;
  let file: Record<string, unknown> = {};
  if (sources.file !== undefined) file = sources.file as Record<string, unknown>;
  else if (tokensFile) file = readConfigFile(tokensFile);
  const merged: Record<string, unknown> = { ...file };
  if (env.BOOKML_API_HOST) merged.host = env.BOOKML_API_HOST;
  if (env.BOOKML_API_PORT) merged.port = Number(env.BOOKML_API_PORT);
  if (env.BOOKML_API_TOKENS)
    merged.tokens = [...((file.tokens as unknown[]) ?? []), ...envTokens(env.BOOKML_API_TOKENS)];
  const envTimeouts: Record<string, unknown> = {};
  for (const [name, key] of TIMEOUT_ENV) if (env[name]) envTimeouts[key] = envNumber(env[name]);
  if (Object.keys(envTimeouts).length > 0) {
    const f = file.timeouts;
    // A file value that is not a mapping is kept as is, so validation names it.
    merged.timeouts =
      f === undefined
        ? envTimeouts
        : typeof f === 'object' && f !== null && !Array.isArray(f)
          ? { ...f, ...envTimeouts }
          : f;
  }
  if (env.BOOKML_API_MAX_CONNECTIONS_PER_ADDRESS)
    merged.maxConnectionsPerAddress = envNumber(env.BOOKML_API_MAX_CONNECTIONS_PER_ADDRESS);
  if (env.BOOKML_API_SERVING_URL) merged.servingUrl = env.BOOKML_API_SERVING_URL;
  if (sources.flags?.host !== undefined) merged.host = sources.flags.host;
  if (sources.flags?.port !== undefined) merged.port = sources.flags.port;
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    // Paths and reasons only: a token value must never reach an error message.
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ApiError('API_CONFIG_INVALID', `the API configuration is invalid — ${problems.join('; ')}`, {
      field: parsed.error.issues[0]?.path.join('.'),
    });
  }
  const c = parsed.data;
  const tokens = c.tokens.map((t) =>
    Object.freeze({
      id: t.id,
      roles: Object.freeze([...t.roles]),
      sha256: t.sha256 ?? hashToken(t.token ?? ''),
    }),
  );
  if (new Set(tokens.map((t) => t.sha256)).size !== tokens.length) {
    throw new ApiError(
      'API_CONFIG_INVALID',
      'two configured tokens are the same secret; give each identity its own',
      { field: 'tokens' },
    );
  }
  if (!isLoopback(c.host) && tokens.length === 0) {
    throw new ApiError(
      'API_UNSAFE_BIND',
      `refusing to listen on ${c.host} without any API token: anyone who can reach it could move production. Configure tokens (--tokens-file or BOOKML_API_TOKENS) or bind to 127.0.0.1`,
      { field: 'host' },
    );
  }
  return Object.freeze({
    host: c.host,
    port: c.port,
    tokens: Object.freeze(tokens),
    bodyLimit: c.bodyLimit,
    timeouts: Object.freeze({ ...c.timeouts }),
    maxConnectionsPerAddress: c.maxConnectionsPerAddress,
    servingUrl: c.servingUrl ?? null,
  });
}

const TIMEOUT_ENV: ReadonlyArray<[env: string, key: string]> = [
  ['BOOKML_API_HEADERS_TIMEOUT_MS', 'headersMs'],
  ['BOOKML_API_REQUEST_TIMEOUT_MS', 'requestMs'],
  ['BOOKML_API_KEEPALIVE_TIMEOUT_MS', 'keepAliveMs'],
];

/** A number from the environment; text that is not one is kept, so validation names the key. */
function envNumber(v: string): unknown {
  return Number.isFinite(Number(v)) ? Number(v) : v;
}

/** sha256 hex of a token secret, as stored and compared. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function envTokens(text: string): unknown[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const [id, roles, ...rest] = entry.split(':');
      if (!id || !roles || rest.length === 0) {
        throw new ApiError(
          'API_CONFIG_INVALID',
          `BOOKML_API_TOKENS entry ${i + 1} must be id:role[+role]:secret`,
          {
            field: 'BOOKML_API_TOKENS',
          },
        );
      }
      return { id, roles: roles.split('+'), token: rest.join(':') };
    });
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ApiError(
      'API_CONFIG_INVALID',
      `cannot read the tokens file ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        field: 'tokensFile',
        cause: e,
      },
    );
  }
  try {
    const doc = parseYaml(text) as unknown;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not a mapping');
    return doc as Record<string, unknown>;
  } catch (e) {
    throw new ApiError('API_CONFIG_INVALID', `the tokens file ${path} is not a YAML/JSON mapping`, {
      field: 'tokensFile',
      cause: e,
    });
  }
}
