import { isBookmlError } from '../../core/index.js';
import { type DbHandle, fromJson, type Json, toJson } from '../../store/index.js';
import { TriggersError } from '../errors.js';
import type { ScheduleSpec } from './schedule-spec.js';

/** A stored schedule: its spec and where it stands (Argo CronWorkflow `status`). */
export interface ScheduleRecord extends ScheduleSpec {
  /** Every tick at or before this time (epoch ms) has been decided, or passed over on resume. */
  readonly cursorAt: number;
  /** The cron time of the newest tick that submitted a run (Argo `lastScheduledTime`). */
  readonly lastScheduledAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

type Row = {
  name: string;
  pipeline: string;
  cron: string;
  timezone: string;
  parameters: Json<Record<string, unknown>>;
  concurrency_policy: ScheduleSpec['concurrencyPolicy'];
  starting_deadline_seconds: number;
  catch_up: ScheduleSpec['catchUp'];
  catch_up_cap: number;
  successful_history_limit: number;
  failed_history_limit: number;
  suspended: number;
  description: string | null;
  cursor_at: number;
  last_scheduled_at: number | null;
  created_at: number;
  updated_at: number;
};

/**
 * The `schedules` table. Specs come in validated ({@link parseSchedule}); this only stores them and
 * moves each schedule's cursor, which only ever goes forward.
 *
 * @example
 * const schedules = new ScheduleStore(mdb);
 * await schedules.create(parseSchedule({ name: 'hourly', pipeline: 'recommender', cron: '0 * * * *' }));
 */
export class ScheduleStore {
  readonly #h: DbHandle;

  constructor(handle: DbHandle) {
    this.#h = handle;
  }

