import Fastify, { type FastifyInstance } from 'fastify';
import {
  type Clock,
  codeVersion,
  guardedJsonParser,
  httpClientErrorHandler,
  httpTimeoutOptions,
  limitConnectionsPerAddress,
} from '../core/index.js';
import type { StepEvents } from '../pipeline/index.js';
import { Registry, TrackingStore } from '../registry/index.js';
import { serveOpenApiDocument } from '../serve/index.js';
import { type ArtifactStore, type DbHandle, RunStore } from '../store/index.js';
import { authorize, checkRequestOrigin, requireDeclaredRole } from './auth.js';
import type { ApiConfig } from './config.js';
import { API_CLIENT_ERRORS, API_HTTP_SURFACE, apiNotFound, sendApiError } from './http-errors.js';
import { ControlPlaneMetrics } from './metrics.js';
import { MLFLOW_PREFIXES, mlflowPlugin } from './mlflow/mlflow-plugin.js';
import { controlPlaneDocs } from './openapi.js';
import { type ServingMetricsSource, scrapedServingMetrics } from './serving-stats.js';
import { TelemetrySampler } from './telemetry-sampler.js';
import { type UiAssets, uiRoutes } from './ui-routes.js';
import { artifactRoutes } from './v1/artifact-routes.js';
import { type DriftStatusSource, dashboardRoutes, type ScheduleSource } from './v1/dashboard-routes.js';
import { type DatasetInsights, datasetInsightRoutes } from './v1/dataset-insight-routes.js';
import { type ControlPlaneDatasets, datasetRoutes } from './v1/dataset-routes.js';
import { eventRoutes } from './v1/event-routes.js';
import { explorerRoutes } from './v1/explorer-routes.js';
import { lineageRoutes } from './v1/lineage-routes.js';
import { liveRoutes } from './v1/live-routes.js';
import { type OnlineOrdersPort, onlineRoutes } from './v1/online-routes.js';
import { type GateEvidenceSource, registryRoutes } from './v1/registry-routes.js';
import { type RunControl, runControlRoutes } from './v1/run-control-routes.js';
import { type CacheExplainSource, type RunLogSource, runsRoutes } from './v1/runs-routes.js';
import { jsonSchema, Whoami } from './v1/schemas.js';
import { telemetryRoutes } from './v1/telemetry-routes.js';
import { controlPlaneValidatorCompiler } from './validators.js';

/** What {@link buildControlPlane} needs. */
export interface ControlPlaneDeps {
  /** The open metadata database (its clock stamps every row). */
  db: DbHandle;
  config: ApiConfig;
  /** Where run logs come from (the CLI wires the workspace's executor logs); the logs route answers 501 without. */
  runLogs?: RunLogSource | undefined;
  /** Fastify/pino logger options; `false` in tests. @default { level: 'info' } */
  logger?: boolean | Record<string, unknown> | undefined;
  /** The content-addressed artifact store the artifact routes serve (501 without it). */
  artifacts?: ArtifactStore | undefined;
  /** The datasets the dataset routes serve (501 without them, or without `artifacts`). */
  datasets?: ControlPlaneDatasets | undefined;
  /** The event bus `POST /api/v1/events` publishes on (501 without it). */
  events?: StepEvents | undefined;
  /** The online store `POST /api/v1/online/orders` appends to, opened on first use (501 without it). */
  online?: (() => Promise<OnlineOrdersPort>) | undefined;
  /**
   * Model I/O the promotion gates need (no-regression re-evaluation, latency), measured here for a
   * promotion made over `/api/v1`; without it those gates use what the version's metrics say.
   */
  gateEvidence?: GateEvidenceSource | undefined;
  /** Largest blob an artifact upload may carry, in bytes. @default 16 GiB */
  blobLimit?: number | undefined;
  /** Export Node's process metrics on `/metrics` too. @default true */
  processMetrics?: boolean | undefined;
  /**
   * More metrics for `/metrics`, counted where they happen in this process (the loop's triggers and
   * drift monitor under `bookml up`): anything with prom-client's `metrics()`.
   */
  extraMetrics?: { metrics(): Promise<string> } | undefined;
  /** The built dashboard served at `/ui/` (`dist/ui`); without it `/ui/` answers 404 naming the build. */
  ui?: UiAssets | undefined;
  /** The cron schedules, for the dashboard (`/api/v1/schedules` answers 501 without them). */
  schedules?: ScheduleSource | undefined;
  /** Retry, resubmit and stop runs over `/api/v1/runs/:id/…` (those routes answer 501 without it). */
  runControl?: RunControl | undefined;
  /** The drift monitor's status, for the dashboard (`/api/v1/drift/status` answers 501 without it). */
  drift?: DriftStatusSource | undefined;
  /** Timers of the live stream's polling. @default the database's clock */
  clock?: Clock | undefined;
  /** How often the live stream reads the stores for changes, in ms. @default 1000 */
  liveIntervalMs?: number | undefined;
  /**
   * The serving process's Prometheus text, when it runs in this process (`bookml up`); without it the
   * config's `servingUrl` is scraped, and without that `/api/v1/serving/stats` answers 501.
   */
  serving?: ServingMetricsSource | undefined;
  /** Datasets' validation reports and distributions, for the Data page (those routes answer 501 without). */
  datasetInsights?: DatasetInsights | undefined;
  /** Why a node's cache hit or missed (the explain route answers 501 without it). */
  cacheExplain?: CacheExplainSource | undefined;
  /** How often serving figures and drift tests are sampled for the dashboard, in ms. @default 5000 */
  telemetryIntervalMs?: number | undefined;
}

