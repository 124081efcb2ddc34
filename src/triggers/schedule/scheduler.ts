import { randomUUID } from 'node:crypto';
import type { Clock, Timer } from '../../core/index.js';
import { type DbHandle, withTransaction } from '../../store/index.js';
import {
  DecisionLog,
  type DecisionOutcome,
  type NewDecision,
  type TriggerDecision,
} from '../decision-log.js';
import { carryOut } from '../plan-runner.js';
import {
  type RunLauncher,
  type RunRequest,
  TRIGGER_LABELS,
  type TriggerRef,
  triggerLabels,
} from '../ports.js';
import { formatSpan, isoTime } from '../spans.js';
import { CronTimes } from './cron-times.js';
import { pruneHistory, SKIPPED_TICKS_KEPT } from './run-history.js';
import { DEFAULT_SCHEDULES, parseSchedule, type ScheduleInput } from './schedule-spec.js';
import { type ScheduleRecord, ScheduleStore } from './schedule-store.js';
import { planDueTicks } from './tick-plan.js';

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  /** The metadata database (or a handle of it). */
  db: DbHandle;
  launcher: RunLauncher;
  /** Arms the tick timers and stamps decisions. @default db.clock */
  clock?: Clock;
  /**
   * How often schedules are re-read, so changes made by another process (`bookml schedule add` against
   * the database) and plans left by a crash are picked up, in ms. @default 60_000
   */
  refreshIntervalMs?: number;
  /** A tick handled at most this late still counts as on time, in ms. @default 60_000 */
  onTimeToleranceMs?: number;
  /** Where the scheduler reports what it could not do (a tick that failed and will be retried). @default nowhere */
  log?: (line: string) => void;
  /** Told every decision once it is final (for metrics: decisions by outcome). Must not throw. @default nothing */
  onDecision?: (decision: TriggerDecision) => void;
}

/** A schedule with its next tick, as `bookml schedule list` shows it. */
export interface ScheduleView extends ScheduleRecord {
  /** The next tick (epoch ms); undefined while suspended or when the expression never fires again. */
  readonly nextRunAt: number | undefined;
}

/** Options of {@link Scheduler.runNow}. */
export interface RunNowOptions {
  /** Makes the call idempotent: the same id again returns the first decision. @default a fresh UUID */
  requestId?: string;
  /** Who asked, for the run's reason. @default 'manual' */
  actor?: string;
}

const RETRY_MS = 5_000;
// Node's timers overflow past 2^31 ms (~24.8 days) and fire at once; a yearly schedule wakes daily instead.
const MAX_TIMER_MS = 24 * 3_600_000;

/**
 * Runs pipelines on cron schedules (Argo CronWorkflow semantics, on the injected clock). For every
 * schedule that is not suspended it arms one timer for the next tick. A tick applies the concurrency
 * policy (Forbid: skip and record while a run of the schedule is active; Replace: stop those runs, then
 * submit; Allow: submit) and records its decision with a reason. At start, and whenever a timer fires
 * late, the ticks missed since the schedule's cursor are caught up per `catchUp` inside the starting
 * deadline and recorded as missed outside it. History limits prune old runs after each tick.
 *
 * Every decision that starts a run is recorded (and the cursor moved) in one transaction *before* the
 * run is submitted, with an idempotency key per tick: a crash in between is replayed at the next start
 * and never makes a second run. One scheduler per workspace is assumed.
 *
 * @example
 * const scheduler = new Scheduler({ db: mdb, launcher });
 * await scheduler.ensureDefaultSchedules();   // recommender-nightly, 02:00 UTC
 * await scheduler.start();
 * scheduler.nextRun('recommender-nightly');   // epoch ms of the next 02:00 UTC
 * await scheduler.stop();
 */
