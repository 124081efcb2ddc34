import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { RUN_PHASES } from '../../core/index.js';
import type { CacheExplanation } from '../../pipeline/executor/index.js';
import { type DbHandle, type RunPhase, type RunRecord, RunStore } from '../../store/index.js';
import { ApiError } from '../errors.js';
import { routeSchema } from './route-schema.js';
import { RunParams, RunsQuery } from './schemas.js';

/**
 * Where run logs come from: `bookml api` wires the local executor's log files in the workspace; on
 * Kubernetes (Argo keeps the logs) none is wired and the logs route answers 501 API_NOT_AVAILABLE.
 */
export interface RunLogSource {
  /** The log lines of a run (all nodes, or one), oldest first; `undefined` when the run has none. */
  read(runId: string, nodeId?: string): Promise<string[] | undefined>;
}

/**
 * Why a node's cache hit or missed (`bookml run explain`): the key's parts, the source of a hit, and on
 * a miss the closest earlier node of the same task with the parts that changed. The executor answers;
 * without it the explain route answers 501.
 */
export interface CacheExplainSource {
  explain(runId: string, nodeId: string): Promise<CacheExplanationView>;
}

/** A cache explanation as the API serves it: the executor's own type. */
export type CacheExplanationView = CacheExplanation;

const Run = z.looseObject({ id: z.string(), pipeline: z.string(), phase: z.string(), createdAt: z.number() });

/** `/api/v1/runs`: pipeline runs and their nodes from the run store, and their logs from the executor. */
export async function runsRoutes(
  app: FastifyInstance,
  opts: { db: DbHandle; logs?: RunLogSource | undefined; explain?: CacheExplainSource | undefined },
): Promise<void> {
  const runs = new RunStore(opts.db);
  const tag = 'runs';

  app.get<{ Querystring: z.infer<typeof RunsQuery> }>(
    '/runs',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'Pipeline runs, newest first, a page at a time (`nextOffset` continues; null at the end)',
        tag,
        query: RunsQuery,
        ok: { 200: z.object({ runs: z.array(Run), nextOffset: z.number().nullable() }) },
      }),
    },
    async (req) =>
      runsPage(runs, {
        pipeline: req.query.pipeline,
        phase: runPhases(req.query.phase),
        trigger: req.query.trigger,
        limit: req.query.limit ?? 50,
        offset: req.query.offset ?? 0,
      }),
  );

  app.get<{ Params: z.infer<typeof RunParams> }>(
    '/runs/:runId',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'One run with its nodes and attempts',
        tag,
        params: RunParams,
        ok: { 200: Run },
      }),
    },
    async (req) => {
      const run = await runs.getRun(req.params.runId);
      if (run === undefined)
        throw new ApiError('API_NOT_FOUND', `run ${req.params.runId} does not exist`, { field: 'runId' });
      return run;
    },
  );

  app.get<{ Params: z.infer<typeof RunParams>; Querystring: { node?: string; after?: number } }>(
    '/runs/:runId/logs',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary:
          "A run's log lines (served when the executor runs in this process); `after` skips the lines already read, `next` is where the following read starts",
        tag,
        params: RunParams,
        query: z.object({
          node: z.string().optional(),
          after: z.number().int().min(0).optional().describe('lines already read (the previous `next`)'),
        }),
        ok: { 200: z.object({ runId: z.string(), lines: z.array(z.string()), next: z.number() }) },
      }),
    },
    async (req) => {
      if (opts.logs === undefined) {
        throw new ApiError(
          'API_NOT_AVAILABLE',
          'run logs are not served by this control plane (no log source wired); read them where the runs execute',
        );
      }
      const lines = await opts.logs.read(req.params.runId, req.query.node);
      if (lines === undefined)
        throw new ApiError('API_NOT_FOUND', `run ${req.params.runId} has no logs`, { field: 'runId' });
      // Logs only grow, so a follower asks for what lies past the lines it holds.
      return { runId: req.params.runId, lines: lines.slice(req.query.after ?? 0), next: lines.length };
    },
  );

  app.get<{ Params: z.infer<typeof RunParams> & { nodeId: string } }>(
    '/runs/:runId/nodes/:nodeId/explain',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary:
          "Why a node's cache hit or missed: its key's parts, a hit's source, a miss's closest earlier node and what changed",
        tag,
        params: RunParams.extend({ nodeId: z.string().min(1).max(300) }),
        ok: { 200: z.looseObject({ runId: z.string(), nodeId: z.string(), outcome: z.string() }) },
        errors: [404, 501],
      }),
    },
    async (req) => {
      if (opts.explain === undefined) {
        throw new ApiError('API_NOT_AVAILABLE', 'cache explanations need the executor in this process');
      }
      return opts.explain.explain(req.params.runId, req.params.nodeId);
    },
  );
}

const TRIGGER_LABEL = 'bookml.io/trigger';
/** Rows one request reads at most to fill a trigger-filtered page; past it the page ends early. */
const SCAN_LIMIT = 5000;
const SCAN_BATCH = 500;

/**
 * One page of runs. Pipeline and phase filter in the store; the trigger is a label, so a filtered page
 * scans newest-first in batches (at most {@link SCAN_LIMIT} rows per request) and `nextOffset` is the
 * store position to continue from — a short page with a `nextOffset` means "keep going", never "done".
 */
async function runsPage(
  store: RunStore,
  q: {
    pipeline: string | undefined;
    phase: RunPhase[] | undefined;
    trigger: string | undefined;
    limit: number;
    offset: number;
  },
): Promise<{ runs: RunRecord[]; nextOffset: number | null }> {
  const filter = { pipeline: q.pipeline, phase: q.phase };
  if (q.trigger === undefined) {
    const page = await store.listRuns({ ...filter, limit: q.limit + 1, offset: q.offset });
    return { runs: page.slice(0, q.limit), nextOffset: page.length > q.limit ? q.offset + q.limit : null };
  }
  const wanted = (r: RunRecord) => {
    const kind = r.labels[TRIGGER_LABEL];
    return q.trigger === 'manual' ? kind === undefined || kind === 'manual' : kind === q.trigger;
  };
  const found: RunRecord[] = [];
  let at = q.offset;
  while (at - q.offset < SCAN_LIMIT) {
    const batch = await store.listRuns({ ...filter, limit: SCAN_BATCH, offset: at });
    for (const r of batch) {
      at++;
      if (!wanted(r)) continue;
      found.push(r);
      if (found.length === q.limit) return { runs: found, nextOffset: at };
    }
    if (batch.length < SCAN_BATCH) return { runs: found, nextOffset: null };
  }
  return { runs: found, nextOffset: at };
}

/** `Running,Pending` → those phases; an unknown one is a 400 naming the valid ones. */
function runPhases(text: string | undefined): RunPhase[] | undefined {
  if (text === undefined) return undefined;
  const phases = text.split(',');
  const bad = phases.find((p) => !(RUN_PHASES as readonly string[]).includes(p));
  if (bad !== undefined) {
    throw new ApiError('API_BAD_REQUEST', `unknown run phase "${bad}" (phases: ${RUN_PHASES.join(', ')})`, {
      field: 'phase',
    });
  }
  return phases as RunPhase[];
}
