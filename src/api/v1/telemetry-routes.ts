import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import type { TelemetrySampler } from '../telemetry-sampler.js';
import { routeSchema } from './route-schema.js';

const Base = {
  intervalMs: z.number(),
  since: z.number().describe('epoch ms the series begin (kept in memory since the control plane started)'),
};

/**
 * `/api/v1/serving/stats` (requests/s, errors/s, fallbacks/s and latency percentiles per version, one
 * sample per interval) and `/api/v1/drift/history` (each drift test's per-feature statistic and
 * p-values): the live series the {@link TelemetrySampler} keeps. 501 when this control plane has no
 * serving source (set `servingUrl`, or run `bookml up`).
 */
export async function telemetryRoutes(
  app: FastifyInstance,
  opts: { sampler: TelemetrySampler | undefined },
): Promise<void> {
  app.get(
    '/serving/stats',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary:
          'Serving requests/s, errors/s, fallbacks/s and p50/p95/p99 latency per model version, sampled from the serving /metrics',
        tag: 'serving',
        ok: {
          200: z.looseObject({
            ...Base,
            source: z.string(),
            error: z.string().nullable(),
            samples: z.array(z.looseObject({ at: z.number(), versions: z.array(z.looseObject({})) })),
          }),
        },
        errors: [501],
      }),
    },
    async () => {
      const snap = opts.sampler?.snapshot();
      if (snap === undefined || snap.servingSource === null) {
        throw new ApiError(
          'API_NOT_AVAILABLE',
          'this control plane reads no serving metrics: run `bookml up`, or set servingUrl (BOOKML_API_SERVING_URL) to a `bookml serve` URL',
        );
      }
      return {
        source: snap.servingSource,
        intervalMs: snap.intervalMs,
        since: snap.since,
        error: snap.servingError,
        samples: snap.serving,
      };
    },
  );

  app.get(
    '/drift/history',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: "Each drift test's per-feature KS statistic, p-value and corrected p-value, oldest first",
        tag: 'drift',
        ok: {
          200: z.looseObject({
            ...Base,
            tests: z.array(z.looseObject({ at: z.number(), features: z.array(z.looseObject({})) })),
          }),
        },
        errors: [501],
      }),
    },
    async () => {
      const snap = opts.sampler?.snapshot();
      if (snap === undefined) {
        throw new ApiError('API_NOT_AVAILABLE', 'this control plane does not read a drift monitor');
      }
      return { intervalMs: snap.intervalMs, since: snap.since, tests: snap.drift };
    },
  );
}
