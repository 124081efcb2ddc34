/**
 * Triggers: what starts pipeline runs without anyone typing — cron schedules (Argo CronWorkflow
 * semantics) and sensors that turn events into runs (Argo Events Sensor semantics) — and the record of
 * every decision they make, with its reason. They reach runs and events only through the ports
 * {@link RunLauncher} and {@link TriggerEventSource}, which the composition root implements. See
 * ARCHITECTURE.md.
 *
 * @example
 * import { DEFAULT_SENSORS, Scheduler, SensorService } from '../triggers/index.js';
 * const scheduler = new Scheduler({ db: mdb, launcher });
 * await scheduler.ensureDefaultSchedules();
 * const sensors = new SensorService({ db: mdb, launcher, source: bus, sensors: DEFAULT_SENSORS });
 * await scheduler.start(); await sensors.start();
 */

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
