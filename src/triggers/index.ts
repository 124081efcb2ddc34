/**
 * Triggers: what makes the loop run without anyone typing — the event bus every trigger speaks on
 * (the metadata database's event table, or NATS JetStream), and the signed webhook that turns a
 * sender's "new data is ready" into a `dataset.ready` event. See ARCHITECTURE.md.
 *
 * @example
 * import { buildWebhookApp, openEventBus, TOPICS } from '../triggers/index.js';
 * const bus = await openEventBus({ db: mdb, natsUrl: config.natsUrl });
 * await bus.subscribe('sensor:dataset', [TOPICS.datasetReady], async (e) => { await onDataset(e); });
 * const webhook = buildWebhookApp({ bus, db: mdb, secret });
 */

export type {
  BusEvent,
  EventBus,
  EventHandler,
  HandlerContext,
  NatsBusOptions,
  OpenEventBusOptions,
  Published,
  PublishOptions,
  SubscribeOptions,
  Subscription,
  TableBusOptions,
  Topic,
} from './bus/index.js';
export {
  isValidSource,
  NatsBus,
  openEventBus,
  requireTopic,
  SOURCE_TOPIC_PREFIX,
  sourceTopic,
  TableBus,
  TOPICS,
} from './bus/index.js';
export type { TriggersErrorCode } from './errors.js';
export { TRIGGERS_ERRORS, TriggersError } from './errors.js';
export type {
  DatasetReadyBody,
  DatasetReadyPayload,
  WebhookAppOptions,
  WebhookDeps,
  WebhookErrorBody,
  WebhookSecret,
} from './webhook/index.js';
export {
  buildWebhookApp,
  datasetPath,
  loadOrCreateWebhookSecret,
  SIGNATURE_HEADER,
  signedWebhookHeaders,
  signWebhook,
  TIMESTAMP_HEADER,
  webhookRoutes,
} from './webhook/index.js';
