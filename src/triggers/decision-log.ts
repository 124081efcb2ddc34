import { type DbHandle, fromJson, type Json, toJson } from '../store/index.js';
import { TriggersError } from './errors.js';
import type { RunRequest } from './ports.js';

/**
 * What a trigger decided about one tick or event:
 * - runs started: `fired` (on time / event accepted), `replaced` (Replace stopped active runs first),
 *   `caught-up` (a tick missed while bookml was down, inside the starting deadline), `manual` (`run now`);
 * - nothing started: `skipped-forbid` (schedule, Forbid, a run active), `skipped-catch-up` (a missed
 *   tick inside the deadline that the catch-up policy passes over), `missed-deadline` (a missed tick
 *   outside the starting deadline), `filtered`, `rate-limited`, `deduplicated`, `suppressed`,
 *   `forbidden` (sensor, Forbid, its run active), `failed` (the run could not be submitted or the
 *   event lacks a mapped field).
 */
export type DecisionOutcome =
  | 'fired'
  | 'replaced'
  | 'caught-up'
  | 'manual'
  | 'skipped-forbid'
  | 'skipped-catch-up'
  | 'missed-deadline'
  | 'filtered'
  | 'rate-limited'
  | 'deduplicated'
  | 'suppressed'
  | 'forbidden'
  | 'failed';

/** Every {@link DecisionOutcome}. */
export const DECISION_OUTCOMES: readonly DecisionOutcome[] = Object.freeze([
  'fired',
  'replaced',
  'caught-up',
  'manual',
  'skipped-forbid',
  'skipped-catch-up',
  'missed-deadline',
  'filtered',
  'rate-limited',
  'deduplicated',
  'suppressed',
  'forbidden',
  'failed',
]);

/** The outcomes that start a run (and count toward rate limits and dedupe). */
export const RUN_OUTCOMES: readonly DecisionOutcome[] = Object.freeze([
  'fired',
  'replaced',
  'caught-up',
  'manual',
]);

/** Which kind of trigger decided. */
export type DecisionSource = 'schedule' | 'sensor';

/** One recorded decision. */
export interface TriggerDecision {
  readonly id: number;
  readonly source: DecisionSource;
  /** The schedule or sensor name. */
  readonly trigger: string;
  /** Unique per trigger: the event id, `tick:<epoch ms>`, `manual:<request id>`. */
  readonly key: string;
  readonly eventId: string | null;
  readonly topic: string | null;
  /** The cron time a schedule decision is about (epoch ms). */
  readonly scheduledAt: number | null;
  readonly outcome: DecisionOutcome;
  readonly reason: string;
  readonly pipeline: string;
  /** The run request of a run outcome, replayed as is after a crash. */
  readonly request: RunRequest | null;
  readonly runId: string | null;
  readonly stoppedRunIds: readonly string[];
  readonly dedupeKey: string | null;
  readonly rateKey: string | null;
  readonly createdAt: number;
  /** Null while a run outcome's plan has not been carried out yet. */
  readonly completedAt: number | null;
}

/** A decision to record. Non-run outcomes are complete at once; run outcomes complete with their run. */
export interface NewDecision {
  readonly source: DecisionSource;
  readonly trigger: string;
  readonly key: string;
  readonly outcome: DecisionOutcome;
  readonly reason: string;
  readonly pipeline: string;
  readonly eventId?: string;
  readonly topic?: string;
  readonly scheduledAt?: number;
  readonly request?: RunRequest;
  readonly stoppedRunIds?: readonly string[];
  readonly dedupeKey?: string;
  readonly rateKey?: string;
}

/** Filter of {@link DecisionLog.list} (`bookml events list`). */
export interface DecisionQuery {
  /** Only schedules or only sensors. @default both */
  source?: DecisionSource;
  /** Only this schedule or sensor. */
  trigger?: string;
  /** Only these outcomes. */
  outcome?: DecisionOutcome | readonly DecisionOutcome[];
  /** Only decisions with a smaller id (paging back). */
  beforeId?: number;
  /** At most this many, newest first. @default 50 (at most 1000) */
  limit?: number;
}

/** Decisions per trigger and outcome, for metrics. */
export interface DecisionCount {
  readonly source: DecisionSource;
  readonly trigger: string;
  readonly outcome: DecisionOutcome;
  readonly count: number;
}

type Row = {
  id: number;
  trigger_kind: DecisionSource;
  trigger_name: string;
  decision_key: string;
  event_id: string | null;
  topic: string | null;
  scheduled_at: number | null;
  outcome: DecisionOutcome;
  reason: string;
  pipeline: string;
  request: Json<Record<string, unknown>> | null;
  run_id: string | null;
  stopped_run_ids: Json<string[]> | null;
  dedupe_key: string | null;
  rate_key: string | null;
  created_at: number;
  completed_at: number | null;
};