/**
 * Builds the control-plane HTTP app: `/api/v1` (registry, approvals, audit, lineage, compare, runs,
 * and for step pods: artifacts by hash, datasets, events),
 * `/api/2.0/mlflow` (MLflow tracking + registry), the OpenAPI document at `/api/docs`, and
 * Prometheus metrics (runs and steps from the run store) at `/metrics`. Every route declares its role
 * (or fails the build), and every request is checked — Host and Origin, then its token — before its
 * body is read: a refused request changes nothing. Only the CLI calls `listen`.
 * @example
 * const app = await buildControlPlane({ db: mdb, config: loadApiConfig({ env: {} }), logger: false });
 * const res = await app.inject({ method: 'GET', url: '/api/v1/models' });
 */
export async function buildControlPlane(deps: ControlPlaneDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger: deps.logger ?? { level: 'info', redact: ['req.headers.authorization'] },
    bodyLimit: config.bodyLimit,
    frameworkErrors: sendApiError,
    // A client that sends its request slowly (or never finishes it) is closed with a 408, not kept.
    ...httpTimeoutOptions(config.timeouts),
    clientErrorHandler: httpClientErrorHandler(API_CLIENT_ERRORS),
  });
  const connections = limitConnectionsPerAddress(app.server, config.maxConnectionsPerAddress);
  // The Host check needs the port actually bound (0 in the config picks one).
  const bound = { port: null as number | null };
  app.server.on('listening', () => {
    const a = app.server.address();
    bound.port = typeof a === 'object' && a !== null ? a.port : null;
  });
  // Every JSON body is checked for nesting before a route sees it: none walks a 10,000-level value.
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    guardedJsonParser(app, API_HTTP_SURFACE),
  );
  const registry = new Registry(deps.db);
  const tracking = new TrackingStore(deps.db);
  const docs = controlPlaneDocs({
    title: 'bookml control plane',
    version: codeVersion().version,
    description:
      'Model registry (models, versions, aliases through gates, approvals, audit, lineage, compare), pipeline runs, ' +
      'and what pipeline steps reach over HTTP: artifacts by sha256, datasets, events. ' +
      'Tokens carry roles viewer < operator < approver. MLflow-compatible routes live under /api/2.0/mlflow.',
  });

  app.setValidatorCompiler(controlPlaneValidatorCompiler());
  app.decorateRequest('actor', undefined as never);
  app.addHook('onRoute', requireDeclaredRole);
  app.addHook('onRoute', docs.onRoute);
  app.addHook('onRequest', async (req) => {
    checkRequestOrigin(config, bound, req);
    authorize(config, req);
  });
  app.setErrorHandler(sendApiError);
  app.setNotFoundHandler(apiNotFound);

  // In-process figures are the served ones themselves; a separate `bookml serve` is scraped like
  // Prometheus would: the dashboard and Grafana read the same counters.
  const serving =
    deps.serving ?? (config.servingUrl === null ? undefined : scrapedServingMetrics(config.servingUrl));
  const sampler =
    serving === undefined && deps.drift === undefined
      ? undefined
      : new TelemetrySampler({
          clock: deps.clock ?? deps.db.clock,
          serving,
          drift: deps.drift,
          intervalMs: deps.telemetryIntervalMs,
        });
  if (sampler !== undefined) {
    app.addHook('onReady', async () => sampler.start());
    app.addHook('onClose', async () => sampler.stop());
  }

  await app.register(
    async (v1) => {
      // Response schemas document the API; replies are sent as built, never filtered by a serializer.
      v1.setSerializerCompiler(() => (data) => JSON.stringify(data));
      v1.get(
        '/whoami',
        {
          config: { role: 'viewer' },
          schema: {
            summary: 'The caller and its roles',
            tags: ['auth'],
            response: { 200: jsonSchema(Whoami, 'output') },
          },
        },
        async (req) => ({
          id: req.actor.id,
          roles: req.actor.roles,
          auth: config.tokens.length > 0 ? 'token' : 'none (loopback only)',
        }),
      );
      const runs = new RunStore(deps.db);
      await v1.register(registryRoutes, {
        registry,
        runExists: async (id) => (await runs.getRun(id)) !== undefined,
        gateEvidence: deps.gateEvidence,
      });
      await v1.register(runsRoutes, { db: deps.db, logs: deps.runLogs, explain: deps.cacheExplain });
      await v1.register(artifactRoutes, {
        artifacts: deps.artifacts,
        blobLimit: deps.blobLimit ?? 16 * 1024 ** 3,
      });
      await v1.register(datasetRoutes, { datasets: deps.datasets, artifacts: deps.artifacts });
      await v1.register(eventRoutes, { events: deps.events });
      await v1.register(onlineRoutes, {
        online: deps.online,
        artifacts: deps.artifacts,
        clock: deps.clock ?? deps.db.clock,
      });
      await v1.register(runControlRoutes, { control: deps.runControl });
      await v1.register(dashboardRoutes, { db: deps.db, drift: deps.drift, schedules: deps.schedules });
      await v1.register(telemetryRoutes, { sampler });
      await v1.register(datasetInsightRoutes, { insights: deps.datasetInsights, registry });
      await v1.register(liveRoutes, {
        db: deps.db,
        registry,
        drift: deps.drift,
        clock: deps.clock ?? deps.db.clock,
        intervalMs: deps.liveIntervalMs,
      });
      await v1.register(explorerRoutes, { registry, artifacts: deps.artifacts });
      await v1.register(lineageRoutes, { db: deps.db, registry });
    },
    { prefix: '/api/v1' },
  );
  for (const prefix of MLFLOW_PREFIXES)
    await app.register(mlflowPlugin, { prefix, registry, tracking, gateEvidence: deps.gateEvidence });

  await app.register(uiRoutes, { ui: deps.ui });

  app.get('/api/docs', { config: { public: true } }, async () => docs.document());
  app.get('/api/docs/openapi.json', { config: { public: true } }, async () => docs.document());
  // The serving API's document (what `bookml serve` answers at /openapi.json), for the dashboard's reference.
  let servingDocs: Promise<Record<string, unknown>> | undefined;
  app.get('/api/docs/serving.json', { config: { public: true } }, async () => {
    servingDocs ??= serveOpenApiDocument();
    servingDocs.catch(() => {
      servingDocs = undefined;
    });
    return servingDocs;
  });

  const metrics = new ControlPlaneMetrics({
    db: deps.db,
    connections,
    processMetrics: deps.processMetrics ?? true,
  });
  // Prometheus scrapes with a viewer token when tokens are configured (`authorization` in its job).
  app.get('/metrics', { config: { role: 'viewer' } }, async (_req, reply) => {
    const [text, extra] = await Promise.all([metrics.render(), deps.extraMetrics?.metrics() ?? '']);
    return reply.type(metrics.contentType).send(extra === '' ? text : `${text.trimEnd()}\n${extra}`);
  });
  return app;
}
