import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { Clock } from '../../core/index.js';
import type { ArtifactStore } from '../../store/index.js';
import type {
  AppendResult,
  CustomerHistory,
  FeatureRef,
  FeatureVersionRecord,
  OnlinePurchase,
} from '../../store/online/index.js';
import { ApiError } from '../errors.js';
import { routeSchema } from './route-schema.js';
import {
  OnlineMaterialiseBody,
  OnlineMaterialiseResult,
  OnlineOrdersBody,
  OnlineOrdersResult,
  OnlineVersionList,
} from './schemas.js';

/** What the online routes need of the online store. */
export interface OnlineOrdersPort {
  readonly kind: string;
  append(purchases: readonly OnlinePurchase[]): Promise<AppendResult>;
  versions(): Promise<FeatureVersionRecord[]>;
  materialise(
    ref: FeatureRef,
    source: string,
    histories: Iterable<CustomerHistory>,
  ): Promise<FeatureVersionRecord>;
}

/**
 * `/api/v1/online`: new orders into the online store's customer histories (every materialised
 * feature version), so serving recommends from them at once — no retrain, no reload — and the list
 * of materialised versions. Appending is operator only; answers 501 without an online store.
 */
export async function onlineRoutes(
  app: FastifyInstance,
  opts: {
    online: (() => Promise<OnlineOrdersPort>) | undefined;
    artifacts: ArtifactStore | undefined;
    clock: Clock;
  },
): Promise<void> {
  const store = async () => {
    if (opts.online === undefined) {
      throw new ApiError('API_NOT_AVAILABLE', 'this control plane has no online store wired');
    }
    return opts.online();
  };
  app.post<{ Body: z.infer<typeof OnlineOrdersBody> }>(
    '/online/orders',
    {
      config: { role: 'operator' },
      schema: routeSchema({
        summary: "Append new orders to the customers' histories in the online store",
        tag: 'online',
        body: OnlineOrdersBody,
        ok: { 200: OnlineOrdersResult },
        errors: [501],
      }),
    },
    async (req) => {
      const now = opts.clock.now();
      const purchases = req.body.orders.map((o) => ({
        customer: String(o.customer_id),
        book: String(o.book_id),
        time: o.time === undefined ? now : typeof o.time === 'number' ? o.time : Date.parse(o.time),
      }));
      const out = await (await store()).append(purchases);
      return {
        purchases: out.purchases,
        customers: out.customers,
        versions: out.versions.map((v) => ({ view: v.view, version: v.version })),
      };
    },
  );
  // A remote register step's materialisation: it uploads the histories as a blob, then names it here.
  app.post<{ Body: z.infer<typeof OnlineMaterialiseBody> }>(
    '/online/materialise',
    {
      config: { role: 'operator' },
      schema: routeSchema({
        summary: 'Materialise a feature version of customer histories from an uploaded JSONL blob',
        tag: 'online',
        body: OnlineMaterialiseBody,
        ok: { 200: OnlineMaterialiseResult },
        errors: [404, 501],
      }),
    },
    async (req) => {
      const online = await store();
      if (opts.artifacts === undefined) {
        throw new ApiError('API_NOT_AVAILABLE', 'this control plane has no artifact store wired');
      }
      const file = await opts.artifacts.get(req.body.artifact);
      const { view, version, source } = req.body;
      const rec = await online.materialise(
        { view, version },
        source,
        jsonLines(await readFile(file, 'utf8')),
      );
      return { customers: rec.customers, entries: rec.entries, store: online.kind };
    },
  );
  app.get(
    '/online/versions',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'The materialised feature versions of the online store, newest first',
        tag: 'online',
        ok: { 200: OnlineVersionList },
        errors: [501],
      }),
    },
    async () => ({ versions: await (await store()).versions() }),
  );
}

/** One history per non-empty line; a line that is not one fails the request naming it. */
function* jsonLines(text: string): Iterable<CustomerHistory> {
  let n = 0;
  for (const line of text.split('\n')) {
    n++;
    if (line.trim() === '') continue;
    let h: CustomerHistory;
    try {
      h = JSON.parse(line) as CustomerHistory;
    } catch {
      throw new ApiError('API_BAD_REQUEST', `line ${n} of the histories blob is not JSON`, {
        field: 'artifact',
      });
    }
    if (typeof h?.customer !== 'string' || !Array.isArray(h.entries)) {
      throw new ApiError(
        'API_BAD_REQUEST',
        `line ${n} of the histories blob is not {"customer", "entries"}`,
        {
          field: 'artifact',
        },
      );
    }
    yield h;
  }
}
