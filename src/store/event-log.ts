import { sql } from 'kysely';
import { type DbHandle, withTransaction } from './db.js';
import { fromJson, type Json, toJson } from './json-column.js';
import { requireInt, requireText } from './validate.js';

/** One event on the local bus; `id` is its offset (grows, never reused). */
export interface EventRecord<T = unknown> {
  id: number;
  topic: string;
  payload: T;
  dedupeKey: string | null;
  createdAt: number;
}

/** Which events {@link EventLog.read} returns. */
export interface ReadOptions {
  /** Return events with `id` greater than this. @default 0 */
  after?: number;
  /** Only these topics. @default every topic */
  topics?: readonly string[];
  /** @default 100 */
  limit?: number;
}

// pg_advisory_xact_lock(class, object): the class is ours, the object is the schema, so tests in
// separate schemas of one database never wait on each other.
const EVENTS_LOCK_CLASS = 0x626b6d6c; // "bkml"

/**
 * The durable event table behind the in-process bus: append, read from an offset, ack per consumer
 * (at-least-once: a consumer that crashes before acking reads the event again).
 *
 * Ids are handed out in commit order on both dialects — SQLite has one writer; on PostgreSQL appends
 * take a transaction-scoped advisory lock — so a consumer that has seen id N can never later find a
 * smaller id committed behind it.
 *
 * @example
 * const log = new EventLog(mdb);
 * await log.append('drift.detected', { model: 'recommender', ks: 0.31 });
 * for (const e of await log.readFor('sensor:retrain')) await log.ack('sensor:retrain', e.id);
 */
export class EventLog {
  readonly #h: DbHandle;

  constructor(handle: DbHandle) {
    this.#h = handle;
  }

  /**
   * Appends an event. With a `dedupeKey` already used, appends nothing and returns the first event
   * (a redelivered webhook stays one event).
   */
  async append<T>(topic: string, payload: T, options: { dedupeKey?: string } = {}): Promise<EventRecord<T>> {
    requireText(topic, 'topic');
    const dedupeKey = options.dedupeKey === undefined ? null : requireText(options.dedupeKey, 'dedupeKey');
    return withTransaction(this.#h, async (tx) => {
      if (tx.dialect === 'postgres') {
        await sql`select pg_advisory_xact_lock(${sql.lit(EVENTS_LOCK_CLASS)}, hashtext(current_schema()))`.execute(
          tx.db,
        );
      }
      if (dedupeKey !== null) {
        const existing = await tx.db
          .selectFrom('events')
          .selectAll()
          .where('dedupe_key', '=', dedupeKey)
          .executeTakeFirst();
        if (existing) return toEvent<T>(existing);
      }
      const row = await tx.db
        .insertInto('events')
        .values({ topic, payload: toJson(payload), dedupe_key: dedupeKey, created_at: tx.clock.now() })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toEvent<T>(row);
    });
  }

  /** Events after an offset, oldest first. */
  async read(options: ReadOptions = {}): Promise<EventRecord[]> {
    const after = requireInt(options.after ?? 0, 'after', 0);
    const limit = requireInt(options.limit ?? 100, 'limit', 1);
    let q = this.#h.db.selectFrom('events').selectAll().where('id', '>', after);
    if (options.topics !== undefined) {
      if (options.topics.length === 0) return [];
      q = q.where('topic', 'in', options.topics);
    }
    const rows = await q.orderBy('id').limit(limit).execute();
    return rows.map((r) => toEvent(r));
  }

  /** Events after what `consumer` has acked. */
  async readFor(consumer: string, options: Omit<ReadOptions, 'after'> = {}): Promise<EventRecord[]> {
    return this.read({ ...options, after: await this.ackedId(consumer) });
  }

  /**
   * Records that `consumer` has handled every event up to `id`. Offsets only move forward: acking an
   * older id changes nothing. Returns the consumer's offset after the call.
   */
  async ack(consumer: string, id: number): Promise<number> {
    requireText(consumer, 'consumer');
    requireInt(id, 'id', 0);
    const now = this.#h.clock.now();
    const row = await this.#h.db
      .insertInto('event_consumers')
      .values({ consumer, acked_id: id, updated_at: now })
      .onConflict((oc) =>
        oc.column('consumer').doUpdateSet({
          acked_id: sql<number>`case when excluded.acked_id > event_consumers.acked_id then excluded.acked_id else event_consumers.acked_id end`,
          updated_at: now,
        }),
      )
      .returning('acked_id')
      .executeTakeFirstOrThrow();
    return row.acked_id;
  }

  /** The last id `consumer` acked (0 for a new consumer). */
  async ackedId(consumer: string): Promise<number> {
    const row = await this.#h.db
      .selectFrom('event_consumers')
      .select('acked_id')
      .where('consumer', '=', consumer)
      .executeTakeFirst();
    return row?.acked_id ?? 0;
  }

  /** The newest event id (0 when empty). */
  async latestId(): Promise<number> {
    const row = await this.#h.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    return Number(row?.id ?? 0);
  }
}

function toEvent<T>(r: {
  id: number;
  topic: string;
  payload: Json<unknown>;
  dedupe_key: string | null;
  created_at: number;
}): EventRecord<T> {
  return {
    id: r.id,
    topic: r.topic,
    payload: fromJson(r.payload) as T,
    dedupeKey: r.dedupe_key,
    createdAt: r.created_at,
  };
}
