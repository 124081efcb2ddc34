import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DriftStatus } from '../../monitor/index.js';
import { getPipeline } from '../../pipelines/index.js';
import { type DbHandle, EventLog, type RunDetail, RunStore } from '../../store/index.js';
import { DECISION_OUTCOMES, DecisionLog, type ScheduleView } from '../../triggers/index.js';
import { ApiError } from '../errors.js';
import { routeSchema } from './route-schema.js';
import { RunParams } from './schemas.js';

/** Where the drift monitor's last status comes from (`bookml api` reads the workspace's monitor folder). */
export interface DriftStatusSource {
  /** The last status a drift monitor wrote, or null when none has run. */
  status(): Promise<DriftStatus | null>;
  /** The values in the monitor's reference and test windows, by feature; null when none was saved. */
  windows?(): Promise<DriftWindows | null>;
}

/** A drift monitor's two windows: per feature, the values of each answer (null where it had none). */
export interface DriftWindows {
  reference: Record<string, ReadonlyArray<number | null>>;
  test: Record<string, ReadonlyArray<number | null>>;
}

/** Per feature, each window's values sorted and thinned to at most `points` quantiles: an ECDF to draw. */
export interface DriftEcdf {
  features: Array<{
    name: string;
    reference: number[];
    test: number[];
    referenceSize: number;
    testSize: number;
  }>;
}

/** The sorted values of `values`, thinned to `points` evenly spaced order statistics (ends kept). */
export function ecdfPoints(values: ReadonlyArray<number | null>, points: number): number[] {
  const sorted = Float64Array.from(values.filter((v): v is number => typeof v === 'number')).sort();
  if (sorted.length <= points) return Array.from(sorted);
  const out: number[] = [];
  for (let i = 0; i < points; i++) out.push(sorted[Math.round((i * (sorted.length - 1)) / (points - 1))]);
  return out;
}

/** Both windows of every feature as ECDF points. */
export function driftEcdf(windows: DriftWindows, points = 500): DriftEcdf {
  const names = [...new Set([...Object.keys(windows.reference), ...Object.keys(windows.test)])];
  return {
    features: names.map((name) => {
      const ref = windows.reference[name] ?? [];
      const test = windows.test[name] ?? [];
      return {
        name,
        reference: ecdfPoints(ref, points),
        test: ecdfPoints(test, points),
        referenceSize: ref.filter((v) => typeof v === 'number').length,
        testSize: test.filter((v) => typeof v === 'number').length,
      };
    }),
  };
}

/** The cron schedules and their next ticks (`bookml api` reads the workspace's scheduler state). */
export interface ScheduleSource {
  list(): Promise<ScheduleView[]>;
}

/** One edge of a run's graph: `from` must finish before `to` starts. */
export interface RunGraphEdge {
  from: string;
  to: string;
}

/** A run's nodes and the dependencies between them, as the pipeline declares them. */
export interface RunGraph {
  runId: string;
  pipeline: string;
  phase: string;
  nodes: Array<{
    id: string;
    task: string;
    phase: string;
    cachedFrom: { runId: string; nodeId: string } | null;
    startedAt: number | null;
    finishedAt: number | null;
    message: string | null;
  }>;
  edges: RunGraphEdge[];
}

const EventsQuery = z.object({
  topic: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});
const BusEvent = z.looseObject({
  id: z.number(),
  topic: z.string(),
  payload: z.unknown(),
  dedupeKey: z.string().nullable(),
  createdAt: z.number(),
});
const DecisionsQuery = z.object({
  source: z.enum(['schedule', 'sensor']).optional(),
  outcome: z.enum(DECISION_OUTCOMES as [string, ...string[]]).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});
const Decision = z.looseObject({
  id: z.number(),
  source: z.string(),
  trigger: z.string(),
  outcome: z.string(),
  reason: z.string(),
  pipeline: z.string(),
  runId: z.string().nullable(),
  createdAt: z.number(),
});
const GraphNode = z.looseObject({ id: z.string(), task: z.string(), phase: z.string() });
const Graph = z.looseObject({
  runId: z.string(),
  pipeline: z.string(),
  phase: z.string(),
  nodes: z.array(GraphNode),
  edges: z.array(z.object({ from: z.string(), to: z.string() })),
});

/**
 * What the dashboard reads beyond the registry and runs: recent events on the bus, what the triggers
 * decided, the drift monitor's status, and a run's graph (its nodes with the pipeline's dependencies).
 */
