import type { Clock } from '../../core/index.js';
import type { DbHandle } from '../../store/index.js';
import { DecisionLog, type DecisionQuery, type NewDecision, type TriggerDecision } from '../decision-log.js';
import { TriggersError } from '../errors.js';
import { carryOut } from '../plan-runner.js';
import {
  type EventSubscription,
  type RunLauncher,
  type RunRequest,
  TRIGGER_LABELS,
  type TriggerEvent,
  type TriggerEventSource,
  type TriggerRef,
  triggerLabels,
} from '../ports.js';
import { formatSpan, isoTime } from '../spans.js';
import {
  bucketKey,
  checkFilter,
  mapParameters,
  parametersKey,
  showParameters,
  strictKey,
} from './event-fields.js';
import { parseSensor, type SensorInput, type SensorRule } from './sensor-spec.js';

/** Options of {@link SensorService}. */
export interface SensorServiceOptions {
  /** The metadata database (or a handle of it), where decisions are recorded. */
  db: DbHandle;
  launcher: RunLauncher;
  /** Where events come from: the event bus (table or NATS). */
  source: TriggerEventSource;
  /** The rules; names must be unique. */
  sensors: readonly SensorInput[];
  /** Judges rate limits and dedupe windows. @default db.clock */
  clock?: Clock;
  /** Consumer name of a sensor on the source: `<prefix><sensor name>`. @default 'sensor:' */
  consumerPrefix?: string;
  /** Where the service reports failed submissions. @default nowhere */
  log?: (line: string) => void;
  /** Told every decision once it is final (for metrics: decisions by outcome). Must not throw. @default nothing */
  onDecision?: (decision: TriggerDecision) => void;
}

/**
 * Turns events into pipeline runs by rules (Argo Events Sensor semantics). Each sensor subscribes to
 * its topics under its own consumer name; every event it gets is decided once and recorded with its
 * reason, in this order:
 * `filtered` (a condition fails) → `failed` (a mapped field is missing) → `deduplicated` (same dedupe key
 * as an event that started a run) → `rate-limited` (the window is full; the event is dropped, not
 * delayed as Argo's leaky bucket would) → `suppressed` (`suppressWhileActive` and a run of the pipeline is
 * active) → `forbidden` (Forbid and a run of this sensor is active) → `replaced` (Replace stopped this
 * sensor's active runs) or `fired`.
 *
 * Idempotent by event id: a redelivered event records nothing new and starts no second run. A decision
 * that starts a run is recorded before the run is submitted (with idempotency key
 * `sensor:<name>:<event id>`), so a crash in between is finished, not repeated, on redelivery or restart.
 *
 * @example
 * const sensors = new SensorService({ db: mdb, launcher, source: bus, sensors: DEFAULT_SENSORS });
 * await sensors.start();
 * const recent = await sensors.decisions({ outcome: 'rate-limited' });
 * await sensors.stop();
 */
export class SensorService {
  /** The component name the host logs. */
  readonly name = 'sensors';
  readonly #launcher: RunLauncher;
  readonly #source: TriggerEventSource;
  readonly #clock: Clock;
  readonly #prefix: string;
  readonly #log: (line: string) => void;
  readonly #onDecision: (decision: TriggerDecision) => void;
  readonly #decisions: DecisionLog;
  readonly #rules = new Map<string, SensorRule>();
  readonly #chains = new Map<string, Promise<unknown>>();
  #subscriptions: EventSubscription[] = [];

  /** @throws TriggersError `TRIGGERS_SENSOR_INVALID` for a bad rule or a name used twice */
  constructor(options: SensorServiceOptions) {
    this.#launcher = options.launcher;
    this.#source = options.source;
    this.#clock = options.clock ?? options.db.clock;
    this.#prefix = options.consumerPrefix ?? 'sensor:';
    this.#log = options.log ?? (() => {});
    this.#onDecision = options.onDecision ?? (() => {});
    this.#decisions = new DecisionLog(options.db);
    for (const input of options.sensors) {
      const rule = parseSensor(input);
      if (this.#rules.has(rule.name)) {
        throw new TriggersError(
          'TRIGGERS_SENSOR_INVALID',
          `two sensors are named "${rule.name}"; names must be unique`,
          {
            field: 'name',
          },
        );
      }
      this.#rules.set(rule.name, rule);
    }
  }

