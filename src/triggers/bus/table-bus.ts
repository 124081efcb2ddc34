import { type Clock, isBookmlError } from '../../core/index.js';
import { type DbHandle, EventLog, type EventRecord } from '../../store/index.js';
import { TriggersError } from '../errors.js';
import {
  encodePayload,
  gaveUp,
  intOption,
  OpenConsumers,
  type ResolvedSubscribeOptions,
  requireConsumer,
  requireDedupeKey,
  requireTopics,
  resolveSubscribeOptions,
  retryDelayMs,
} from './bus-checks.js';
import type {
  BusEvent,
  EventBus,
  EventHandler,
  Published,
  PublishOptions,
  SubscribeOptions,
  Subscription,
} from './event-bus.js';
import { requireTopic } from './topics.js';

/** Options of {@link TableBus}. */
export interface TableBusOptions {
  /** The metadata database holding the `events` and `event_consumers` tables. */
  db: DbHandle;
  /** Drives polling and retry backoff. @default db.clock */
  clock?: Clock;
  /** How often a subscription looks for events other processes appended, in ms. @default 1000 */
  pollIntervalMs?: number;
  /** Backoff before the second delivery of a failed event, in ms; doubles per delivery. @default 1000 */
  retryDelayMs?: number;
  /** Cap of that backoff, in ms. @default 60000 */
  maxRetryDelayMs?: number;
  /** Events read per query. @default 100 */
  batchSize?: number;
}

interface Settings {
  readonly log: EventLog;
  readonly db: DbHandle;
  readonly clock: Clock;
  readonly pollIntervalMs: number;
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly batchSize: number;
}

/**
 * The default event bus: the durable `events` table of the metadata database (SQLite or PostgreSQL),
 * with one acked offset per consumer. A subscription polls on the injected clock and is woken at once
 * by a publish on the same bus, so in one process an event reaches its handlers without waiting for
 * a poll. One delivery loop per consumer per bus; see ../ARCHITECTURE.md for the guarantees.
 *
 * @example
 * const bus = new TableBus({ db: mdb });
 * const sub = await bus.subscribe('sensor:dataset', [TOPICS.datasetReady], (e) => sensor.handle(e));
 * const { id } = await bus.publish(TOPICS.datasetReady, { dataset_uri: 'file:///data/orders.csv' });
 * await bus.close();
 */
export class TableBus implements EventBus {
  readonly kind = 'table' as const;
  readonly #s: Settings;
  readonly #subs = new Set<TableSubscription>();
  readonly #consumers = new OpenConsumers();
  #closed = false;

  constructor(options: TableBusOptions) {
    if (options?.db === undefined) {
      throw new TriggersError('TRIGGERS_CONFIG_INVALID', 'TableBus needs the metadata database (db)', {
        field: 'db',
      });
    }
    this.#s = Object.freeze({
      log: new EventLog(options.db),
      db: options.db,
      clock: options.clock ?? options.db.clock,
      pollIntervalMs: intOption(options.pollIntervalMs, 1000, 'pollIntervalMs', 1),
      retryDelayMs: intOption(options.retryDelayMs, 1000, 'retryDelayMs', 0),
      maxRetryDelayMs: intOption(options.maxRetryDelayMs, 60_000, 'maxRetryDelayMs', 0),
      batchSize: intOption(options.batchSize, 100, 'batchSize', 1),
    });
  }

  async publish(topic: string, payload: unknown, options: PublishOptions = {}): Promise<Published> {
    this.#assertOpen();
    requireTopic(topic);
    const dedupeKey = requireDedupeKey(options.dedupeKey);
    // Round-trip through JSON so a handler here sees what one in another process would.
    const value: unknown = JSON.parse(encodePayload(payload));
    let record: EventRecord;
    try {
      record = await this.#s.log.append(topic, value, dedupeKey === undefined ? {} : { dedupeKey });
    } catch (e) {
      throw unavailable(e);
    }
    for (const sub of this.#subs) sub.wake(topic);
    return { id: String(record.id) };
  }

  async subscribe<T = unknown>(
    consumer: string,
    topics: readonly string[],
    handler: EventHandler<T>,
    options?: SubscribeOptions,
  ): Promise<Subscription> {
    this.#assertOpen();
    const name = requireConsumer(consumer);
    const wanted = requireTopics(topics);
    const resolved = resolveSubscribeOptions(options);
    if (typeof handler !== 'function') {
      throw new TriggersError('TRIGGERS_CONFIG_INVALID', 'handler must be a function', { field: 'handler' });
    }
    this.#consumers.claim(name);
    try {
      if (resolved.startAt === 'latest' && !(await this.#knows(name))) {
        await this.#s.log.ack(name, await this.#s.log.latestId());
      }
    } catch (e) {
      this.#consumers.release(name);
      throw unavailable(e);
    }
    const sub = new TableSubscription(name, wanted, handler as EventHandler, resolved, this.#s, (s) => {
      this.#subs.delete(s);
      this.#consumers.release(s.consumer);
    });
    this.#subs.add(sub);
    sub.start();
    return sub;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#subs].map((s) => s.close()));
  }

  /** Whether the consumer has an offset row (acked at least once, or started at `latest`). */
  async #knows(consumer: string): Promise<boolean> {
    const row = await this.#s.db.db
      .selectFrom('event_consumers')
      .select('consumer')
      .where('consumer', '=', consumer)
      .executeTakeFirst();
    return row !== undefined;
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new TriggersError('TRIGGERS_BUS_CLOSED', 'this event bus is closed; open a new one');
  }
}

