/**
 * The online store: customers' purchase histories per feature version (a feature view such as
 * `customer_history` and a version tied to the model's dataset), materialised by the pipeline's register
 * step, appended to by new orders, read one customer at a time by serving. Redis when
 * `BOOKML_REDIS_URL` is set, the metadata database otherwise; one contract, one test suite.
 *
 * @example
 * import { openOnlineStore } from '../store/online/index.js';
 * const online = await openOnlineStore({ redisUrl, db: () => openMetadataDb(), clock: systemClock });
 * await online.append([{ customer: '7', book: '17', time: Date.parse('2026-12-01') }]);
 * const history = await online.history({ view: 'customer_history', version: 'd1-ab12' }, '7');
 * await online.close();
 */

export { DbOnlineStore } from './db-online-store.js';
export type {
  AppendResult,
  CustomerHistory,
  FeatureRef,
  FeatureVersionRecord,
  HistoryEntry,
  OnlinePurchase,
  OnlineStore,
} from './online-store.js';
export type { OpenOnlineStoreOptions } from './open-online-store.js';
export { openOnlineStore } from './open-online-store.js';
// The Redis store is reached through openOnlineStore, which loads ioredis only when a URL is set.
export type { RedisOnlineStoreOptions } from './redis-online-store.js';
