import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { Registry } from '../../registry/index.js';
import type { DbHandle } from '../../store/index.js';
import { LineageGraph, runLineageGraph, versionLineageGraph } from './lineage-graph.js';
import { routeSchema } from './route-schema.js';
import { RefParams, RunParams } from './schemas.js';

/**
 * `/api/v1/lineage/…`: lineage as a graph the dashboard draws — dataset → run → nodes → artifacts →
 * version → alias — for a run or for a version (by number or alias).
 */
export async function lineageRoutes(
  app: FastifyInstance,
  opts: { db: DbHandle; registry: Registry },
): Promise<void> {
  app.get<{ Params: z.infer<typeof RunParams> }>(
    '/lineage/runs/:runId',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary:
          "A run's lineage graph: datasets, nodes, artifacts, the versions it registered, their aliases",
        tag: 'lineage',
        params: RunParams,
        ok: { 200: LineageGraph },
      }),
    },
    async (req) => runLineageGraph(opts.db, opts.registry, req.params.runId),
  );

  app.get<{ Params: z.infer<typeof RefParams> }>(
    '/lineage/models/:model/versions/:ref',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: "A version's lineage graph (by number or alias), from its dataset to its aliases",
        tag: 'lineage',
        params: RefParams,
        ok: { 200: LineageGraph },
      }),
    },
    async (req) => versionLineageGraph(opts.db, opts.registry, req.params.model, req.params.ref),
  );
}
