import {
  AckPolicy,
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { type Clock, systemClock, type Timer } from '../../core/index.js';
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

/** Options of {@link NatsBus.connect}. */
export interface NatsBusOptions {
  /** NATS server URL(s), `nats://host:port`. @default 'nats://127.0.0.1:4222' */
  servers?: string | readonly string[];
  /** The JetStream stream holding the events; created (or its limits updated) on connect. @default 'BOOKML' */
  stream?: string;
  /** Subjects are `<subjectPrefix>.<topic>`; the stream takes `<subjectPrefix>.>`. @default 'bookml' */
  subjectPrefix?: string;
  /** Stamps `publishedAt` and drives the in-progress heartbeat and reconnect backoff. @default systemClock */
  clock?: Clock;
  /** How long JetStream remembers a `dedupeKey` (the stream's duplicate window), in ms. @default 86400000 (24 h) */
  duplicateWindowMs?: number;
  /** How long the stream keeps events, in ms; at least `duplicateWindowMs`. @default 2592000000 (30 days) */
  maxAgeMs?: number;
  /** Unacked deliveries are sent again after this, in ms (a crashed subscriber's event). @default 30000 */
  ackWaitMs?: number;
  /** Backoff before the second delivery of a failed event, in ms; doubles per delivery. @default 1000 */
  retryDelayMs?: number;
  /** Cap of that backoff, in ms. @default 60000 */
  maxRetryDelayMs?: number;
  /** Connect, publish and management request timeout, in ms. @default 5000 */
  timeoutMs?: number;
}

interface Settings {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly stream: string;
  readonly prefix: string;
  readonly clock: Clock;
  readonly ackWaitMs: number;
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly timeoutMs: number;
}

const PUBLISHED_AT = 'Bookml-Published-At';
const MS = 1_000_000; // JetStream durations are nanoseconds
const STREAM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The event bus on NATS JetStream, for when `BOOKML_NATS_URL` is set: one stream over
 * `<prefix>.>`, a durable pull consumer per consumer name with explicit acks and one event in
 * flight (so redeliveries keep the order), `dedupeKey` sent as `Nats-Msg-Id`. Several processes
 * subscribed under one consumer name share its events. See ../ARCHITECTURE.md.
 *
 * @example
 * const bus = await NatsBus.connect({ servers: 'nats://127.0.0.1:4222' });
 * await bus.publish(TOPICS.runFinished, { run_id: 'r-1', phase: 'Succeeded' });
 * await bus.close();
 */
export class NatsBus implements EventBus {
  readonly kind = 'nats' as const;
  readonly #s: Settings;
  readonly #subs = new Set<NatsSubscription>();
  readonly #consumers = new OpenConsumers();
  #closed = false;

  private constructor(settings: Settings) {
    this.#s = settings;
  }

  /**
   * Connects, makes sure the stream exists with these limits, and returns the bus (which owns the
   * connection: `close()` closes it).
   * @throws TriggersError `TRIGGERS_CONFIG_INVALID` for a bad option, `TRIGGERS_BUS_UNAVAILABLE` when
   * the server cannot be reached or has no JetStream.
   */
  static async connect(options: NatsBusOptions = {}): Promise<NatsBus> {
    const servers = typeof options.servers === 'string' ? [options.servers] : [...(options.servers ?? [])];
    if (servers.length === 0) servers.push('nats://127.0.0.1:4222');
    const stream = options.stream ?? 'BOOKML';
    if (!STREAM_PATTERN.test(stream)) {
      throw new TriggersError('TRIGGERS_CONFIG_INVALID', 'stream must be 1–64 letters, digits, _ or -', {
        field: 'stream',
      });
    }
    const prefix = requireTopic(options.subjectPrefix ?? 'bookml', 'subjectPrefix');
    const duplicateWindowMs = intOption(options.duplicateWindowMs, 86_400_000, 'duplicateWindowMs', 1000);
    const maxAgeMs = intOption(options.maxAgeMs, 30 * 86_400_000, 'maxAgeMs', duplicateWindowMs);
    const timeoutMs = intOption(options.timeoutMs, 5000, 'timeoutMs', 1);
    const where = servers.map(maskCredentials).join(', ');
    let nc: NatsConnection;
    try {
      nc = await connect({ servers, timeout: timeoutMs, name: 'bookml' });
    } catch (cause) {
      throw new TriggersError(
        'TRIGGERS_BUS_UNAVAILABLE',
        `NATS at ${where} cannot be reached; start nats-server with JetStream (-js) or unset BOOKML_NATS_URL`,
        { cause },
      );
    }
    try {
      const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
      await ensureStream(jsm, stream, {
        subjects: [`${prefix}.>`],
        max_age: maxAgeMs * MS,
        duplicate_window: duplicateWindowMs * MS,
      });
      return new NatsBus(
        Object.freeze({
          nc,
          js: jetstream(nc, { timeout: timeoutMs }),
          jsm,
          stream,
          prefix,
          clock: options.clock ?? systemClock,
          ackWaitMs: intOption(options.ackWaitMs, 30_000, 'ackWaitMs', 1000),
          retryDelayMs: intOption(options.retryDelayMs, 1000, 'retryDelayMs', 0),
          maxRetryDelayMs: intOption(options.maxRetryDelayMs, 60_000, 'maxRetryDelayMs', 0),
          timeoutMs,
        }),
      );
    } catch (e) {
      await nc.close().catch(() => {});
      if (e instanceof TriggersError) throw e;
      throw new TriggersError(
        'TRIGGERS_BUS_UNAVAILABLE',
        `NATS at ${where} has no usable JetStream stream ${stream}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  async publish(topic: string, payload: unknown, options: PublishOptions = {}): Promise<Published> {
    this.#assertOpen();
    requireTopic(topic);
    const dedupeKey = requireDedupeKey(options.dedupeKey);
    const data = new TextEncoder().encode(encodePayload(payload));
    const h = headers();
    h.set(PUBLISHED_AT, String(this.#s.clock.now()));
    try {
      const ack = await this.#s.js.publish(`${this.#s.prefix}.${topic}`, data, {
        headers: h,
        timeout: this.#s.timeoutMs,
        ...(dedupeKey === undefined ? {} : { msgID: dedupeKey }),
      });
      // A duplicate's ack carries the first message's sequence: the same id as the first publish.
      return { id: String(ack.seq) };
    } catch (cause) {
      throw new TriggersError(
        'TRIGGERS_BUS_UNAVAILABLE',
        `publishing to NATS failed: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
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
    let durable: Consumer;
    try {
      durable = await this.#ensureConsumer(name, wanted, resolved.startAt);
    } catch (e) {
      this.#consumers.release(name);
      throw e;
    }
    const sub = new NatsSubscription(
      name,
      wanted,
      durable,
      handler as EventHandler,
      resolved,
      this.#s,
      (s) => {
        this.#subs.delete(s);
        this.#consumers.release(s.consumer);
      },
    );
    this.#subs.add(sub);
    sub.start();
    return sub;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subs].map((s) => s.close()));
    await this.#s.nc.close().catch(() => {});
  }

  /**
   * The durable consumer, created on first use. One topic filters on the server; several take the
   * whole prefix and filter here, which works on every server (multiple filter subjects need 2.10).
   */
  async #ensureConsumer(name: string, topics: string[], startAt: 'earliest' | 'latest'): Promise<Consumer> {
    const { jsm, js, stream, prefix } = this.#s;
    const filter = topics.length === 1 ? `${prefix}.${topics[0]}` : `${prefix}.>`;
    try {
      let info = await jsm.consumers.info(stream, name).catch((e: unknown) => {
        if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.ConsumerNotFound) return undefined;
        throw e;
      });
      if (info === undefined) {
        info = await jsm.consumers.add(stream, {
          durable_name: name,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: startAt === 'latest' ? DeliverPolicy.New : DeliverPolicy.All,
          filter_subject: filter,
          // One event in flight: a failed event is redelivered before anything after it.
          max_ack_pending: 1,
          ack_wait: this.#s.ackWaitMs * MS,
        });
      } else if (info.config.filter_subject !== filter) {
        await jsm.consumers.update(stream, name, { filter_subject: filter }).catch((cause: unknown) => {
          throw new TriggersError(
            'TRIGGERS_CONFIG_INVALID',
            `consumer ${name} exists on stream ${stream} with other topics and the server cannot change them; delete the consumer or use another name`,
            { field: 'topics', cause },
          );
        });
      }
      return await js.consumers.get(stream, name);
    } catch (e) {
      if (e instanceof TriggersError) throw e;
      throw new TriggersError(
        'TRIGGERS_BUS_UNAVAILABLE',
        `creating the NATS consumer ${name} failed: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new TriggersError('TRIGGERS_BUS_CLOSED', 'this event bus is closed; open a new one');
  }
}

async function ensureStream(
  jsm: JetStreamManager,
  name: string,
  limits: { subjects: string[]; max_age: number; duplicate_window: number },
): Promise<void> {
  const info = await jsm.streams.info(name).catch((e: unknown) => {
    if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound) return undefined;
    throw e;
  });
  if (info === undefined) {
    await jsm.streams.add({
      name,
      ...limits,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
    });
    return;
  }
  const c = info.config;
  if (
    c.max_age !== limits.max_age ||
    c.duplicate_window !== limits.duplicate_window ||
    c.subjects?.join() !== limits.subjects.join()
  ) {
    await jsm.streams.update(name, { ...c, ...limits });
  }
}

/** One consumer's delivery loop over a JetStream pull consumer. */
class NatsSubscription implements Subscription {
  readonly consumer: string;
  readonly topics: readonly string[];
  readonly #durable: Consumer;
  readonly #handler: EventHandler;
  readonly #o: ResolvedSubscribeOptions;
  readonly #s: Settings;
  readonly #onClosed: (s: NatsSubscription) => void;
  readonly #abort = new AbortController();
  #closed = false;
  #messages: ConsumerMessages | undefined;
  /** The message whose handler is running, and the timer telling the server it is still in progress. */
  #current: JsMsg | undefined;
  #keepAlive: Timer | undefined;
  #loop: Promise<void> = Promise.resolve();

  constructor(
    consumer: string,
    topics: string[],
    durable: Consumer,
    handler: EventHandler,
    options: ResolvedSubscribeOptions,
    settings: Settings,
    onClosed: (s: NatsSubscription) => void,
  ) {
    this.consumer = consumer;
    this.topics = Object.freeze(topics);
    this.#durable = durable;
    this.#handler = handler;
    this.#o = options;
    this.#s = settings;
    this.#onClosed = onClosed;
  }

  start(): void {
    this.#loop = this.#run();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort(new TriggersError('TRIGGERS_BUS_CLOSED', `subscription ${this.consumer} closed`));
    // close() stops the pull at once but resolves only when the loop has drained the iterator, which
    // a handler that never settles keeps it from doing.
    const drained = this.#messages?.close().catch(() => {});
    // An unfinished event is left unacked, exactly as a crash leaves it: the server gives it to the
    // next subscriber after ack_wait. (A nak would be sooner, but nats-server 2.9 then delivers it twice.)
    const current = this.#current;
    this.#current = undefined;
    this.#keepAlive?.cancel();
    this.#onClosed(this);
    if (current === undefined) await Promise.all([drained, this.#loop]);
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      try {
        const messages = await this.#durable.consume();
        this.#messages = messages;
        if (this.#closed) {
          await messages.close();
          return;
        }
        for await (const m of messages) {
          failures = 0;
          // Left unacked, like an event a crash interrupted (see close()).
          if (this.#closed) break;
          await this.#deliver(m);
        }
      } catch (e) {
        if (!this.#closed) this.#o.onError(unavailable(e), undefined);
      }
      if (this.#closed) return;
      // The pull loop recovers from reconnects by itself; it ends only when the consumer or stream went away.
      const delay = retryDelayMs(++failures, this.#s.retryDelayMs, this.#s.maxRetryDelayMs);
      await this.#s.clock.sleep(delay, this.#abort.signal).catch(() => {});
    }
  }

  async #deliver(m: JsMsg): Promise<void> {
    const topic = m.subject.slice(this.#s.prefix.length + 1);
    if (!this.topics.includes(topic)) {
      m.ack();
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(new TextDecoder().decode(m.data));
    } catch (cause) {
      // Not written by a bookml bus: no redelivery can make it readable.
      this.#o.onError(
        new TriggersError('TRIGGERS_PAYLOAD_INVALID', `event ${m.seq} on ${m.subject} is not JSON; skipped`, {
          cause,
        }),
        undefined,
      );
      m.term();
      return;
    }
    const stamped = Number(m.headers?.get(PUBLISHED_AT));
    const event: BusEvent = {
      id: String(m.seq),
      topic,
      payload,
      publishedAt: Number.isFinite(stamped) && stamped > 0 ? stamped : Number(m.info.timestampNanos / 1e6),
      dedupeKey: m.headers?.get('Nats-Msg-Id') || undefined,
      deliveryCount: m.info.deliveryCount,
    };
    this.#current = m;
    // A long handler is not a dead one: keep resetting the server's ack timer while it runs.
    const keepAlive = this.#s.clock.setInterval(() => m.working(), Math.floor(this.#s.ackWaitMs / 2), {
      unref: true,
    });
    this.#keepAlive = keepAlive;
    try {
      await this.#handler(event, { signal: this.#abort.signal });
    } catch (e) {
      if (this.#closed) return;
      this.#o.onError(e, event);
      if (event.deliveryCount < this.#o.maxDeliveries) {
        m.nak(retryDelayMs(event.deliveryCount, this.#s.retryDelayMs, this.#s.maxRetryDelayMs));
        return;
      }
      this.#o.onError(gaveUp(this.consumer, event, e), event);
    } finally {
      keepAlive.cancel();
      if (this.#current === m) this.#current = undefined;
    }
    // Resolved after close: treated as a crash before the ack, so the next subscriber gets it again.
    if (this.#closed) return;
    try {
      await m.ackAck({ timeout: this.#s.timeoutMs });
    } catch (e) {
      // The server redelivers it after ack_wait; the handler must be idempotent for exactly this.
      this.#o.onError(unavailable(e), event);
    }
  }
}

function unavailable(e: unknown): TriggersError {
  if (e instanceof TriggersError) return e;
  return new TriggersError(
    'TRIGGERS_BUS_UNAVAILABLE',
    `NATS delivery failed: ${(e as Error)?.message ?? e}`,
    {
      cause: e,
    },
  );
}

function maskCredentials(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