  /** The rules, with their defaults filled. */
  rules(): SensorRule[] {
    return [...this.#rules.values()];
  }

  /** Finishes plans a crash left behind, then subscribes every sensor to its topics. Idempotent. */
  async start(): Promise<void> {
    if (this.#subscriptions.length > 0) return;
    for (const d of await this.#decisions.incomplete('sensor')) {
      if (!this.#rules.has(d.trigger)) continue;
      // A plan that cannot be carried out yet is tried again when its event is redelivered.
      await this.#serial(d.trigger, () => this.#finish(d)).catch((e) =>
        this.#log(`sensor ${d.trigger}: replaying event ${d.key} failed: ${(e as Error).message}`),
      );
    }
    try {
      for (const rule of this.#rules.values()) {
        const sub = await this.#source.subscribe(
          `${this.#prefix}${rule.name}`,
          rule.topics,
          async (event) => {
            await this.handle(rule.name, event);
          },
        );
        this.#subscriptions.push(sub);
      }
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Closes the subscriptions and waits for events being handled. Idempotent. */
  async stop(): Promise<void> {
    const subs = this.#subscriptions;
    this.#subscriptions = [];
    await Promise.all(subs.map(async (s) => s.close()));
    await Promise.all([...this.#chains.values()].map((c) => c.catch(() => {})));
  }

  /**
   * Decides one event for one sensor, records the decision and starts the run it calls for — what each
   * subscription does with a delivered event. Returns the decision (the first one, for an event seen
   * before). Rejects, recording nothing, when a store or the launcher fails in a way worth retrying, so the
   * source delivers the event again.
   * @throws TriggersError `TRIGGERS_SENSOR_INVALID` for an unknown sensor name
   */
  async handle(sensor: string, event: TriggerEvent): Promise<TriggerDecision> {
    const rule = this.#rules.get(sensor);
    if (rule === undefined) {
      throw new TriggersError('TRIGGERS_SENSOR_INVALID', `no sensor named "${sensor}"`, { field: 'sensor' });
    }
    return this.#serial(sensor, async () => {
      const key = String(event.id);
      const seen = await this.#decisions.get('sensor', rule.name, key);
      if (seen !== undefined) return seen.completedAt === null ? this.#finish(seen) : seen;
      const decision = await this.#evaluate(rule, event, key);
      const claimed = await this.#decisions.claim(decision);
      if (claimed === undefined) {
        // Another process decided the same event in between (two subscribers of one consumer).
        return (await this.#decisions.get('sensor', rule.name, key)) as TriggerDecision;
      }
      if (claimed.completedAt === null) return this.#finish(claimed);
      this.#onDecision(claimed);
      return claimed;
    });
  }

  /** Recorded sensor decisions, newest first (`bookml events list`). */
  async decisions(query: Omit<DecisionQuery, 'source'> = {}): Promise<TriggerDecision[]> {
    return this.#decisions.list({ ...query, source: 'sensor' });
  }

  /** Events of one sensor never interleave: rate limits and dedupe see every earlier decision. */
  #serial<T>(sensor: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#chains.get(sensor) ?? Promise.resolve();
    const next = before.then(fn, fn);
    this.#chains.set(
      sensor,
      next.catch(() => {}),
    );
    return next;
  }

  async #evaluate(rule: SensorRule, event: TriggerEvent, key: string): Promise<NewDecision> {
    const now = this.#clock.now();
    const what = `event ${key} on ${event.topic}`;
    const base = {
      source: 'sensor',
      trigger: rule.name,
      key,
      eventId: key,
      topic: event.topic,
      pipeline: rule.pipeline,
    } as const;

    if (!rule.topics.includes(event.topic)) {
      return {
        ...base,
        outcome: 'filtered',
        reason: `${what}: topic is not one of ${rule.topics.join(', ')}`,
      };
    }
    const miss = checkFilter(rule.filter, event.payload);
    if (miss !== undefined) return { ...base, outcome: 'filtered', reason: `${what}: ${miss}` };

    const mapped = mapParameters(rule.parameters, event.payload);
    if (!mapped.ok) {
      return {
        ...base,
        outcome: 'failed',
        reason: `${what}: parameter ${mapped.parameter} comes from ${mapped.path}, which the event lacks (give it a default to run without)`,
      };
    }
    const parameters = mapped.parameters;

    const dedupeKey = this.#dedupeKey(rule, event.payload, parameters);
    const rateKey = rule.rateLimit === null ? undefined : bucketKey(rule.rateLimit.key, event.payload);
    const keys = {
      ...(dedupeKey === undefined ? {} : { dedupeKey }),
      ...(rateKey === undefined ? {} : { rateKey }),
    };

    if (dedupeKey !== undefined) {
      const windowMs = rule.dedupeWindowSeconds === undefined ? undefined : rule.dedupeWindowSeconds * 1000;
      const prev = await this.#decisions.lastWithDedupeKey(
        'sensor',
        rule.name,
        dedupeKey,
        windowMs === undefined ? 0 : now - windowMs,
      );
      if (prev !== undefined) {
        const within = windowMs === undefined ? '' : ` within ${formatSpan(windowMs)}`;
        const run = prev.runId === null ? '' : ` (run ${prev.runId})`;
        return {
          ...base,
          ...keys,
          outcome: 'deduplicated',
          reason: `${what}: same ${dedupeKey} as event ${prev.eventId}${run} at ${isoTime(prev.createdAt)}${within}`,
        };
      }
    }

    if (rule.rateLimit !== null && rateKey !== undefined) {
      const { max, perSeconds } = rule.rateLimit;
      const windowMs = perSeconds * 1000;
      const times = await this.#decisions.runTimesWithRateKey('sensor', rule.name, rateKey, now - windowMs);
      if (times.length >= max) {
        const nextAt = times[times.length - max] + windowMs;
        return {
          ...base,
          ...keys,
          outcome: 'rate-limited',
          reason: `${what}: ${times.length} run(s) for ${rateKey} in the last ${formatSpan(windowMs)} (limit ${max} per ${formatSpan(windowMs)}); next allowed after ${isoTime(nextAt)}`,
        };
      }
    }

    if (rule.suppressWhileActive) {
      const active = await this.#launcher.active({ pipeline: rule.pipeline });
      if (active.length > 0) {
        return {
          ...base,
          ...keys,
          outcome: 'suppressed',
          reason: `${what}: ${runList(active)} of ${rule.pipeline} active (suppressWhileActive)`,
        };
      }
    }

    const own =
      rule.policy === 'Allow'
        ? []
        : await this.#launcher.active({
            pipeline: rule.pipeline,
            labels: { [TRIGGER_LABELS.sensor]: rule.name },
          });
    if (own.length > 0 && rule.policy === 'Forbid') {
      return {
        ...base,
        ...keys,
        outcome: 'forbidden',
        reason: `${what}: ${runList(own)} of this sensor still active (policy Forbid)`,
      };
    }
    const replacing = own.length > 0;
    const shown = showParameters(parameters);
    const reason =
      `${what}${shown === '' ? '' : `: ${shown}`}` +
      (replacing ? `; stopping ${runList(own)} first (policy Replace)` : '');
    const trigger: TriggerRef = {
      kind: rule.kind,
      name: rule.name,
      eventId: key,
      reason: `sensor ${rule.name}: ${reason}`,
    };
    const request: RunRequest = {
      pipeline: rule.pipeline,
      parameters,
      labels: { ...rule.labels, ...triggerLabels(trigger, 'sensor') },
      trigger,
      idempotencyKey: `sensor:${rule.name}:${key}`,
    };
    return {
      ...base,
      ...keys,
      outcome: replacing ? 'replaced' : 'fired',
      reason,
      request,
      ...(replacing ? { stoppedRunIds: own } : {}),
    };
  }

  #dedupeKey(rule: SensorRule, payload: unknown, parameters: Record<string, unknown>): string | undefined {
    if (rule.dedupeBy !== undefined) return strictKey(rule.dedupeBy, payload);
    if (rule.dedupeWindowSeconds !== undefined) return parametersKey(parameters);
    return undefined;
  }

  async #finish(d: TriggerDecision): Promise<TriggerDecision> {
    const done = await carryOut(this.#decisions, this.#launcher, d);
    if (done.outcome === 'failed') this.#log(`sensor ${d.trigger}: ${done.reason}`);
    this.#onDecision(done);
    return done;
  }
}

function runList(ids: readonly string[]): string {
  return ids.length === 1 ? `run ${ids[0]}` : `runs ${ids.join(', ')}`;
}
