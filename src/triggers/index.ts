/**
 * Triggers: what starts pipeline runs without anyone typing — cron schedules (Argo CronWorkflow
 * semantics), sensors that turn events into runs (Argo Events Sensor semantics) and the record of
 * every decision they make — plus the event bus they speak on (the metadata database's event table,
 * or NATS JetStream) and the signed webhook that turns "new data is ready" into a `dataset.ready`
 * event. Triggers reach runs only through the {@link RunLauncher} port; an {@link EventBus} is a
 * {@link TriggerEventSource}. See ARCHITECTURE.md.
 *
 * @example
 * import { buildWebhookApp, DEFAULT_SENSORS, openEventBus, SensorService } from '../triggers/index.js';
 * const bus = await openEventBus({ db: mdb, natsUrl: config.natsUrl });
 * const sensors = new SensorService({ db: mdb, launcher, source: bus, sensors: DEFAULT_SENSORS });
 * await sensors.start();
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
  openEventBus,
  requireTopic,
  SOURCE_TOPIC_PREFIX,
  sourceTopic,
  TableBus,
  TOPICS,
} from './bus/index.js';
// Not through the bus door, so that importing the door does not load the NATS client.
export { NatsBus } from './bus/nats-bus.js';

export type {
  DecisionCount,
  DecisionOutcome,
  DecisionQuery,
  DecisionSource,
  NewDecision,
  TriggerDecision,
} from './decision-log.js';
export { DECISION_OUTCOMES, DecisionLog, RUN_OUTCOMES } from './decision-log.js';
export type { TriggersErrorCode } from './errors.js';
export { TRIGGERS_ERRORS, TriggersError } from './errors.js';
export { MemoryEventSource } from './memory-event-source.js';
export type { MemoryRun } from './memory-launcher.js';
export { MemoryRunLauncher } from './memory-launcher.js';
export type {
  ActiveRunQuery,
  EventSubscription,
  RunLauncher,
  RunOutcome,
  RunRequest,
  TriggerEvent,
  TriggerEventHandler,
  TriggerEventSource,
  TriggerKind,
  TriggerRef,
} from './ports.js';
export { TRIGGER_KINDS, TRIGGER_LABELS, triggerLabels } from './ports.js';
export { CronTimes } from './schedule/cron-times.js';
export type {
  CatchUpPolicy,
  ConcurrencyPolicy,
  ScheduleInput,
  ScheduleSpec,
} from './schedule/schedule-spec.js';
export { DEFAULT_SCHEDULES, parseSchedule, SCHEDULE_FIELDS } from './schedule/schedule-spec.js';
export type { ScheduleRecord } from './schedule/schedule-store.js';
export type { RunNowOptions, SchedulerOptions, ScheduleView } from './schedule/scheduler.js';
export { Scheduler } from './schedule/scheduler.js';
export type { SensorServiceOptions } from './sensor/sensor-service.js';
export { SensorService } from './sensor/sensor-service.js';
export type {
  ParameterSource,
  RateLimit,
  SensorCondition,
  SensorInput,
  SensorRule,
} from './sensor/sensor-spec.js';
export { DEFAULT_SENSORS, DRIFT_RATE_LIMIT, parseSensor } from './sensor/sensor-spec.js';
export type {
  DatasetReadyBody,
  DatasetReadyPayload,
  WebhookAppOptions,
  WebhookDeps,
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
