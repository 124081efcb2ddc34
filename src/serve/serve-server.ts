import type { FastifyInstance } from 'fastify';
import { type Clock, codeVersion, systemClock } from '../core/index.js';
import type { ServeConfig } from './config.js';
import type { HistoryReader } from './customer-answer.js';
import { Deployment } from './deployment.js';
import { ServeMetrics } from './metrics.js';
import type { BundleLoader, ServeLogger } from './model-slot.js';
import type { ModelSource } from './model-source.js';
import { PredictionLog, type PredictionSink } from './prediction-log.js';
import { buildServeApp, type ServeAppOptions } from './serve-app.js';
import type { ServeContext } from './serve-context.js';
import { ShadowRunner } from './shadow-runner.js';

export interface ServeServerDeps {
  config: ServeConfig;
  /** What answers: a bundle folder, the workspace's latest model, later a registry alias. */
  primary: ModelSource;
  canary?: ModelSource;
  shadow?: ModelSource;
  /** Where sampled answers go; none turns the prediction log off. */
  predictionSink?: PredictionSink;
  /** @default systemClock */
  clock?: Clock;
  /** @default loadVerifiedBundle (checksums verified off the request path) */
  loadBundle?: BundleLoader;
  /** Logs loads, swaps and failures (never per request). */
  log?: ServeLogger;
  /** Fastify logger options for the app. */
  app?: ServeAppOptions;
  /** @default new ServeMetrics() */
  metrics?: ServeMetrics;
  /** The online store customers' histories are read from; the caller owns (and closes) it. @default none: customers get popularity */
  history?: HistoryReader;
}

/** A built server: the app plus the parts tests and the CLI reach for. */
export interface ServeServer {
  readonly app: FastifyInstance;
  readonly context: ServeContext;
  readonly deployment: Deployment;
  readonly metrics: ServeMetrics;
  /** First load of every role, then polling; resolves when the first loads are done (or failed). */
  start(): Promise<void>;
}

/**
 * Wire a serving process from its configuration and model sources: metrics, the deployment
 * (primary, canary, shadow slots), the prediction log, the shadow runner and the Fastify app.
 * Nothing listens until the caller calls `app.listen`; `app.close()` drains and stops everything.
 *
 * @example
 * const server = createServeServer({ config: parseServeConfig(), primary: bundleDirSource(dir) });
 * await server.start();
 * await server.app.listen({ host: server.context.config.host, port: server.context.config.port });
 */
export function createServeServer(deps: ServeServerDeps): ServeServer {
  const { config } = deps;
  const clock = deps.clock ?? systemClock;
  const metrics = deps.metrics ?? new ServeMetrics();
  const deployment = new Deployment({
    primary: deps.primary,
    canary: deps.canary,
    shadow: deps.shadow,
    canaryPercent: config.canaryPercent,
    defaultK: config.defaultK,
    metrics,
    clock,
    pollIntervalMs: config.pollIntervalMs,
    loadBundle: deps.loadBundle,
    log: deps.log,
  });
  const predictionLog =
    deps.predictionSink && config.sampleRate > 0
      ? new PredictionLog({
          sink: deps.predictionSink,
          clock,
          counters: metrics.predictionLog,
          sampleRate: config.sampleRate,
          maxPerSecond: config.predictionLog.maxPerSecond,
          capacity: config.predictionLog.capacity,
          batchSize: config.predictionLog.batchSize,
          flushIntervalMs: config.predictionLog.flushIntervalMs,
          log: deps.log,
        })
      : null;
  const shadow = deployment.shadow
    ? new ShadowRunner({
        slot: deployment.shadow,
        counters: metrics.shadow,
        capacity: config.shadowQueue,
        sampleRate: config.shadowSampleRate,
        log: deps.log,
      })
    : null;
  const context: ServeContext = {
    config,
    deployment,
    metrics,
    predictionLog,
    shadow,
    serverVersion: codeVersion().version,
    history: deps.history ?? null,
  };
  const app = buildServeApp(context, deps.app);
  return {
    app,
    context,
    deployment,
    metrics,
    async start() {
      await deployment.start();
    },
  };
}
