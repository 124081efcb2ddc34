/**
 * The event bus: durable topics with at-least-once, in-order delivery to named consumers. The
 * metadata database's event table by default (`TableBus`), NATS JetStream when configured
 * (`NatsBus`, loaded only when configured); `openEventBus` picks one. Both keep one contract (`bus.contract.ts`).
 *
 * @example
 * const bus = await openEventBus({ db: mdb, natsUrl: config.natsUrl });
 * await bus.subscribe('sensor:dataset', [TOPICS.datasetReady], async (e) => { await onDataset(e); });
 * const { id } = await bus.publish(TOPICS.datasetReady, { dataset_uri: 'file:///data/orders.csv' });
 * await bus.close();
 */

export type {
  BusEvent,
  EventBus,
  EventHandler,
  HandlerContext,
  Published,
  PublishOptions,
  SubscribeOptions,
  Subscription,
} from './event-bus.js';
export type { NatsBusOptions } from './nats-bus.js';
export type { OpenEventBusOptions } from './open-event-bus.js';
export { openEventBus } from './open-event-bus.js';
export type { TableBusOptions } from './table-bus.js';
export { TableBus } from './table-bus.js';
export type { Topic } from './topics.js';
export { isValidSource, requireTopic, SOURCE_TOPIC_PREFIX, sourceTopic, TOPICS } from './topics.js';
