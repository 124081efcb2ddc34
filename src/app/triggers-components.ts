import type { Scheduler, SensorService, TriggerDecision } from '../triggers/index.js';
import type { App } from './app.js';
import { webhookSource } from './event-sources.js';
import type { Component } from './host.js';
import { localRunLauncher } from './run-launcher.js';

/** The hosted scheduler: cron schedules (the default `recommender-nightly` seeded) submitting runs. */
export interface SchedulerComponent extends Component {
  readonly scheduler: Scheduler | null;
}

/** Options shared by the trigger components. */
export interface TriggerComponentOptions {
  /** Wakes the hosted executor when a run was submitted (so it starts without waiting for a poll). */
  wake?: () => void;
  log?: (line: string) => void;
  /** Every final decision (metrics). */
  onDecision?: (decision: TriggerDecision) => void;
}

/**
 * The scheduler as a hosted component. On start it seeds the default schedules once (a user's edits
 * stay), catches up ticks missed while bookml was down per each schedule's policy, and arms its timers
 * on the app's clock.
 */
export function schedulerComponent(app: App, options: TriggerComponentOptions = {}): SchedulerComponent {
  let scheduler: Scheduler | null = null;
  return {
    name: 'scheduler',
    get scheduler() {
      return scheduler;
    },
    start: async () => {
      const [{ Scheduler }, db] = await Promise.all([import('../triggers/index.js'), app.stores.db()]);
      const s = new Scheduler({
        db,
        launcher: localRunLauncher(app, options.wake ? { wake: options.wake } : {}),
        clock: app.clock,
        ...(options.log ? { log: options.log } : {}),
        ...(options.onDecision ? { onDecision: options.onDecision } : {}),
      });
      await s.ensureDefaultSchedules();
      await s.start();
      scheduler = s;
    },
    stop: async () => {
      await scheduler?.stop();
    },
  };
}

/** The hosted sensors. */
export interface SensorsComponent extends Component {
  readonly sensors: SensorService | null;
}

/**
 * The sensors as a hosted component: the default rules (`dataset-ready` → a run on the new data, read
 * with the workspace's stored source mapping; `drift-retrain` → at most one retrain per model per 6
 * hours) over the app's event bus.
 */
export function sensorsComponent(app: App, options: TriggerComponentOptions = {}): SensorsComponent {
  let sensors: SensorService | null = null;
  return {
    name: 'sensors',
    get sensors() {
      return sensors;
    },
    start: async () => {
      const [{ DEFAULT_SENSORS, SensorService }, db, events] = await Promise.all([
        import('../triggers/index.js'),
        app.stores.db(),
        app.stores.bus(),
      ]);
      // A webhook names only the file: the stored source says how to read it.
      const reading = webhookSource(app.workspace);
      const rules = DEFAULT_SENSORS.map((s) =>
        s.name === 'dataset-ready' && reading !== undefined
          ? {
              ...s,
              parameters: {
                ...s.parameters,
                datasetMapping: { value: reading.map },
                datasetDateFormat: { value: reading.dateFormat },
              },
            }
          : s,
      );
      const s = new SensorService({
        db,
        launcher: localRunLauncher(app, options.wake ? { wake: options.wake } : {}),
        source: events,
        sensors: rules,
        clock: app.clock,
        ...(options.log ? { log: options.log } : {}),
        ...(options.onDecision ? { onDecision: options.onDecision } : {}),
      });
      await s.start();
      sensors = s;
    },
    stop: async () => {
      await sensors?.stop();
    },
  };
}
