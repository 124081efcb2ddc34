/**
 * The composition root: one configuration, resolved once (flags > `BOOKML_*` > defaults) and frozen,
 * builds bookml's services — stores, registry, event log, pipeline catalogue, the steps' local runtime —
 * and hosts any subset of its surfaces (executor, control-plane API, serving) in one process with one
 * signal handler and an ordered shutdown. CLI commands only parse flags and call it; nothing spawns the
 * bookml CLI to reach another service. `step-runtime.ts` is the step process's own root (local or remote
 * runtime). See docs/architecture.md.
 *
 * @example
 * import { apiComponent, createApp, executorComponent, Host, resolveAppConfig } from '../app/index.js';
 * const app = createApp(resolveAppConfig({ flags: { home }, env: process.env }));
 * const host = new Host([executorComponent(app, { env: process.env }), apiComponent(app, { config })]);
 * await host.start();
 * host.handleSignals();
 */

export type { ApiComponent, ApiInfo } from './api-component.js';
export { apiComponent } from './api-component.js';
export type { App } from './app.js';
export { createApp } from './app.js';
export type { AppConfig, AppConfigSources, ImageRef } from './config.js';
export { imageRefOf, resolveAppConfig } from './config.js';
export type { AppErrorCode } from './errors.js';
export { APP_ERRORS, AppError } from './errors.js';
export type { EventSource } from './event-sources.js';
export { listEventSources, saveEventSource, webhookSource } from './event-sources.js';
export type { ExecutorComponent, ExecutorComponentOptions } from './executor-component.js';
export { executorComponent } from './executor-component.js';
export type { FirstRunOptions, FirstRunOutcome } from './first-run.js';
export { ensureProduction } from './first-run.js';
export type { Component, HostOptions } from './host.js';
export { Host } from './host.js';
export type { LocalStores } from './local-runtime.js';
export { localDatasets, localGateEvidence, localStepServices, PIPELINE_ACTOR } from './local-runtime.js';
export type { LoopMetrics } from './loop-metrics.js';
export { loopMetrics } from './loop-metrics.js';
export type { MetricsServerComponent } from './metrics-server-component.js';
export { metricsServerComponent } from './metrics-server-component.js';
export type { MonitorComponent, MonitorComponentOptions } from './monitor-component.js';
export { monitorComponent } from './monitor-component.js';
export { openPredictionSink, openPredictionSource, predictionLogLocation } from './prediction-log-target.js';
export { localRunLauncher } from './run-launcher.js';
export type { ServeComponent, ServeComponentOptions, ServeInfo, ServeModels } from './serve-component.js';
export { serveComponent } from './serve-component.js';
export { openStepRuntime, STEP_RUNTIME_URL } from './step-runtime.js';
export type { OpenStores, StoreConfig } from './stores.js';
export { openStores } from './stores.js';
export type { SchedulerComponent, SensorsComponent, TriggerComponentOptions } from './triggers-components.js';
export { schedulerComponent, sensorsComponent } from './triggers-components.js';
export type { WebhookComponent, WebhookInfo } from './webhook-component.js';
export { webhookComponent } from './webhook-component.js';
