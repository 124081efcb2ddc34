import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DataReport, DatasetDistributions } from '../../data/index.js';
import type { Registry } from '../../registry/index.js';
import { ApiError } from '../errors.js';
import { routeSchema } from './route-schema.js';
import { DatasetRefParams } from './schemas.js';

/**
 * What the Data page reads about a dataset: its validation report (`bookml data validate`, optionally
 * `--against` another dataset: Jensen–Shannon and total-variation shift of book popularity) and its
 * distributions. The composition root loads the workspace's datasets; without it these routes answer 501.
 */
export interface DatasetInsights {
  /** The report of dataset `ref` (a hash prefix), compared with dataset `against` when given. */
  report(ref: string, against?: string): Promise<DataReport>;
  distributions(ref: string): Promise<DatasetDistributions>;
}

const ReportQuery = z.object({
  against: z
    .string()
    .regex(/^([0-9a-f]{4,64}|production)$/)
    .optional()
    .describe(
      "a dataset hash prefix, or `production`: the dataset the model's production version was trained on",
    ),
  model: z
    .string()
    .max(200)
    .optional()
    .describe('whose production alias `against=production` reads (default recommender)'),
});

/** `/api/v1/datasets/:ref/report` and `/api/v1/datasets/:ref/distributions`. */
export async function datasetInsightRoutes(
  app: FastifyInstance,
  opts: { insights: DatasetInsights | undefined; registry: Registry },
): Promise<void> {
  const need = () => {
    if (opts.insights === undefined) {
      throw new ApiError(
        'API_NOT_AVAILABLE',
        'this control plane does not read the datasets (run `bookml api` in the workspace)',
      );
    }
    return opts.insights;
  };

  app.get<{ Params: z.infer<typeof DatasetRefParams>; Querystring: z.infer<typeof ReportQuery> }>(
    '/datasets/:ref/report',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary:
          "A dataset's validation report (checks, issues, basket sizes, popularity), and with `against` its popularity shift (JSD, TVD, top movers)",
        tag: 'datasets',
        params: DatasetRefParams,
        query: ReportQuery,
        ok: {
          200: z.looseObject({
            report: z.looseObject({ pass: z.boolean(), checks: z.array(z.looseObject({})) }),
            against: z.looseObject({ hash: z.string(), why: z.string() }).nullable(),
          }),
        },
        errors: [404, 501],
      }),
    },
    async (req) => {
      const insights = need();
      let against: { hash: string; why: string } | null = null;
      if (req.query.against === 'production') {
        const model = req.query.model ?? 'recommender';
        const v = await opts.registry.resolveAlias(model, 'production');
        const hash = v.lineage.dataset?.hash;
        if (hash === undefined) {
          throw new ApiError('API_NOT_FOUND', `${model} v${v.version} (production) records no dataset`, {
            field: 'against',
          });
        }
        against = { hash, why: `the dataset ${model} v${v.version} (production) was trained on` };
      } else if (req.query.against !== undefined) {
        against = { hash: req.query.against, why: 'the dataset asked for' };
      }
      return { report: await insights.report(req.params.ref, against?.hash), against };
    },
  );

  app.get<{ Params: z.infer<typeof DatasetRefParams> }>(
    '/datasets/:ref/distributions',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'Book popularity by rank, orders by basket size, and order lines per day',
        tag: 'datasets',
        params: DatasetRefParams,
        ok: {
          200: z.looseObject({
            popularity: z.looseObject({}),
            basketSizes: z.looseObject({}),
            purchasesPerDay: z.looseObject({}),
          }),
        },
        errors: [404, 501],
      }),
    },
    async (req) => need().distributions(req.params.ref),
  );
}