type Outcome = 'acked' | 'retry' | 'closed';

/** One consumer's delivery loop: read after the acked offset, hand over one event at a time, ack. */
class TableSubscription implements Subscription {
  readonly consumer: string;
  readonly topics: readonly string[];
  readonly #handler: EventHandler;
  readonly #o: ResolvedSubscribeOptions;
  readonly #s: Settings;
  readonly #onClosed: (s: TableSubscription) => void;
  readonly #abort = new AbortController();
  #closed = false;
  #inHandler = false;
  /** A publish on a watched topic arrived since the last read began. */
  #woken = false;
  #endIdle: (() => void) | undefined;
  #wakeIdle: (() => void) | undefined;
  /** The event at the head of the consumer and how often it was delivered here. */
  #head: { id: number; count: number } | undefined;
  #loop: Promise<void> = Promise.resolve();

  constructor(
    consumer: string,
    topics: string[],
    handler: EventHandler,
    options: ResolvedSubscribeOptions,
    settings: Settings,
    onClosed: (s: TableSubscription) => void,
  ) {
    this.consumer = consumer;
    this.topics = Object.freeze(topics);
    this.#handler = handler;
    this.#o = options;
    this.#s = settings;
    this.#onClosed = onClosed;
  }

  start(): void {
    this.#loop = this.#run();
  }

  wake(topic: string): void {
    if (!this.topics.includes(topic)) return;
    this.#woken = true;
    this.#wakeIdle?.();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort(new TriggersError('TRIGGERS_BUS_CLOSED', `subscription ${this.consumer} closed`));
    this.#endIdle?.();
    this.#onClosed(this);
    // A handler that ignores its signal could run forever; its event stays unacked either way, so
    // only a loop that is between handlers (reading or acking) is waited for.
    if (!this.#inHandler) await this.#loop;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      this.#woken = false;
      let batch: EventRecord[];
      try {
        batch = await this.#s.log.readFor(this.consumer, { topics: this.topics, limit: this.#s.batchSize });
        failures = 0;
      } catch (e) {
        if (this.#closed) return;
        this.#o.onError(unavailable(e), undefined);
        await this.#idle(retryDelayMs(++failures, this.#s.retryDelayMs, this.#s.maxRetryDelayMs), false);
        continue;
      }
      if (batch.length === 0) {
        await this.#idle(this.#s.pollIntervalMs, true);
        continue;
      }
      for (const record of batch) {
        if ((await this.#deliver(record)) !== 'acked') break;
      }
    }
  }

  async #deliver(record: EventRecord): Promise<Outcome> {
    if (this.#closed) return 'closed';
    const count = this.#head?.id === record.id ? this.#head.count + 1 : 1;
    this.#head = { id: record.id, count };
    const event: BusEvent = {
      id: String(record.id),
      topic: record.topic,
      payload: record.payload,
      publishedAt: record.createdAt,
      dedupeKey: record.dedupeKey ?? undefined,
      deliveryCount: count,
    };
    this.#inHandler = true;
    try {
      await this.#handler(event, { signal: this.#abort.signal });
    } catch (e) {
      if (this.#closed) return 'closed';
      this.#o.onError(e, event);
      if (count < this.#o.maxDeliveries) {
        await this.#idle(retryDelayMs(count, this.#s.retryDelayMs, this.#s.maxRetryDelayMs), false);
        return 'retry';
      }
      this.#o.onError(gaveUp(this.consumer, event, e), event);
    } finally {
      this.#inHandler = false;
    }
    // Resolved after close: treated as a crash before the ack, so the next subscriber gets it again.
    if (this.#closed) return 'closed';
    try {
      await this.#s.log.ack(this.consumer, record.id);
    } catch (e) {
      if (this.#closed) return 'closed';
      this.#o.onError(unavailable(e), event);
      await this.#idle(retryDelayMs(count, this.#s.retryDelayMs, this.#s.maxRetryDelayMs), false);
      return 'retry';
    }
    this.#head = undefined;
    return 'acked';
  }

  /** Waits `ms` on the clock, or until close; a wakeable wait also ends on a local publish. */
  #idle(ms: number, wakeable: boolean): Promise<void> {
    if (this.#closed || (wakeable && this.#woken)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const end = () => {
        timer.cancel();
        this.#endIdle = undefined;
        this.#wakeIdle = undefined;
        resolve();
      };
      const timer = this.#s.clock.setTimeout(end, ms, { unref: true });
      this.#endIdle = end;
      if (wakeable) this.#wakeIdle = end;
    });
  }
}

/** A retryable store failure becomes the bus's own retryable error; anything else passes through. */
function unavailable(e: unknown): unknown {
  if (isBookmlError(e) && e.retryable) {
    return new TriggersError('TRIGGERS_BUS_UNAVAILABLE', `the event table is unavailable: ${e.message}`, {
      cause: e,
      retryAfterMs: e.retryAfterMs,
    });
  }
  return e;
}