export async function dashboardRoutes(
  app: FastifyInstance,
  opts: { db: DbHandle; drift: DriftStatusSource | undefined; schedules: ScheduleSource | undefined },
): Promise<void> {
  const events = new EventLog(opts.db);
  const decisions = new DecisionLog(opts.db);
  const runs = new RunStore(opts.db);

  app.get<{ Querystring: z.infer<typeof EventsQuery> }>(
    '/events',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'Recent events on the bus (dataset.ready, ml.drift, …), newest first',
        tag: 'events',
        query: EventsQuery,
        ok: { 200: z.object({ events: z.array(BusEvent) }) },
      }),
    },
    async (req) => {
      const limit = req.query.limit ?? 50;
      const latest = await events.latestId();
      const topics = req.query.topic === undefined ? undefined : [req.query.topic];
      // Ids grow by one per event: the last `limit` ids hold the newest events of every topic; one topic's
      // newest may lie further back, so a filtered read walks back a window at a time.
      const found: Awaited<ReturnType<EventLog['read']>> = [];
      for (let before = latest; before > 0 && found.length < limit; before -= 1000) {
        const after = Math.max(0, before - 1000);
        const page = await events.read({ after, topics, limit: 1000 });
        found.unshift(...page.filter((e) => e.id <= before));
        if (topics === undefined) break;
      }
      return { events: found.reverse().slice(0, limit) };
    },
  );

  app.get<{ Querystring: z.infer<typeof DecisionsQuery> }>(
    '/triggers/decisions',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'What the schedules and sensors decided (fired, skipped, rate-limited, …), newest first',
        tag: 'triggers',
        query: DecisionsQuery,
        ok: { 200: z.object({ decisions: z.array(Decision) }) },
      }),
    },
    async (req) => ({
      decisions: await decisions.list({
        source: req.query.source,
        outcome: req.query.outcome as (typeof DECISION_OUTCOMES)[number] | undefined,
        limit: req.query.limit ?? 50,
      }),
    }),
  );

  app.get(
    '/drift/status',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: "The drift monitor's last status: windows, features (KS statistic, p-values), events",
        tag: 'drift',
        ok: { 200: z.object({ status: z.looseObject({ model: z.string() }).nullable() }) },
        errors: [501],
      }),
    },
    async () => {
      if (opts.drift === undefined) {
        throw new ApiError('API_NOT_AVAILABLE', 'this control plane does not read a drift monitor');
      }
      return { status: await opts.drift.status() };
    },
  );

  app.get(
    '/drift/ecdf',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary:
          "Each drift feature's reference and test values, sorted (at most 500 quantiles each): the ECDFs",
        tag: 'drift',
        ok: {
          200: z.object({
            features: z.array(
              z.looseObject({ name: z.string(), reference: z.array(z.number()), test: z.array(z.number()) }),
            ),
          }),
        },
        errors: [501],
      }),
    },
    async () => {
      if (opts.drift?.windows === undefined) {
        throw new ApiError('API_NOT_AVAILABLE', "this control plane does not read a drift monitor's windows");
      }
      const windows = await opts.drift.windows();
      return windows === null ? { features: [] } : driftEcdf(windows);
    },
  );

  app.get(
    '/schedules',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'Cron schedules with their next run (epoch ms; none while suspended)',
        tag: 'triggers',
        ok: {
          200: z.object({
            schedules: z.array(
              z.looseObject({
                name: z.string(),
                pipeline: z.string(),
                cron: z.string(),
                timezone: z.string(),
                suspended: z.boolean(),
                nextRunAt: z.number().optional(),
              }),
            ),
          }),
        },
        errors: [501],
      }),
    },
    async () => {
      if (opts.schedules === undefined) {
        throw new ApiError('API_NOT_AVAILABLE', 'this control plane does not read the schedules');
      }
      return { schedules: await opts.schedules.list() };
    },
  );

  app.get<{ Params: z.infer<typeof RunParams> }>(
    '/runs/:runId/graph',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: "A run's nodes with their phases and the pipeline's dependencies between them",
        tag: 'runs',
        params: RunParams,
        ok: { 200: Graph },
      }),
    },
    async (req) => {
      const run = await runs.getRun(req.params.runId);
      if (run === undefined)
        throw new ApiError('API_NOT_FOUND', `run ${req.params.runId} does not exist`, { field: 'runId' });
      return runGraph(run);
    },
  );
}

/** A run's nodes and the edges the pipeline's `dependsOn` implies between them (fan-out nodes included). */
export function runGraph(run: RunDetail): RunGraph {
  let dependsOn = new Map<string, readonly string[]>();
  try {
    dependsOn = new Map(getPipeline(run.pipeline).spec.tasks.map((t) => [t.id, t.dependsOn]));
  } catch {
    // A pipeline this build does not know (a run recorded by another version): nodes without edges.
  }
  // A fan-out task is a parent node with one child per item: dependencies enter the parent, the parent
  // feeds its children, and what depends on the task waits for every child.
  const heads = new Map<string, string[]>();
  const tails = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const n of run.nodes) {
    if (n.parentNodeId !== null)
      children.set(n.parentNodeId, [...(children.get(n.parentNodeId) ?? []), n.nodeId]);
  }
  for (const n of run.nodes) {
    if (n.parentNodeId !== null) continue;
    heads.set(n.task, [...(heads.get(n.task) ?? []), n.nodeId]);
    tails.set(n.task, [...(tails.get(n.task) ?? []), ...(children.get(n.nodeId) ?? [n.nodeId])]);
  }
  const edges: RunGraphEdge[] = [];
  for (const [parent, kids] of children) for (const kid of kids) edges.push({ from: parent, to: kid });
  for (const n of run.nodes) {
    if (n.parentNodeId !== null) continue;
    for (const dep of dependsOn.get(n.task) ?? []) {
      for (const from of tails.get(dep) ?? []) if (from !== n.nodeId) edges.push({ from, to: n.nodeId });
    }
  }
  return {
    runId: run.id,
    pipeline: run.pipeline,
    phase: run.phase,
    nodes: run.nodes.map((n) => ({
      id: n.nodeId,
      task: n.task,
      phase: n.phase,
      cachedFrom: n.cachedFrom,
      startedAt: n.startedAt,
      finishedAt: n.finishedAt,
      message: n.message,
    })),
    edges,
  };
}
