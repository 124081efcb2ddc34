/**
 * The event bus contract both backends keep (`TableBus`, `NatsBus`): at-least-once delivery, acked
 * after the handler resolves, in publish order per consumer, deduplicated by `dedupeKey` at publish.
 * See ../ARCHITECTURE.md ("Event bus").
 */

/** One delivered event. */
export interface BusEvent<T = unknown> {
  /**
   * The event's id on this bus: the event table's offset or the JetStream sequence, as decimal text.
   * Ids grow with publish order; a handler that must not act twice keys its effect on (consumer, id).
   */
  readonly id: string;
  readonly topic: string;
  readonly payload: T;
  /** When it was published, epoch ms, from the publisher's clock. */
  readonly publishedAt: number;
  /** The `dedupeKey` it was published with, if any. */
  readonly dedupeKey: string | undefined;
  /**
   * Which delivery this is to the consumer, from 1. JetStream counts across processes; the table bus
   * counts within one subscription (a restarted process starts again at 1).
   */
  readonly deliveryCount: number;
}

/** Options of {@link EventBus.publish}. */
export interface PublishOptions {
  /**
   * Publishing again with the same key publishes nothing and returns the first event's id (a
   * redelivered webhook stays one event). The table bus remembers keys forever; JetStream for its
   * stream's duplicate window (`NatsBusOptions.duplicateWindowMs`, 24 h by default). 1–256 characters.
   */
  dedupeKey?: string;
}

/** What {@link EventBus.publish} returns. */
export interface Published {
  /** The event's id (the first event's, when `dedupeKey` matched one). */
  readonly id: string;
}

/** What a handler gets besides the event. */
export interface HandlerContext {
  /** Aborts when the subscription closes; the event is then not acked and is delivered again. */
  readonly signal: AbortSignal;
}

/**
 * Handles one event. Resolving acks it; throwing (or rejecting) has it delivered again after a
 * backoff, before any later event of the subscription. Must be idempotent by `event.id`: an event can
 * arrive twice (a crash between the handler and the ack, or two processes of one table-bus consumer).
 */
export type EventHandler<T = unknown> = (event: BusEvent<T>, ctx: HandlerContext) => Promise<void> | void;

/** Options of {@link EventBus.subscribe}. */
export interface SubscribeOptions {
  /**
   * Where a consumer seen for the first time starts: every event still kept (`earliest`), or only
   * events published from now on (`latest`). A known consumer always resumes after its last ack.
   * @default 'earliest'
   */
  startAt?: 'earliest' | 'latest';
  /**
   * Deliveries of one event before the consumer gives up on it (reports `TRIGGERS_EVENT_GAVE_UP` to
   * `onError`, acks it and moves on). @default unlimited (a failing event holds the consumer up)
   */
  maxDeliveries?: number;
  /**
   * Told about every handler failure (with its event) and every backend failure the subscription
   * retries (without one). It must not throw. @default ignore
   */
  onError?: (error: unknown, event: BusEvent | undefined) => void;
}

/** An open subscription. */
export interface Subscription {
  readonly consumer: string;
  readonly topics: readonly string[];
  /**
   * Stops delivery and aborts the handler's signal. An event whose handler has not resolved is not
   * acked (as if the process died) and goes to the next subscriber of the consumer — on JetStream once
   * its ack wait (`NatsBusOptions.ackWaitMs`) has passed. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Publish and subscribe to durable topics.
 *
 * @example
 * const sub = await bus.subscribe('sensor:retrain', [TOPICS.mlDrift], async (e) => {
 *   await submitRetrain(e.payload, { idempotencyKey: `drift:${e.id}` });
 * });
 * await bus.publish(TOPICS.mlDrift, { model: 'recommender', statistic: 0.31 });
 * await sub.close();
 */
export interface EventBus {
  /** Which backend this is. */
  readonly kind: 'table' | 'nats';
  /**
   * Stores an event durably, then returns its id.
   * @throws TriggersError `TRIGGERS_TOPIC_INVALID`, `TRIGGERS_PAYLOAD_INVALID`, `TRIGGERS_CONFIG_INVALID`
   * (field `dedupeKey`), `TRIGGERS_BUS_UNAVAILABLE` (retryable), `TRIGGERS_BUS_CLOSED`
   */
  publish(topic: string, payload: unknown, options?: PublishOptions): Promise<Published>;
  /**
   * Delivers every event of `topics` to `handler`, one at a time in publish order, under the durable
   * name `consumer`: each consumer gets every event; what it acked survives restarts.
   * @throws TriggersError `TRIGGERS_CONSUMER_INVALID`, `TRIGGERS_TOPIC_INVALID`, `TRIGGERS_CONSUMER_BUSY`
   * (the consumer is already subscribed on this bus), `TRIGGERS_BUS_UNAVAILABLE`, `TRIGGERS_BUS_CLOSED`
   */
  subscribe<T = unknown>(
    consumer: string,
    topics: readonly string[],
    handler: EventHandler<T>,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /** Closes every subscription (as {@link Subscription.close}) and releases what the bus owns. Idempotent. */
  close(): Promise<void>;
}
