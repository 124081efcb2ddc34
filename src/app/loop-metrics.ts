import { Counter, Gauge, Registry } from 'prom-client';
import type { MonitorMetrics } from '../monitor/index.js';
import type { Scheduler, TriggerDecision } from '../triggers/index.js';

/**
 * The loop's Prometheus metrics, in one registry the control plane's `/metrics` appends: the drift
 * monitor's per-feature KS statistic and p-value and its events, every trigger decision by outcome, and
 * each schedule's next run. Counted in the process that hosts the loop (`bookml up`).
 */
export interface LoopMetrics {
  readonly registry: Registry;
  /** Handed to the drift monitor. */
  readonly monitor: MonitorMetrics;
  /** Handed to the scheduler and the sensors (`onDecision`). */
  onDecision(decision: TriggerDecision): void;
  /** The scheduler whose next runs the gauge reads at scrape time. */
  watchScheduler(scheduler: Scheduler): void;
}

/**
 * @example
 * const loop = await loopMetrics();
 * schedulerComponent(app, { onDecision: loop.onDecision });
 */
export async function loopMetrics(): Promise<LoopMetrics> {
  const { monitorMetrics } = await import('../monitor/index.js');
  const registry = new Registry();
  const registers = [registry];
  const decisions = new Counter({
    name: 'bookml_trigger_decisions_total',
    help: 'Decisions of the scheduler and the sensors, by trigger and outcome (fired, rate-limited, deduplicated, …).',
    labelNames: ['source', 'trigger', 'outcome'],
    registers,
  });
  let scheduler: Scheduler | undefined;
  new Gauge({
    name: 'bookml_schedule_next_run_timestamp_seconds',
    help: 'When each schedule next submits a run (Unix seconds); absent while suspended.',
    labelNames: ['schedule'],
    registers,
    collect() {
      this.reset();
      if (scheduler === undefined) return;
      for (const name of scheduler.scheduleNames()) {
        const next = scheduler.nextRun(name);
        if (next !== undefined) this.set({ schedule: name }, next / 1000);
      }
    },
  });
  return {
    registry,
    monitor: monitorMetrics(registry),
    onDecision: (d) => decisions.inc({ source: d.source, trigger: d.trigger, outcome: d.outcome }),
    watchScheduler: (s) => {
      scheduler = s;
    },
  };
}
