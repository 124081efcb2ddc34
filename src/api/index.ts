/**
 * The control-plane HTTP API: REST under `/api/v1` (models, versions, aliases, approvals, audit,
 * lineage, compare, runs; and what a step pod needs: artifacts by hash, datasets, events) described
 * by the OpenAPI document at `/api/docs`, and the MLflow tracking + registry subset under
 * `/api/2.0/mlflow`. Tokens carry roles (viewer < operator <
 * approver); without tokens it serves loopback only and refuses any other address. Its client (what a
 * step pod loads, without Fastify or store drivers) has its own door, `api/client/index.ts`.
 *
 * @example
 * import { buildControlPlane, loadApiConfig } from '../api/index.js';
 * const config = loadApiConfig({ flags: { port: 8470 } });          // throws API_UNSAFE_BIND for 0.0.0.0 without tokens
 * const app = await buildControlPlane({ db: mdb, config });
 * await app.listen({ host: config.host, port: config.port });      // only the CLI listens
 */

export { LOCAL_ACTOR } from './auth.js';
export type { ApiConfig, ApiConfigSources, ApiToken } from './config.js';
export { hashToken, isLoopback, loadApiConfig } from './config.js';
export type { ControlPlaneDeps } from './control-plane.js';
export { buildControlPlane } from './control-plane.js';
export type { ApiErrorCode } from './errors.js';
export { API_ERRORS, ApiError } from './errors.js';
export type { MlflowErrorCode } from './mlflow/mlflow-errors.js';
export { MLFLOW_STATUS } from './mlflow/mlflow-errors.js';
export { MLFLOW_PREFIXES } from './mlflow/mlflow-plugin.js';
export type { ServingMetricsSource } from './serving-stats.js';
export type { UiAssets } from './ui-routes.js';
export type { DriftStatusSource, DriftWindows, ScheduleSource } from './v1/dashboard-routes.js';
export type { DatasetInsights } from './v1/dataset-insight-routes.js';
export type { ControlPlaneDatasets } from './v1/dataset-routes.js';
export type { GateEvidenceSource } from './v1/registry-routes.js';
export type { RunControl } from './v1/run-control-routes.js';
export type { CacheExplainSource, RunLogSource } from './v1/runs-routes.js';
