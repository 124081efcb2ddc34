/**
 * The inference server: `/recommend`, KServe V1 and Open Inference Protocol V2 on one Fastify app,
 * with a primary model plus optional canary (sticky share of traffic) and shadow (computes, never
 * answers), hot reload from a {@link ModelSource}, Prometheus metrics and a prediction log that
 * never blocks the request path. See ARCHITECTURE.md.
 *
 * @example
 * import { bundleDirSource, createServeServer, jsonlFileSink, parseServeConfig } from '../serve/index.js';
 * const server = createServeServer({ config: parseServeConfig({ port: 8080 }), primary: bundleDirSource(dir),
 *   predictionSink: jsonlFileSink('.bookml/predictions') });
 * await server.start();
 * await server.app.listen({ host: '127.0.0.1', port: 8080 });
 */

export type { AnswerBytes } from './answer-bytes.js';
export type { BundleFileReader, LoadBundleOptions } from './bundle-loader.js';
export { loadVerifiedBundle } from './bundle-loader.js';
export { bucketOf, fnv1a32, TrafficSplit } from './canary-split.js';
export type { ServeConfig, ServeConfigInput } from './config.js';
export { parseServeConfig, serveConfigFromEnv, serveConfigSchema } from './config.js';
export type { HistoryReader } from './customer-answer.js';
export type { DatabaseSinkOptions, PredictionTablePort } from './database-sink.js';
export { DATABASE_SINK_DEFAULTS, databaseSink } from './database-sink.js';
export type { DeploymentOptions, SlotStatus } from './deployment.js';
export { Deployment } from './deployment.js';
export type { ServeErrorCode } from './errors.js';
export { SERVE_ERRORS, ServeError } from './errors.js';
export type { FastRecommend } from './fast-recommend.js';
export type { ErrorBody } from './http-errors.js';
export type { JsonlSinkOptions, JsonlSinkStats } from './jsonl-sink.js';
export { JSONL_SINK_DEFAULTS, jsonlFileSink } from './jsonl-sink.js';
export type { PredictionLogCounters, Role, ServeMetricsOptions, ShadowCounters } from './metrics.js';
export { registerProcessMetrics, ServeMetrics } from './metrics.js';
export type { BundleLoader, ReconcileResult, ServeLogger, SlotFailure } from './model-slot.js';
export { ModelSlot } from './model-slot.js';
export type { ModelRef, ModelSource, ModelSourceContext } from './model-source.js';
export { bundleDirSource, modelSourceFrom, workspaceLatestSource } from './model-source.js';
export { serveOpenApiDocument } from './openapi-document.js';
export type {
  PredictionBatch,
  PredictionLogOptions,
  PredictionRecord,
  PredictionRoute,
  PredictionSink,
} from './prediction-log.js';
export { PredictionLog } from './prediction-log.js';
export type { AliasResolver, BundleFetcher, RegistryAliasSourceOptions } from './registry-source.js';
export { registryAliasSource } from './registry-source.js';
export type { ServeAppOptions } from './serve-app.js';
export { buildServeApp } from './serve-app.js';
export type { ServeContext } from './serve-context.js';
export { ROLE_HEADER, ROUTING_KEY_HEADER, VERSION_HEADER } from './serve-context.js';
export type { ServeServer, ServeServerDeps } from './serve-server.js';
export { createServeServer } from './serve-server.js';
export type { CompileOptions } from './served-model.js';
export { compileServedModel, ServedModel } from './served-model.js';
export type { ShadowRunnerOptions } from './shadow-runner.js';
export { ShadowRunner } from './shadow-runner.js';
export type { MetricsMessage, WorkerMetricsText, WorkerPort } from './worker-metrics.js';
export { mergeWorkerMetrics, workerMetricsBridge } from './worker-metrics.js';
export type { SuperviseOptions, Supervisor, WorkerHandle, WorkerMessage } from './workers.js';
export { ipcPredictionSink, superviseWorkers, textBatch, workerFailure } from './workers.js';