export class Scheduler {
  /** The component name the host logs. */
  readonly name = 'scheduler';
  readonly #db: DbHandle;
  readonly #launcher: RunLauncher;
  readonly #clock: Clock;
  readonly #refreshMs: number;
  readonly #toleranceMs: number;
  readonly #log: (line: string) => void;
  readonly #onDecision: (decision: TriggerDecision) => void;
  readonly #store: ScheduleStore;
  readonly #decisions: DecisionLog;
  readonly #cache = new Map<string, ScheduleRecord>();
  readonly #timers = new Map<string, Timer>();
  readonly #times = new Map<string, CronTimes>();
  #refresh: Timer | undefined;
  #running = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: SchedulerOptions) {
    this.#db = options.db;
    this.#launcher = options.launcher;
    this.#clock = options.clock ?? options.db.clock;
    this.#refreshMs = options.refreshIntervalMs ?? 60_000;
    this.#toleranceMs = options.onTimeToleranceMs ?? 60_000;
    this.#log = options.log ?? (() => {});
    this.#onDecision = options.onDecision ?? (() => {});
    this.#store = new ScheduleStore(this.#db);
    this.#decisions = new DecisionLog(this.#db);
  }

  /**
   * Replays plans a crash left behind, catches up missed ticks, and arms a timer per schedule.
   * Idempotent.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      await this.#serial(() => this.#sync());
    } catch (e) {
      await this.stop();
      throw e;
    }
    this.#refresh = this.#clock.setInterval(
      () =>
        void this.#serial(() => this.#sync()).catch((e) =>
          this.#log(`scheduler refresh failed: ${message(e)}`),
        ),
      this.#refreshMs,
      { unref: true },
    );
  }

  /** Disarms every timer and waits for a tick in progress. Idempotent. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#refresh?.cancel();
    this.#refresh = undefined;
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
    await this.#queue.catch(() => {});
  }

  /**
   * Adds the {@link DEFAULT_SCHEDULES} (or `defaults`) that are missing; existing ones, suspended or
   * edited, are left alone. Returns the names added.
   */
  async ensureDefaultSchedules(defaults: readonly ScheduleInput[] = DEFAULT_SCHEDULES): Promise<string[]> {
    const specs = defaults.map((d) => parseSchedule(d));
    return this.#serial(async () => {
      const added: string[] = [];
      for (const spec of specs) if (await this.#store.createIfMissing(spec)) added.push(spec.name);
      for (const name of added) this.#remember(await this.#store.require(name));
      return added;
    });
  }

  /**
   * Adds a schedule; its first tick is the first cron time after now.
   * @throws TriggersError `TRIGGERS_SCHEDULE_INVALID`, `TRIGGERS_SCHEDULE_EXISTS`
   */
  async add(input: ScheduleInput): Promise<ScheduleView> {
    const spec = parseSchedule(input);
    return this.#serial(async () => this.#view(this.#remember(await this.#store.create(spec))));
  }

  /**
   * Changes some fields of a schedule. A new cron expression or time zone starts counting from now:
   * earlier times of the new expression are not missed ticks.
   * @throws TriggersError `TRIGGERS_SCHEDULE_NOT_FOUND`, `TRIGGERS_SCHEDULE_INVALID`
   */
  async update(name: string, patch: Partial<Omit<ScheduleInput, 'name'>>): Promise<ScheduleView> {
    return this.#serial(async () => {
      const current = await this.#store.require(name);
      const { cursorAt: _c, lastScheduledAt: _l, createdAt: _a, updatedAt: _u, ...spec } = current;
      const next = parseSchedule({ ...spec, ...patch, name });
      const retimed = next.cron !== current.cron || next.timezone !== current.timezone;
      const saved = await this.#store.update(name, next, retimed ? this.#clock.now() : undefined);
      return this.#view(this.#remember(saved));
    });
  }

  /** Deletes a schedule (its recorded decisions stay). @throws TriggersError `TRIGGERS_SCHEDULE_NOT_FOUND` */
  async remove(name: string): Promise<void> {
    await this.#serial(async () => {
      await this.#store.require(name);
      await this.#store.remove(name);
      this.#forget(name);
    });
  }

  /** Stops ticking a schedule (Argo `suspend: true`). @throws TriggersError `TRIGGERS_SCHEDULE_NOT_FOUND` */
  async suspend(name: string): Promise<ScheduleView> {
    return this.#serial(async () => this.#view(this.#remember(await this.#store.setSuspended(name, true))));
  }

  /**
   * Ticks a suspended schedule again from now on; ticks that fell while it was suspended are not caught up.
   * @throws TriggersError `TRIGGERS_SCHEDULE_NOT_FOUND`
   */
  async resume(name: string): Promise<ScheduleView> {
    return this.#serial(async () => this.#view(this.#remember(await this.#store.setSuspended(name, false))));
  }

  /**
   * Submits a run of the schedule now (`bookml schedule run`), under its concurrency policy, recorded
   * as a `manual` decision (or `skipped-forbid`). Works on a suspended schedule and whether or not the
   * scheduler is started.
   * @throws TriggersError `TRIGGERS_SCHEDULE_NOT_FOUND`
   */
  async runNow(name: string, options: RunNowOptions = {}): Promise<TriggerDecision> {
    const requestId = options.requestId ?? randomUUID();
    return this.#serial(async () => {
      const s = await this.#store.require(name);
      const key = `manual:${requestId}`;
      const existing = await this.#decisions.get('schedule', name, key);
      if (existing !== undefined) return existing;
      const trigger: TriggerRef = {
        kind: 'manual',
        name,
        reason: `run now of schedule ${name} by ${options.actor ?? 'manual'}`,
      };
      return this.#decide(s, key, this.#clock.now(), trigger, 'manual', false);
    });
  }

  /** One schedule with its next tick. @throws TriggersError `TRIGGERS_SCHEDULE_NOT_FOUND` */
  async get(name: string): Promise<ScheduleView> {
    return this.#view(this.#remember(await this.#store.require(name)));
  }

  /** Every schedule with its next tick, by name. */
  async list(): Promise<ScheduleView[]> {
    const all = await this.#store.list();
    return all.map((s) => this.#view(s));
  }

  /**
   * The next tick of a schedule as this scheduler last saw it (epoch ms), without a database read — for
   * a Prometheus gauge. Undefined for a suspended or unknown schedule.
   */
  nextRun(name: string): number | undefined {
    const s = this.#cache.get(name);
    return s === undefined ? undefined : this.#nextOf(s);
  }

  /** The names {@link nextRun} knows, for a gauge's label values. */
  scheduleNames(): string[] {
    return [...this.#cache.keys()].sort();
  }

  /** A schedule's recorded decisions, newest first. */
  async history(name: string, limit = 20): Promise<TriggerDecision[]> {
    return this.#decisions.list({ source: 'schedule', trigger: name, limit });
  }

  /**
   * Resolves once every tick, edit and refresh queued so far has finished. Tests await it after
   * advancing a ManualClock, since a tick's database work is not timer work.
   * @internal
   */
  async idle(): Promise<void> {
    for (let q = this.#queue; ; q = this.#queue) {
      await q;
      if (q === this.#queue) return;
    }
  }

  // ——— ticking ———

  /** Runs `fn` after everything queued before it: ticks, edits and refreshes never interleave. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => {});
    return next;
  }

  async #sync(): Promise<void> {
    // One schedule's trouble (a launcher refusing for now) must not hold up the others: each is
    // logged and tried again at the next refresh.
    for (const d of await this.#decisions.incomplete('schedule')) {
      await this.#finish(d).catch((e) =>
        this.#log(`schedule ${d.trigger}: replaying ${d.key} failed: ${message(e)}`),
      );
    }
    const all = await this.#store.list();
    const names = new Set(all.map((s) => s.name));
    for (const name of [...this.#cache.keys()]) if (!names.has(name)) this.#forget(name);
    for (const s of all) {
      this.#remember(s);
      await this.#due(s.name).catch((e) => this.#log(`schedule ${s.name}: ${message(e)}`));
    }
  }

  async #onTimer(name: string): Promise<void> {
    if (!this.#running) return;
    try {
      await this.#due(name);
    } catch (e) {
      this.#log(`schedule ${name}: tick failed, retrying in ${formatSpan(RETRY_MS)}: ${message(e)}`);
      if (this.#running) this.#setTimer(name, RETRY_MS);
    }
  }

  /** Decides every tick of `name` that fell due since its cursor, prunes its history, re-arms its timer. */
  async #due(name: string): Promise<void> {
    const s = await this.#store.get(name);
    if (s === undefined) {
      this.#forget(name);
      return;
    }
    this.#remember(s);
    if (s.suspended) return;
    const now = this.#clock.now();
    const times = this.#timesOf(s);
    const first = times.next(s.cursorAt);
    if (first === undefined || first > now) return;
    const ticks = times.between(s.cursorAt, now, Math.max(SKIPPED_TICKS_KEPT, s.catchUpCap) + 1);
    const actions = planDueTicks({
      ticks,
      now,
      startingDeadlineSeconds: s.startingDeadlineSeconds,
      catchUp: s.catchUp,
      catchUpCap: s.catchUpCap,
      onTimeToleranceMs: this.#toleranceMs,
    });
    for (const a of actions) {
      if (a.kind === 'run') {
        const late = a.late ? `, caught up ${formatSpan(now - a.at)} late` : '';
        const trigger: TriggerRef = {
          kind: 'schedule',
          name: s.name,
          reason: `cron "${s.cron}" (${s.timezone}) tick at ${isoTime(a.at)}${late}`,
        };
        await this.#decide(s, `tick:${a.at}`, a.at, trigger, a.late ? 'caught-up' : 'fired', true);
      } else {
        const at = a.kind === 'skip' ? a.at : a.to;
        await this.#claim(
          {
            ...this.#base(s, a.kind === 'skip' ? `tick:${a.at}` : `missed:${a.from}-${a.to}`, at),
            outcome: a.outcome,
            reason: a.reason,
          },
          true,
        );
      }
    }
    const result = await pruneHistory(this.#decisions, this.#launcher, s, (runId, e) =>
      this.#log(`schedule ${s.name}: could not prune run ${runId}: ${message(e)}`),
    );
    if (result.prunedRunIds.length > 0) {
      this.#log(
        `schedule ${s.name}: pruned ${result.prunedRunIds.length} old run(s) beyond its history limits`,
      );
    }
    this.#remember((await this.#store.get(name)) ?? s);
  }

  /**
   * Applies the concurrency policy to one tick (or `run now`) and records the decision; a decision that
   * starts a run is recorded first, then carried out.
   */
  async #decide(
    s: ScheduleRecord,
    key: string,
    at: number,
    trigger: TriggerRef,
    runOutcome: DecisionOutcome,
    advancesCursor: boolean,
  ): Promise<TriggerDecision> {
    const active = await this.#launcher.active({
      pipeline: s.pipeline,
      labels: { [TRIGGER_LABELS.schedule]: s.name },
    });
    const base = this.#base(s, key, at);
    if (active.length > 0 && s.concurrencyPolicy === 'Forbid') {
      const reason = `${trigger.reason}: skipped, ${runList(active)} still active (concurrencyPolicy Forbid)`;
      const d = await this.#claim({ ...base, outcome: 'skipped-forbid', reason }, advancesCursor);
      return d ?? this.#existing(s.name, key);
    }
    const replacing = active.length > 0 && s.concurrencyPolicy === 'Replace';
    const reason = replacing
      ? `${trigger.reason}; stopping ${runList(active)} first (concurrencyPolicy Replace)`
      : trigger.reason;
    const request: RunRequest = {
      pipeline: s.pipeline,
      parameters: s.parameters as Record<string, unknown>,
      labels: triggerLabels({ ...trigger, reason }, 'schedule', at),
      trigger: { ...trigger, reason },
      idempotencyKey: `schedule:${s.name}:${key}`,
    };
    const outcome = replacing && runOutcome === 'fired' ? 'replaced' : runOutcome;
    const planned = await this.#claim(
      { ...base, outcome, reason, request, ...(replacing ? { stoppedRunIds: active } : {}) },
      advancesCursor,
    );
    if (planned === undefined) return this.#existing(s.name, key);
    return this.#finish(planned);
  }

  /** Records a decision and, for a cron tick, moves the cursor past it — both or neither. */
  async #claim(d: NewDecision, advancesCursor: boolean): Promise<TriggerDecision | undefined> {
    return withTransaction(this.#db, async (tx) => {
      const claimed = await new DecisionLog(tx).claim(d);
      if (claimed !== undefined && advancesCursor && d.scheduledAt !== undefined) {
        await new ScheduleStore(tx).advanceCursor(d.trigger, d.scheduledAt, d.request !== undefined);
      }
      return claimed;
    }).then((claimed) => {
      if (claimed?.completedAt != null) this.#onDecision(claimed);
      return claimed;
    });
  }

  async #finish(d: TriggerDecision): Promise<TriggerDecision> {
    const done = await carryOut(this.#decisions, this.#launcher, d);
    if (done.outcome === 'failed') this.#log(`schedule ${d.trigger}: ${done.reason}`);
    this.#onDecision(done);
    return done;
  }

  async #existing(name: string, key: string): Promise<TriggerDecision> {
    const d = await this.#decisions.get('schedule', name, key);
    if (d === undefined) throw new Error(`decision ${key} of schedule ${name} vanished while being recorded`);
    return d;
  }

  #base(s: ScheduleRecord, key: string, at: number) {
    return { source: 'schedule', trigger: s.name, key, pipeline: s.pipeline, scheduledAt: at } as const;
  }

  // ——— cache and timers ———

  #remember(s: ScheduleRecord): ScheduleRecord {
    this.#cache.set(s.name, s);
    this.#arm(s);
    return s;
  }

  #forget(name: string): void {
    this.#cache.delete(name);
    this.#times.delete(name);
    this.#timers.get(name)?.cancel();
    this.#timers.delete(name);
  }

  #arm(s: ScheduleRecord): void {
    this.#timers.get(s.name)?.cancel();
    this.#timers.delete(s.name);
    if (!this.#running || s.suspended) return;
    const next = this.#nextOf(s);
    if (next === undefined) return;
    this.#setTimer(s.name, Math.min(MAX_TIMER_MS, Math.max(0, next - this.#clock.now())));
  }

  #setTimer(name: string, ms: number): void {
    this.#timers.get(name)?.cancel();
    const timer = this.#clock.setTimeout(
      () =>
        void this.#serial(() => this.#onTimer(name)).catch((e) =>
          this.#log(`schedule ${name}: ${message(e)}`),
        ),
      ms,
      { unref: true },
    );
    this.#timers.set(name, timer);
  }

  #nextOf(s: ScheduleRecord): number | undefined {
    if (s.suspended) return undefined;
    return this.#timesOf(s).next(Math.max(s.cursorAt, this.#clock.now()));
  }

  #timesOf(s: ScheduleRecord): CronTimes {
    const cached = this.#times.get(s.name);
    if (cached !== undefined && cached.expression === s.cron && cached.timezone === s.timezone) return cached;
    const times = new CronTimes(s.cron, s.timezone);
    this.#times.set(s.name, times);
    return times;
  }

  #view(s: ScheduleRecord): ScheduleView {
    return { ...s, nextRunAt: this.#nextOf(s) };
  }
}

function runList(ids: readonly string[]): string {
  return ids.length === 1 ? `run ${ids[0]}` : `runs ${ids.join(', ')}`;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
