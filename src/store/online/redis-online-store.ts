import { Redis } from 'ioredis';
import type { Clock } from '../../core/index.js';
import { StoreError } from '../errors.js';
import {
  appendTargets,
  checkPurchases,
  checkRef,
  groupPurchases,
  inBatches,
  sortEntries,
} from './online-keys.js';
import type {
  AppendResult,
  CustomerHistory,
  FeatureRef,
  FeatureVersionRecord,
  HistoryEntry,
  OnlinePurchase,
  OnlineStore,
} from './online-store.js';

/**
 * Merge (book, time) pairs into one customer's hash, keeping the newer time per book. A script so the
 * compare-and-set is atomic per customer however many writers append at once.
 */
const MERGE_SCRIPT = `for i = 1, #ARGV, 2 do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  if (not cur) or tonumber(cur) < tonumber(ARGV[i + 1]) then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1`;

/** Customers per pipelined round trip: big enough to amortise latency, small enough to bound memory. */
const CUSTOMERS_PER_BATCH = 2000;

/** Options of {@link RedisOnlineStore.open}. */
export interface RedisOnlineStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  url: string;
  /** Prefix of every key (tests give each run its own). @default 'bookml:online:' */
  keyPrefix?: string;
  clock: Clock;
  /** How long to wait for a connection, in ms. @default 3000 */
  connectTimeoutMs?: number;
}

/**
 * The online store on Redis. One hash per customer and version (`<prefix><view>:<version>:c:<customer>`,
 * book → newest purchase time in ms), and one hash of the materialised versions
 * (`<prefix>versions`, `<view>:<version>` → the record as JSON). Writes are pipelined in batches of
 * {@link CUSTOMERS_PER_BATCH} customers, each one `EVALSHA` of the merge script.
 */
export class RedisOnlineStore implements OnlineStore {
  readonly kind = 'redis' as const;
  readonly location: string;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #clock: Clock;
  #sha: string;
  #closed = false;

  private constructor(redis: Redis, location: string, prefix: string, clock: Clock, sha: string) {
    this.#redis = redis;
    this.location = location;
    this.#prefix = prefix;
    this.#clock = clock;
    this.#sha = sha;
  }

  /**
   * Connects and loads the merge script.
   * @throws StoreError `STORE_CONFIG_INVALID` for a URL that is not redis://, `STORE_ONLINE_UNAVAILABLE`
   * (retryable) when Redis does not answer.
   */
  static async open(options: RedisOnlineStoreOptions): Promise<RedisOnlineStore> {
    const location = maskRedisUrl(options.url);
    if (!/^rediss?:\/\//.test(options.url)) {
      throw new StoreError(
        'STORE_CONFIG_INVALID',
        `BOOKML_REDIS_URL must be redis://… or rediss://… (got ${location})`,
        {
          field: 'redisUrl',
        },
      );
    }
    const redis = new Redis(options.url, {
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs ?? 3000,
      // Fail a command instead of queueing it forever while Redis is away: serving falls back at once.
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => (times > 3 ? null : Math.min(times * 200, 1000)),
    });
    redis.on('error', () => {});
    try {
      await redis.connect();
      const sha = String(await redis.script('LOAD', MERGE_SCRIPT));
      return new RedisOnlineStore(redis, location, options.keyPrefix ?? 'bookml:online:', options.clock, sha);
    } catch (e) {
      redis.disconnect();
      throw unavailable(location, e);
    }
  }

  async materialise(
    ref: FeatureRef,
    source: string,
    histories: Iterable<CustomerHistory>,
  ): Promise<FeatureVersionRecord> {
    checkRef(ref);
    const { customers, entries } = await inBatches(
      histories,
      CUSTOMERS_PER_BATCH,
      () => 1,
      (batch) => this.#merge(ref, batch),
    );
    const record: FeatureVersionRecord = {
      view: ref.view,
      version: ref.version,
      source,
      customers,
      entries,
      createdAt: this.#clock.now(),
    };
    await this.#run(() =>
      this.#redis.hset(this.#versionsKey(), `${ref.view}:${ref.version}`, JSON.stringify(record)),
    );
    return record;
  }

  async history(ref: FeatureRef, customer: string): Promise<HistoryEntry[] | undefined> {
    checkRef(ref);
    const raw = await this.#run(() => this.#redis.hgetall(this.#customerKey(ref, customer)));
    const entries: HistoryEntry[] = [];
    for (const book in raw) entries.push({ book, time: Number(raw[book]) });
    return entries.length === 0 ? undefined : sortEntries(entries);
  }

  async append(purchases: readonly OnlinePurchase[], refs?: readonly FeatureRef[]): Promise<AppendResult> {
    checkPurchases(purchases);
    const targets = await appendTargets(refs, () => this.versions());
    const grouped = groupPurchases(purchases);
    for (const ref of targets) {
      for (let i = 0; i < grouped.length; i += CUSTOMERS_PER_BATCH) {
        await this.#merge(ref, grouped.slice(i, i + CUSTOMERS_PER_BATCH));
      }
    }
    return { versions: targets, purchases: purchases.length, customers: grouped.length };
  }

  async versions(view?: string): Promise<FeatureVersionRecord[]> {
    const all = await this.#run(() => this.#redis.hvals(this.#versionsKey()));
    return all
      .map((json) => JSON.parse(json) as FeatureVersionRecord)
      .filter((r) => view === undefined || r.view === view)
      .sort((a, b) => b.createdAt - a.createdAt || (a.version < b.version ? 1 : -1));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  async #merge(ref: FeatureRef, batch: readonly CustomerHistory[]): Promise<void> {
    const send = async (): Promise<Error | null> => {
      const pipe = this.#redis.pipeline();
      for (const h of batch) {
        const args: (string | number)[] = [];
        for (const e of h.entries) args.push(e.book, e.time);
        pipe.evalsha(this.#sha, 1, this.#customerKey(ref, h.customer), ...args);
      }
      const results = (await pipe.exec()) ?? [];
      return results.find(([err]) => err !== null)?.[0] ?? null;
    };
    let err = await this.#run(send);
    if (err !== null && /NOSCRIPT/.test(err.message)) {
      // Redis restarted or flushed its scripts since we opened: load it again; the merge is idempotent.
      this.#sha = String(await this.#run(() => this.#redis.script('LOAD', MERGE_SCRIPT)));
      err = await this.#run(send);
    }
    if (err !== null) throw unavailable(this.location, err);
  }

  #customerKey(ref: FeatureRef, customer: string): string {
    return `${this.#prefix}${ref.view}:${ref.version}:c:${customer}`;
  }

  #versionsKey(): string {
    return `${this.#prefix}versions`;
  }

  async #run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw unavailable(this.location, e);
    }
  }
}

function unavailable(location: string, cause: unknown): StoreError {
  return new StoreError(
    'STORE_ONLINE_UNAVAILABLE',
    `the online store at ${location} did not answer (${cause instanceof Error ? cause.message : String(cause)}); check BOOKML_REDIS_URL and that Redis runs`,
    { cause },
  );
}

/** The URL with its password replaced by `***`. */
export function maskRedisUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}