  /**
   * Stores a new schedule; its cursor starts now, so ticks before its creation never count as missed.
   * @throws TriggersError `TRIGGERS_SCHEDULE_EXISTS`
   */
  async create(spec: ScheduleSpec): Promise<ScheduleRecord> {
    try {
      const row = await this.#h.db
        .insertInto('schedules')
        .values(this.#row(spec))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    } catch (e) {
      if (isBookmlError(e, 'STORE_CONFLICT')) {
        throw new TriggersError(
          'TRIGGERS_SCHEDULE_EXISTS',
          `a schedule named "${spec.name}" exists; change it with update or remove it first`,
          { field: 'name' },
        );
      }
      throw e;
    }
  }

  /** Stores the schedule unless one with its name exists (which is left as it is). True when stored. */
  async createIfMissing(spec: ScheduleSpec): Promise<boolean> {
    const row = await this.#h.db
      .insertInto('schedules')
      .values(this.#row(spec))
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('name')
      .executeTakeFirst();
    return row !== undefined;
  }

  async get(name: string): Promise<ScheduleRecord | undefined> {
    const row = await this.#h.db
      .selectFrom('schedules')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  /** @throws TriggersError `TRIGGERS_SCHEDULE_NOT_FOUND` */
  async require(name: string): Promise<ScheduleRecord> {
    const s = await this.get(name);
    if (s === undefined) throw notFound(name);
    return s;
  }

  /** Every schedule, by name. */
  async list(): Promise<ScheduleRecord[]> {
    const rows = await this.#h.db.selectFrom('schedules').selectAll().orderBy('name').execute();
    return rows.map(toRecord);
  }

  /**
   * Replaces a schedule's spec (the name stays). `cursorAt` moves the cursor forward (never back).
   * @throws TriggersError `TRIGGERS_SCHEDULE_NOT_FOUND`
   */
  async update(name: string, spec: ScheduleSpec, cursorAt?: number): Promise<ScheduleRecord> {
    const { name: _n, created_at: _c, cursor_at: _a, last_scheduled_at: _l, ...values } = this.#row(spec);
    let q = this.#h.db.updateTable('schedules').set(values).where('name', '=', name);
    if (cursorAt !== undefined) {
      q = q.set((eb) => ({
        cursor_at: eb.case().when('cursor_at', '<', cursorAt).then(cursorAt).else(eb.ref('cursor_at')).end(),
      }));
    }
    const row = await q.returningAll().executeTakeFirst();
    if (row === undefined) throw notFound(name);
    return toRecord(row);
  }

  /**
   * Suspends or resumes. Resuming moves the cursor to now: ticks that fell while suspended are neither
   * run nor recorded. Returns the schedule.
   * @throws TriggersError `TRIGGERS_SCHEDULE_NOT_FOUND`
   */
  async setSuspended(name: string, suspended: boolean): Promise<ScheduleRecord> {
    const now = this.#h.clock.now();
    let q = this.#h.db
      .updateTable('schedules')
      .set({ suspended: suspended ? 1 : 0, updated_at: now })
      .where('name', '=', name);
    if (!suspended) {
      // Only a real resume passes ticks over; resuming a running schedule changes nothing.
      q = q.set((eb) => ({
        cursor_at: eb
          .case()
          .when(eb.and([eb('suspended', '=', 1), eb('cursor_at', '<', now)]))
          .then(now)
          .else(eb.ref('cursor_at'))
          .end(),
      }));
    }
    const row = await q.returningAll().executeTakeFirst();
    if (row === undefined) throw notFound(name);
    return toRecord(row);
  }

  /** Deletes a schedule (its recorded decisions stay). True when it existed. */
  async remove(name: string): Promise<boolean> {
    const res = await this.#h.db.deleteFrom('schedules').where('name', '=', name).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /**
   * Moves the cursor to `to` if it is behind it; with `scheduledRun`, also records `to` as the last
   * scheduled run. False when the cursor was already there (another process decided the tick).
   */
  async advanceCursor(name: string, to: number, scheduledRun = false): Promise<boolean> {
    const res = await this.#h.db
      .updateTable('schedules')
      .set(scheduledRun ? { cursor_at: to, last_scheduled_at: to } : { cursor_at: to })
      .where('name', '=', name)
      .where('cursor_at', '<', to)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Records `at` as the schedule's last scheduled run (a manual run or a replayed plan). */
  async markScheduled(name: string, at: number): Promise<void> {
    await this.#h.db
      .updateTable('schedules')
      .set({ last_scheduled_at: at })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('last_scheduled_at', 'is', null), eb('last_scheduled_at', '<', at)]))
      .execute();
  }

  #row(spec: ScheduleSpec): Row {
    const now = this.#h.clock.now();
    return {
      name: spec.name,
      pipeline: spec.pipeline,
      cron: spec.cron,
      timezone: spec.timezone,
      parameters: toJson(spec.parameters as Record<string, unknown>),
      concurrency_policy: spec.concurrencyPolicy,
      starting_deadline_seconds: spec.startingDeadlineSeconds,
      catch_up: spec.catchUp,
      catch_up_cap: spec.catchUpCap,
      successful_history_limit: spec.successfulHistoryLimit,
      failed_history_limit: spec.failedHistoryLimit,
      suspended: spec.suspended ? 1 : 0,
      description: spec.description ?? null,
      cursor_at: now,
      last_scheduled_at: null,
      created_at: now,
      updated_at: now,
    };
  }
}

function notFound(name: string): TriggersError {
  return new TriggersError(
    'TRIGGERS_SCHEDULE_NOT_FOUND',
    `no schedule named "${name}"; \`bookml schedule list\` shows them`,
    { field: 'name' },
  );
}

function toRecord(r: Row): ScheduleRecord {
  return {
    name: r.name,
    pipeline: r.pipeline,
    cron: r.cron,
    timezone: r.timezone,
    parameters: fromJson(r.parameters) as ScheduleSpec['parameters'],
    concurrencyPolicy: r.concurrency_policy,
    startingDeadlineSeconds: r.starting_deadline_seconds,
    catchUp: r.catch_up,
    catchUpCap: r.catch_up_cap,
    successfulHistoryLimit: r.successful_history_limit,
    failedHistoryLimit: r.failed_history_limit,
    suspended: r.suspended === 1,
    ...(r.description === null ? {} : { description: r.description }),
    cursorAt: r.cursor_at,
    lastScheduledAt: r.last_scheduled_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
