import type { Clock } from '../../core/index.js';
import type { DbHandle } from '../db.js';
import { DbOnlineStore } from './db-online-store.js';
import type { OnlineStore } from './online-store.js';

/** Options of {@link openOnlineStore}. */
export interface OpenOnlineStoreOptions {
  /** `redis://…`: histories in Redis. @default undefined (the metadata database) */
  redisUrl?: string;
  /** Prefix of every Redis key. @default 'bookml:online:' */
  redisKeyPrefix?: string;
  /** The metadata database, opened only when there is no Redis URL. */
  db: () => Promise<DbHandle & { location?: string }>;
  clock: Clock;
}

/**
 * The online store the configuration names: Redis when a URL is given (ioredis is loaded only then),
 * else the metadata database. The database handle stays the caller's to close.
 *
 * @example
 * const online = await openOnlineStore({ redisUrl: config.redisUrl, db: () => stores.db(), clock });
 * const h = await online.history({ view: 'customer_history', version: 'd1-ab12' }, '7');
 */
export async function openOnlineStore(options: OpenOnlineStoreOptions): Promise<OnlineStore> {
  if (options.redisUrl !== undefined && options.redisUrl !== '') {
    const { RedisOnlineStore } = await import('./redis-online-store.js');
    return RedisOnlineStore.open({
      url: options.redisUrl,
      keyPrefix: options.redisKeyPrefix,
      clock: options.clock,
    });
  }
  return new DbOnlineStore(await options.db());
}
