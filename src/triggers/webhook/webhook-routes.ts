import { Ajv } from 'ajv';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/index.js';
import type { DbHandle } from '../../store/index.js';
import type { EventBus } from '../bus/index.js';
import { sourceTopic, TOPICS } from '../bus/index.js';
import { TriggersError } from '../errors.js';
import { sendWebhookError } from './http-errors.js';
import { ReplayGuard } from './replay-guard.js';
import { SIGNATURE_HEADER } from './signature.js';
import { type Credentials, WebhookAuth } from './webhook-auth.js';
import {
  ACCEPTED_SCHEMA,
  DATASET_READY_BODY_SCHEMA,
  type DatasetReadyBody,
  type DatasetReadyPayload,
  datasetPath,
  idempotencyKey,
  SOURCE_EVENT_BODY_SCHEMA,
  SOURCE_PARAMS_SCHEMA,
} from './webhook-bodies.js';

/** What the webhook routes need. Checked once, when {@link webhookRoutes} is called. */
export interface WebhookDeps {
  /** Where accepted events go. */
  bus: Pick<EventBus, 'publish'>;
  /** The metadata database: the replay guard's `webhook_signatures` table. */
  db: DbHandle;
  /** Judges timestamp skew and stamps replay rows. @default db.clock */
  clock?: Clock;
  /**
   * The HMAC secret (at least 16 characters): `BOOKML_WEBHOOK_SECRET`, or the one
   * {@link loadOrCreateWebhookSecret} keeps in the workspace. Needed unless `bearerTokens` are given.
   */
  secret?: string;
  /** Tokens accepted as `Authorization: Bearer <token>` (each at least 16 characters). @default none */
  bearerTokens?: readonly string[];
  /** Largest accepted body, in bytes. @default 65536 (64 KiB) */
  bodyLimitBytes?: number;
  /** Largest accepted distance between the signed timestamp and the clock, in ms. @default 300000 (5 min) */
  toleranceMs?: number;
}

interface Checked {
  readonly bus: Pick<EventBus, 'publish'>;
  readonly clock: Clock;
  readonly auth: WebhookAuth;
  readonly replay: ReplayGuard;
  readonly bodyLimit: number;
}

/** What the hooks learned about a request, for the handler. */
interface RequestAuth {
  credentials: Credentials;
  /** The signature's digest once verified; the handler claims it against replay. */
  digest?: string;
}

/**
 * The webhook surface as an encapsulated Fastify plugin: `POST /recommender-dataset-ready` (publishes
 * `dataset.ready`) and `POST /events/:source` (publishes the JSON object on `events.<source>`), each
 * answering `202 {"event_id": "…"}`. Credentials are checked from the headers before the body is
 * read, the signature over the raw bytes before the body is parsed, and nothing is published unless
 * every check passed. Its body parser, validator and error handler stay inside the plugin.
 *
 * @throws TriggersError `TRIGGERS_CONFIG_INVALID` (at call time) for missing credentials or bad limits
 * @example
 * app.register(webhookRoutes({ bus, db: mdb, secret: process.env.BOOKML_WEBHOOK_SECRET }));
 */
export function webhookRoutes(deps: WebhookDeps): FastifyPluginAsync {
  const checked = checkDeps(deps);
  return async (scope) => registerRoutes(scope, checked);
}

function checkDeps(deps: WebhookDeps): Checked {
  const bad = (field: string, message: string) =>
    new TriggersError('TRIGGERS_CONFIG_INVALID', message, { field });
  if (deps?.bus === undefined || typeof deps.bus.publish !== 'function')
    throw bad('bus', 'the webhook needs an event bus');
  if (deps.db === undefined) throw bad('db', 'the webhook needs the metadata database (replay guard)');
  const secret = deps.secret === undefined || deps.secret === '' ? undefined : deps.secret;
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 16)) {
    throw bad('secret', 'the webhook secret must be at least 16 characters');
  }
  const tokens = deps.bearerTokens ?? [];
  if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string' || t.length < 16)) {
    throw bad('bearerTokens', 'each webhook bearer token must be at least 16 characters');
  }
  if (secret === undefined && tokens.length === 0) {
    throw bad(
      'secret',
      'the webhook needs a secret (BOOKML_WEBHOOK_SECRET) or bearer tokens; it never runs open',
    );
  }
  const bodyLimit = deps.bodyLimitBytes ?? 65_536;
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1 || bodyLimit > 16 * 1024 * 1024) {
    throw bad('bodyLimitBytes', 'bodyLimitBytes must be a whole number from 1 to 16 MiB');
  }
  const toleranceMs = deps.toleranceMs ?? 300_000;
  if (!Number.isInteger(toleranceMs) || toleranceMs < 1000 || toleranceMs > 3_600_000) {
    throw bad('toleranceMs', 'toleranceMs must be a whole number of ms from 1 s to 1 h');
  }
  return Object.freeze({
    bus: deps.bus,
    clock: deps.clock ?? deps.db.clock,
    auth: new WebhookAuth({ secret, bearerTokens: [...tokens], toleranceMs }),
    replay: new ReplayGuard(deps.db),
    bodyLimit,
  });
}

