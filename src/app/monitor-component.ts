import { join } from 'node:path';
import type { DriftMonitor } from '../monitor/index.js';
import type { App } from './app.js';
import type { Component } from './host.js';
import { openPredictionSource } from './prediction-log-target.js';

/** Window and timing settings of the hosted monitor (see `DriftMonitorOptions`). */
export interface MonitorComponentOptions {
  /** Time between passes, ms. @default 30000 */
  intervalMs?: number;
  /** Answers in each window (reference and test). @default 5000 */
  window?: number;
  /** After an event, drift is recorded but not published for this long, ms. @default 1 h */
  cooldownMs?: number;
  log?: (line: string) => void;
  /** Per-feature statistics and events for Prometheus (see `loopMetrics`). */
  metrics?: import('../monitor/index.js').MonitorMetrics;
}

/** The hosted drift monitor. */
export interface MonitorComponent extends Component {
  readonly monitor: DriftMonitor | null;
}

/**
 * The drift monitor as a hosted component: it reads serving's prediction log (the workspace folder, or
 * the database's table with `BOOKML_PREDICTIONS=database`), watches
 * the version `recommender@production` points at (its windows restart when production moves), and
 * publishes `ml.drift` on the app's event bus, where the `drift-retrain` sensor turns it into at most one
 * retrain per model per 6 hours. Its status is `<workspace>/monitor/status.json` (`bookml drift status`).
 */
export function monitorComponent(app: App, options: MonitorComponentOptions = {}): MonitorComponent {
  let monitor: DriftMonitor | null = null;
  const log = options.log ?? (() => {});
  return {
    name: 'monitor',
    get monitor() {
      return monitor;
    },
    start: async () => {
      const [{ DriftMonitor }, bus, registry, predictions] = await Promise.all([
        import('../monitor/index.js'),
        app.stores.bus(),
        app.stores.registry(),
        openPredictionSource(app),
      ]);
      const m = new DriftMonitor({
        predictionsDir: join(app.workspace.root, 'predictions'),
        ...(predictions === undefined ? {} : { predictions }),
        monitorDir: join(app.workspace.root, 'monitor'),
        clock: app.clock,
        production: {
          currentVersion: async () => {
            try {
              return String((await registry.resolveAlias('recommender', 'production')).version);
            } catch (e) {
              const code = (e as { code?: string }).code;
              if (code === 'REGISTRY_MODEL_NOT_FOUND' || code === 'REGISTRY_ALIAS_NOT_FOUND') return null;
              throw e;
            }
          },
        },
        publisher: { publish: (topic, payload, o) => bus.publish(topic, payload, o) },
        log: {
          info: (_obj, msg) => log(`monitor: ${msg}`),
          warn: (_obj, msg) => log(`monitor: ${msg}`),
        },
        ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
        ...(options.window === undefined
          ? {}
          : { referenceSize: options.window, testRecords: options.window, minWindow: options.window }),
        ...(options.cooldownMs === undefined ? {} : { cooldownMs: options.cooldownMs }),
        ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
      });
      await m.start();
      monitor = m;
    },
    stop: async () => {
      await monitor?.stop();
    },
  };
}
