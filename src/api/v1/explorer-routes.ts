import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { Registry } from '../../registry/index.js';
import type { ArtifactStore } from '../../store/index.js';
import { ExplorerModels } from './explorer-models.js';
import {
  BookDetail,
  BookPage,
  BookParams,
  BookQuery,
  BookSearchQuery,
  Recommendations,
  RecommendQuery,
} from './explorer-schemas.js';
import { routeSchema } from './route-schema.js';

/**
 * `/api/v1/explorer`: the dashboard's Explorer — find a book, see its neighbours with scores and co-buy
 * counts, and a basket's recommendations with "because you bought …". Reads the version an alias
 * (default production; the latest version when the alias does not exist) or a version number names,
 * loaded from the artifact store once per version. Viewers may use it: nothing changes.
 */
export async function explorerRoutes(
  app: FastifyInstance,
  opts: { registry: Registry; artifacts: ArtifactStore | undefined },
): Promise<void> {
  const models = new ExplorerModels(opts.registry, opts.artifacts);
  const tag = 'explorer';

  app.get<{ Querystring: z.infer<typeof BookSearchQuery> }>(
    '/explorer/books',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: "Find books by title, author or id in a model version's catalogue (pages)",
        tag,
        query: BookSearchQuery,
        ok: { 200: BookPage },
        errors: [501],
      }),
    },
    async (req) => models.search(req.query, req.query.q ?? '', req.query.offset ?? 0, req.query.limit ?? 20),
  );

  app.get<{ Params: z.infer<typeof BookParams>; Querystring: z.infer<typeof BookQuery> }>(
    '/explorer/books/:id',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'A book and its neighbours, best first, with scores and co-buy counts',
        tag,
        params: BookParams,
        query: BookQuery,
        ok: { 200: BookDetail },
        errors: [501],
      }),
    },
    async (req) => models.book(req.query, req.params.id, req.query.limit),
  );

  // A GET: it reads only, so a viewer's call is as safe as any other read (and the answer is cacheable).
  app.get<{ Querystring: z.infer<typeof RecommendQuery> }>(
    '/explorer/recommend',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: "A basket's recommendations, each with the basket books that scored it",
        tag,
        query: RecommendQuery,
        ok: { 200: Recommendations },
        errors: [501],
      }),
    },
    async (req) => models.recommend(req.query, req.query.books.split(','), req.query.k ?? 10),
  );
}
