import { z } from 'zod';
import { resolveWorkspace, type Workspace } from '../core/index.js';
import { AppError } from './errors.js';

/**
 * The configuration every bookml process starts from, resolved once — flag > environment (`BOOKML_*`) >
 * default — validated, and frozen. Surfaces with their own settings (the API's tokens and bind address,
 * serving's ports and prediction log) are resolved by their own loaders from the same sources.
 */
const AppConfigInput = z
  .object({
    home: z.string().min(1).optional(),
    databaseUrl: z.string().min(1).optional(),
    artifactsUrl: z.string().min(1).optional(),
    pipelinesUrl: z.string().min(1).optional(),
    natsUrl: z
      .string()
      .regex(/^nats:\/\//, 'must be nats://host:port')
      .optional(),
    webhookSecret: z.string().min(16, 'must be at least 16 characters').optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

/** The resolved configuration of a process. */
export interface AppConfig {
  readonly workspace: Workspace;
  /** `postgres://…` or `sqlite:<path>`; absent: `<workspace>/bookml.db`. */
  readonly databaseUrl: string | undefined;
  /** `file:///…`, an absolute path or `s3://…`; absent: `<workspace>/artifacts`. */
  readonly artifactsUrl: string | undefined;
  /** The pipeline catalogue module (path or URL); absent: bookml's own `pipelines/`. */
  readonly pipelinesUrl: string | undefined;
  /** `nats://…`: the event bus is NATS JetStream; absent: the metadata database's event table. */
  readonly natsUrl: string | undefined;
  /** The webhook's HMAC secret; absent: one generated into `<workspace>/webhook-secret`. */
  readonly webhookSecret: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** Where {@link resolveAppConfig} reads from. */
export interface AppConfigSources {
  flags?: { home?: string | undefined; logLevel?: string | undefined };
  /** @default {} — the CLI passes process.env; nothing else reads it. */
  env?: NodeJS.ProcessEnv;
}

const empty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/**
 * Resolve and freeze the configuration. Bad values fail with `APP_CONFIG_INVALID`, naming every bad key.
 * @example const config = resolveAppConfig({ flags: { home: '/tmp/ws' }, env: process.env });
 */
export function resolveAppConfig(sources: AppConfigSources = {}): AppConfig {
  const env = sources.env ?? {};
  const raw = {
    home: empty(sources.flags?.home) ?? empty(env.BOOKML_HOME),
    databaseUrl: empty(env.BOOKML_DATABASE_URL),
    artifactsUrl: empty(env.BOOKML_ARTIFACTS),
    pipelinesUrl: empty(env.BOOKML_PIPELINES),
    natsUrl: empty(env.BOOKML_NATS_URL),
    webhookSecret: empty(env.BOOKML_WEBHOOK_SECRET),
    logLevel: empty(sources.flags?.logLevel) ?? empty(env.BOOKML_LOG_LEVEL),
  };
  const parsed = AppConfigInput.safeParse(
    Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)),
  );
  if (!parsed.success) {
    const bad = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new AppError('APP_CONFIG_INVALID', `invalid configuration — ${bad.join('; ')}`, {
      field: String(parsed.error.issues[0]?.path[0] ?? 'config'),
    });
  }
  const c = parsed.data;
  return Object.freeze({
    workspace: resolveWorkspace(c.home, env),
    databaseUrl: c.databaseUrl,
    artifactsUrl: c.artifactsUrl,
    pipelinesUrl: c.pipelinesUrl,
    natsUrl: c.natsUrl,
    webhookSecret: c.webhookSecret,
    logLevel: c.logLevel,
  });
}
