import { z } from 'zod';
import { resolveWorkspace, type Workspace } from '../core/index.js';
import type { S3Settings } from '../store/s3/index.js';
import { DEFAULT_PVC_ROOT } from './dataset-sources.js';
import { AppError } from './errors.js';
import { type ImageRef, imageRefOf } from './image-ref.js';

export { type ImageRef, imageRefOf, lineageCodeVersion } from './image-ref.js';

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
    redisUrl: z
      .string()
      .regex(/^rediss?:\/\//, 'must be redis://[user:password@]host:port[/db]')
      .optional(),
    webhookSecret: z.string().min(16, 'must be at least 16 characters').optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    s3Endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).optional(),
    s3Region: z.string().min(1).optional(),
    s3ForcePathStyle: z.enum(['true', 'false', '1', '0']).optional(),
    s3AccessKeyId: z.string().min(1).optional(),
    s3SecretAccessKey: z.string().min(1).optional(),
    s3SessionToken: z.string().min(1).optional(),
    pvcRoot: z.string().regex(/^\//, 'must be an absolute path').default(DEFAULT_PVC_ROOT),
    predictions: z.enum(['workspace', 'database']).default('workspace'),
    image: z
      .string()
      .regex(
        /^[^\s@]+(@sha256:[0-9a-f]{64})?$/,
        'must be an image reference (repo:tag or repo@sha256:<64 hex>)',
      )
      .optional(),
  })
  .strict()
  .refine((c) => (c.s3AccessKeyId === undefined) === (c.s3SecretAccessKey === undefined), {
    path: ['s3AccessKeyId'],
    message: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: give both or neither',
  });

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
  /**
   * `redis://…` (`BOOKML_REDIS_URL`): the online store of customer histories is Redis; absent: the
   * metadata database's `online_histories` table.
   */
  readonly redisUrl: string | undefined;
  /** The webhook's HMAC secret; absent: one generated into `<workspace>/webhook-secret`. */
  readonly webhookSecret: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * How to reach S3, for an `s3://` artifact store and `s3://` dataset URIs: `BOOKML_S3_ENDPOINT` (or
   * `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`), `AWS_REGION` (or `AWS_DEFAULT_REGION`),
   * `BOOKML_S3_FORCE_PATH_STYLE`, `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`).
   * Without keys the AWS SDK's default chain finds credentials (web identity, instance role).
   */
  readonly s3: S3Settings;
  /** Where `pvc://<claim>/<path>` dataset URIs are read: each claim mounted at `<pvcRoot>/<claim>` (`BOOKML_PVC_ROOT`). */
  readonly pvcRoot: string;
  /**
   * Where serving writes its prediction log and the drift monitor reads it (`BOOKML_PREDICTIONS`):
   * `workspace` — files under `<workspace>/predictions` (one machine); `database` — the metadata
   * database's `predictions` table (a cluster, where serving and monitor are different pods).
   * @default 'workspace'
   */
  readonly predictions: 'workspace' | 'database';
  /**
   * The container image this process runs (`BOOKML_IMAGE`, set by `bookml deploy render --image`) and
   * its digest when the reference is pinned (`repo@sha256:…`); lineage records both. Absent outside a
   * rendered pod.
   */
  readonly image: ImageRef | undefined;
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
    redisUrl: empty(env.BOOKML_REDIS_URL),
    webhookSecret: empty(env.BOOKML_WEBHOOK_SECRET),
    logLevel: empty(sources.flags?.logLevel) ?? empty(env.BOOKML_LOG_LEVEL),
    ...s3Sources(env),
    pvcRoot: empty(env.BOOKML_PVC_ROOT),
    predictions: empty(env.BOOKML_PREDICTIONS),
    image: empty(env.BOOKML_IMAGE),
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
    redisUrl: c.redisUrl,
    webhookSecret: c.webhookSecret,
    logLevel: c.logLevel,
    s3: Object.freeze(s3Settings(c)),
    pvcRoot: c.pvcRoot,
    predictions: c.predictions,
    image: c.image === undefined ? undefined : imageRefOf(c.image),
  });
}

/** The S3 settings' raw values, from the standard AWS variables and bookml's own. */
function s3Sources(env: NodeJS.ProcessEnv) {
  return {
    s3Endpoint:
      empty(env.BOOKML_S3_ENDPOINT) ?? empty(env.AWS_ENDPOINT_URL_S3) ?? empty(env.AWS_ENDPOINT_URL),
    s3Region: empty(env.AWS_REGION) ?? empty(env.AWS_DEFAULT_REGION),
    s3ForcePathStyle: empty(env.BOOKML_S3_FORCE_PATH_STYLE),
    s3AccessKeyId: empty(env.AWS_ACCESS_KEY_ID),
    s3SecretAccessKey: empty(env.AWS_SECRET_ACCESS_KEY),
    s3SessionToken: empty(env.AWS_SESSION_TOKEN),
  };
}

function s3Settings(c: z.infer<typeof AppConfigInput>): S3Settings {
  const style = c.s3ForcePathStyle;
  return {
    ...(c.s3Endpoint === undefined ? {} : { endpoint: c.s3Endpoint }),
    ...(c.s3Region === undefined ? {} : { region: c.s3Region }),
    ...(style === undefined ? {} : { forcePathStyle: style === 'true' || style === '1' }),
    ...(c.s3AccessKeyId === undefined || c.s3SecretAccessKey === undefined
      ? {}
      : {
          credentials: {
            accessKeyId: c.s3AccessKeyId,
            secretAccessKey: c.s3SecretAccessKey,
            ...(c.s3SessionToken === undefined ? {} : { sessionToken: c.s3SessionToken }),
          },
        }),
  };
}