/**
 * The `trigger_decisions` table: every tick, `run now` and sensor evaluation, with its outcome and
 * reason. Recording is a claim: the key is unique per trigger, so a redelivered event or a replayed
 * tick records nothing the second time ({@link claim} returns `undefined`).
 *
 * @example
 * const log = new DecisionLog(mdb);
 * const recent = await log.list({ source: 'sensor', outcome: 'rate-limited', limit: 20 });
 */
export class DecisionLog {
  readonly #h: DbHandle;

  constructor(handle: DbHandle) {
    this.#h = handle;
  }

  /** Records a decision unless one with the same key exists; returns it, or `undefined` when taken. */
  async claim(d: NewDecision): Promise<TriggerDecision | undefined> {
    const now = this.#h.clock.now();
    // Only a decision that carries a run request waits for its run; any other is final as recorded.
    const runs = RUN_OUTCOMES.includes(d.outcome) && d.request !== undefined;
    const row = await this.#h.db
      .insertInto('trigger_decisions')
      .values({
        trigger_kind: d.source,
        trigger_name: d.trigger,
        decision_key: d.key,
        event_id: d.eventId ?? null,
        topic: d.topic ?? null,
        scheduled_at: d.scheduledAt ?? null,
        outcome: d.outcome,
        reason: d.reason,
        pipeline: d.pipeline,
        request: d.request === undefined ? null : toJson(d.request as unknown as Record<string, unknown>),
        run_id: null,
        stopped_run_ids: d.stoppedRunIds === undefined ? null : toJson([...d.stoppedRunIds]),
        dedupe_key: d.dedupeKey ?? null,
        rate_key: d.rateKey ?? null,
        created_at: now,
        completed_at: runs ? null : now,
      })
      .onConflict((oc) => oc.columns(['trigger_kind', 'trigger_name', 'decision_key']).doNothing())
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toDecision(row);
  }

  /** Marks a run outcome carried out (with its run), or turns it into `failed` with the reason. */
  async complete(
    id: number,
    result: { runId: string } | { failed: string },
  ): Promise<TriggerDecision | undefined> {
    const row = await this.#h.db
      .updateTable('trigger_decisions')
      .set(
        'runId' in result
          ? { run_id: result.runId, completed_at: this.#h.clock.now() }
          : { outcome: 'failed', reason: result.failed, completed_at: this.#h.clock.now() },
      )
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toDecision(row);
  }

  /** The decision a trigger recorded under `key`, if any. */
  async get(source: DecisionSource, trigger: string, key: string): Promise<TriggerDecision | undefined> {
    const row = await this.#h.db
      .selectFrom('trigger_decisions')
      .selectAll()
      .where('trigger_kind', '=', source)
      .where('trigger_name', '=', trigger)
      .where('decision_key', '=', key)
      .executeTakeFirst();
    return row === undefined ? undefined : toDecision(row);
  }

  /** Run outcomes recorded but not carried out (a crash between the plan and the submit), oldest first. */
  async incomplete(source: DecisionSource, trigger?: string): Promise<TriggerDecision[]> {
    let q = this.#h.db
      .selectFrom('trigger_decisions')
      .selectAll()
      .where('trigger_kind', '=', source)
      .where('completed_at', 'is', null);
    if (trigger !== undefined) q = q.where('trigger_name', '=', trigger);
    return (await q.orderBy('id').execute()).map(toDecision);
  }

  /** The newest run outcome of a trigger with this dedupe key, created at or after `since` (epoch ms). */
  async lastWithDedupeKey(
    source: DecisionSource,
    trigger: string,
    dedupeKey: string,
    since: number,
  ): Promise<TriggerDecision | undefined> {
    const row = await this.#h.db
      .selectFrom('trigger_decisions')
      .selectAll()
      .where('trigger_kind', '=', source)
      .where('trigger_name', '=', trigger)
      .where('dedupe_key', '=', dedupeKey)
      .where('outcome', 'in', RUN_OUTCOMES)
      .where('created_at', '>=', since)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : toDecision(row);
  }

  /** Creation times (epoch ms, oldest first) of a trigger's run outcomes with this rate key after `since`. */
  async runTimesWithRateKey(
    source: DecisionSource,
    trigger: string,
    rateKey: string,
    since: number,
  ): Promise<number[]> {
    const rows = await this.#h.db
      .selectFrom('trigger_decisions')
      .select('created_at')
      .where('trigger_kind', '=', source)
      .where('trigger_name', '=', trigger)
      .where('rate_key', '=', rateKey)
      .where('outcome', 'in', RUN_OUTCOMES)
      .where('created_at', '>', since)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => r.created_at);
  }

  /** A trigger's decisions that started a run, newest first. */
  async withRuns(source: DecisionSource, trigger: string): Promise<TriggerDecision[]> {
    const rows = await this.#h.db
      .selectFrom('trigger_decisions')
      .selectAll()
      .where('trigger_kind', '=', source)
      .where('trigger_name', '=', trigger)
      .where('run_id', 'is not', null)
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toDecision);
  }

