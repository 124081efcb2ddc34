/**
 * The payloads of the routes the dashboard (`ui/`) calls, as types only: the UI imports this file with
 * `import type`, so its bundle holds none of the server's code while its types are the server's own
 * (zod schemas and store records), never restated.
 */
import type { z } from 'zod';
import type { DriftEventPayload, DriftStatus, FeatureStatus } from '../monitor/index.js';
import type { Role } from '../registry/index.js';
import type { EventRecord, NodeDetail, RunDetail, RunPhase, RunRecord } from '../store/index.js';
import type { TriggerDecision } from '../triggers/index.js';
import type { LiveTopic } from './live-feed.js';
import type { DriftEcdf, RunGraph, RunGraphEdge } from './v1/dashboard-routes.js';
import type {
  AliasEvent,
  Approval,
  Comparison,
  DatasetList,
  ErrorBody,
  Lineage,
  Model,
  PromotionOutcome,
  Version,
  Whoami,
} from './v1/schemas.js';

export type {
  DriftEcdf,
  DriftEventPayload,
  DriftStatus,
  EventRecord,
  FeatureStatus,
  LiveTopic,
  NodeDetail,
  Role,
  RunDetail,
  RunGraph,
  RunGraphEdge,
  RunPhase,
  RunRecord,
  TriggerDecision,
};
export type ModelPayload = z.infer<typeof Model>;
export type VersionPayload = z.infer<typeof Version>;
export type ApprovalPayload = z.infer<typeof Approval>;
export type AliasEventPayload = z.infer<typeof AliasEvent>;
export type PromotionOutcomePayload = z.infer<typeof PromotionOutcome>;
export type LineagePayload = z.infer<typeof Lineage>;
export type ComparisonPayload = z.infer<typeof Comparison>;
export type WhoamiPayload = z.infer<typeof Whoami>;
export type ErrorPayload = z.infer<typeof ErrorBody>;
export type DatasetListPayload = z.infer<typeof DatasetList>;
export type GateResultPayload = VersionPayload['gates'][string]['results'][number];

// Serving figures and drift-test history sampled by the control plane (`/serving/stats`, `/drift/history`).
export type { ServingSample, ServingVersionSample } from './serving-stats.js';
export type { DriftTestPoint } from './telemetry-sampler.js';

import type { ServingSample } from './serving-stats.js';
import type { DriftTestPoint } from './telemetry-sampler.js';
export interface ServingStatsPayload {
  source: string;
  intervalMs: number;
  since: number;
  error: string | null;
  samples: ServingSample[];
}
export interface DriftHistoryPayload {
  intervalMs: number;
  since: number;
  tests: DriftTestPoint[];
}

import type { RegistryChange } from './v1/schemas.js';
export type RegistryChangePayload = z.infer<typeof RegistryChange>;
export type { DataReport, DatasetDistributions } from '../data/index.js';
export type { CacheExplanationView } from './v1/runs-routes.js';

import type { DataReport } from '../data/index.js';
export interface DatasetReportPayload {
  report: DataReport;
  against: { hash: string; why: string } | null;
}
// The Explorer and Lineage pages (explorer-schemas.ts, lineage-graph.ts).
export type {
  LineageGraphNodePayload,
  LineageGraphPayload,
} from './v1/lineage-graph.js';
export type BookPagePayload = z.infer<typeof import('./v1/explorer-schemas.js').BookPage>;
export type BookDetailPayload = z.infer<typeof import('./v1/explorer-schemas.js').BookDetail>;
export type RecommendationsPayload = z.infer<typeof import('./v1/explorer-schemas.js').Recommendations>;
export type ExplorerBookPayload = z.infer<typeof import('./v1/explorer-schemas.js').ExplorerBook>;
export type ExplorerModelRefPayload = z.infer<typeof import('./v1/explorer-schemas.js').ExplorerModelRef>;
