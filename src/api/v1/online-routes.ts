import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { Clock } from '../../core/index.js';
import type { AppendResult, FeatureVersionRecord, OnlinePurchase } from '../../store/online/index.js';
import { ApiError } from '../errors.js';
import { routeSchema } from './route-schema.js';
import { OnlineOrdersBody, OnlineOrdersResult, OnlineVersionList } from './schemas.js';

/** What the online routes need of the online store. */
export interface OnlineOrdersPort {
  append(purchases: readonly OnlinePurchase[]): Promise<AppendResult>;
  versions(): Promise<FeatureVersionRecord[]>;
}

/**
 * `/api/v1/online`: new orders into the online store's customer histories (every materialised
 * feature version), so serving recommends from them at once — no retrain, no reload — and the list
 * of materialised versions. Appending is operator only; answers 501 without an online store.
 */
export async function onlineRoutes(
  app: FastifyInstance,
  opts: { online: (() => Promise<OnlineOrdersPort>) | undefined; clock: Clock },
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