  /** Deletes decisions by id. */
  async delete(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#h.db.deleteFrom('trigger_decisions').where('id', 'in', ids).execute();
  }

  /** Deletes a trigger's complete decisions without a run beyond the newest `keep`; returns how many. */
  async trimWithoutRuns(source: DecisionSource, trigger: string, keep: number): Promise<number> {
    const cut = await this.#h.db
      .selectFrom('trigger_decisions')
      .select('id')
      .where('trigger_kind', '=', source)
      .where('trigger_name', '=', trigger)
      .where('run_id', 'is', null)
      .where('completed_at', 'is not', null)
      .orderBy('id', 'desc')
      .offset(keep)
      .limit(1)
      .executeTakeFirst();
    if (cut === undefined) return 0;
    const res = await this.#h.db
      .deleteFrom('trigger_decisions')
      .where('trigger_kind', '=', source)
      .where('trigger_name', '=', trigger)
      .where('run_id', 'is', null)
      .where('completed_at', 'is not', null)
      .where('id', '<=', cut.id)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /**
   * Recent decisions, newest first (`bookml events list`).
   * @throws TriggersError `TRIGGERS_QUERY_INVALID` for an unknown outcome or source, or a bad limit
   */
  async list(query: DecisionQuery = {}): Promise<TriggerDecision[]> {
    const limit = query.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new TriggersError(
        'TRIGGERS_QUERY_INVALID',
        `limit must be a whole number from 1 to 1000 (got ${limit})`,
        {
          field: 'limit',
        },
      );
    }
    if (query.source !== undefined && query.source !== 'schedule' && query.source !== 'sensor') {
      throw new TriggersError(
        'TRIGGERS_QUERY_INVALID',
        `source must be schedule or sensor (got "${query.source}")`,
        {
          field: 'source',
        },
      );
    }
    const outcomes =
      query.outcome === undefined ? undefined : ([] as DecisionOutcome[]).concat(query.outcome);
    for (const o of outcomes ?? []) {
      if (!DECISION_OUTCOMES.includes(o)) {
        throw new TriggersError(
          'TRIGGERS_QUERY_INVALID',
          `outcome "${o}" is not one of ${DECISION_OUTCOMES.join(', ')}`,
          { field: 'outcome' },
        );
      }
    }
    let q = this.#h.db.selectFrom('trigger_decisions').selectAll();
    if (query.source !== undefined) q = q.where('trigger_kind', '=', query.source);
    if (query.trigger !== undefined) q = q.where('trigger_name', '=', query.trigger);
    if (outcomes !== undefined) {
      if (outcomes.length === 0) return [];
      q = q.where('outcome', 'in', outcomes);
    }
    if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
    const rows = await q.orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toDecision);
  }

  /** How many decisions each trigger recorded per outcome (what is still kept after pruning). */
  async counts(): Promise<DecisionCount[]> {
    const rows = await this.#h.db
      .selectFrom('trigger_decisions')
      .select(['trigger_kind', 'trigger_name', 'outcome', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['trigger_kind', 'trigger_name', 'outcome'])
      .orderBy('trigger_kind')
      .orderBy('trigger_name')
      .orderBy('outcome')
      .execute();
    return rows.map((r) => ({
      source: r.trigger_kind,
      trigger: r.trigger_name,
      outcome: r.outcome,
      count: Number(r.n),
    }));
  }
}

function toDecision(r: Row): TriggerDecision {
  return {
    id: r.id,
    source: r.trigger_kind,
    trigger: r.trigger_name,
    key: r.decision_key,
    eventId: r.event_id,
    topic: r.topic,
    scheduledAt: r.scheduled_at,
    outcome: r.outcome,
    reason: r.reason,
    pipeline: r.pipeline,
    request: r.request === null ? null : (fromJson(r.request) as unknown as RunRequest),
    runId: r.run_id,
    stoppedRunIds: fromJson(r.stopped_run_ids) ?? [],
    dedupeKey: r.dedupe_key,
    rateKey: r.rate_key,
    createdAt: r.created_at,
    completedAt: r.completed_at,
  };
}