function registerRoutes(scope: FastifyInstance, c: Checked): void {
  const authOf = new WeakMap<FastifyRequest, RequestAuth>();

  // Validated with our own Ajv so unknown keys are refused (not silently stripped) and nothing is
  // coerced, whatever the host server's Ajv settings are.
  const ajv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false });
  scope.setValidatorCompiler(({ schema }) => ajv.compile(schema));
  scope.setErrorHandler(sendWebhookError);

  // Keep the raw bytes: the signature covers them exactly, and parsing waits until they are verified.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: c.bodyLimit }, (_req, body, done) => {
    done(null, body);
  });

  scope.addHook('onRequest', async (request) => {
    authOf.set(request, { credentials: c.auth.fromHeaders(request.headers, c.clock.now()) });
  });

  scope.addHook('preValidation', async (request) => {
    const state = authOf.get(request);
    if (state === undefined) throw new TriggersError('TRIGGERS_WEBHOOK_UNAUTHORIZED', 'no credentials');
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (state.credentials.method === 'signature')
      state.digest = c.auth.verifySignature(state.credentials, raw);
    const type = request.headers['content-type'];
    if (typeof type !== 'string' || !/^application\/json\s*(;|$)/i.test(type)) {
      throw new TriggersError(
        'TRIGGERS_UNSUPPORTED_MEDIA_TYPE',
        'send the body as JSON with content-type: application/json',
        {
          field: 'content-type',
        },
      );
    }
    try {
      request.body = JSON.parse(raw.toString('utf8'));
    } catch {
      // JSON.parse's message quotes the body; ours does not.
      throw new TriggersError('TRIGGERS_BAD_REQUEST', 'the body is not valid JSON', { field: 'body' });
    }
  });

  /** Claims the signature, publishes, and gives the claim back if the bus refused. */
  const publish = async (request: FastifyRequest, topic: string, payload: unknown, route: string) => {
    const key = idempotencyKey(request.headers);
    const state = authOf.get(request);
    const { credentials } = state ?? {};
    if (state?.digest !== undefined && credentials?.method === 'signature') {
      const fresh = await c.replay.claim(state.digest, c.auth.replayWindowEnd(credentials));
      if (!fresh) {
        throw new TriggersError(
          'TRIGGERS_WEBHOOK_REPLAYED',
          'this signed request was already accepted; sign it again with a fresh timestamp (send the same Idempotency-Key to get the same event)',
          { field: SIGNATURE_HEADER },
        );
      }
    }
    try {
      const { id } = await c.bus.publish(
        topic,
        payload,
        key === undefined ? {} : { dedupeKey: `webhook:${route}:${key}` },
      );
      request.log.info({ event_id: id, topic }, 'webhook accepted');
      return { event_id: id };
    } catch (e) {
      if (state?.digest !== undefined) await c.replay.release(state.digest).catch(() => {});
      throw e;
    }
  };

  scope.post<{ Body: DatasetReadyBody }>(
    '/recommender-dataset-ready',
    {
      bodyLimit: c.bodyLimit,
      schema: { body: DATASET_READY_BODY_SCHEMA, response: { 202: ACCEPTED_SCHEMA } },
    },
    async (request, reply) => {
      const payload: DatasetReadyPayload = {
        dataset_uri: request.body.dataset_uri,
        path: datasetPath(request.body.dataset_uri),
        ...(request.body.dataset_hash === undefined ? {} : { dataset_hash: request.body.dataset_hash }),
      };
      const accepted = await publish(request, TOPICS.datasetReady, payload, 'recommender-dataset-ready');
      return reply.code(202).send(accepted);
    },
  );

  scope.post<{ Body: Record<string, unknown>; Params: { source: string } }>(
    '/events/:source',
    {
      bodyLimit: c.bodyLimit,
      schema: {
        params: SOURCE_PARAMS_SCHEMA,
        body: SOURCE_EVENT_BODY_SCHEMA,
        response: { 202: ACCEPTED_SCHEMA },
      },
    },
    async (request, reply) => {
      const topic = sourceTopic(request.params.source);
      const accepted = await publish(request, topic, request.body, topic);
      return reply.code(202).send(accepted);
    },
  );
}
