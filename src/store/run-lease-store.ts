import { type ExpressionBuilder, sql } from 'kysely';
import { type DbHandle, withTransaction } from './db.js';
import { StoreError } from './errors.js';
import type { Database } from './tables.js';
import { requireInt } from './validate.js';

const ACTIVE = ['Pending', 'Running'] as const;

/**
 * Run leases: how several executors share one store. An executor claims active runs (up to what it
 * can take on), renews its leases with its heartbeat, and advances only the runs it owns. A run whose
 * owner stopped, or whose lease ran out (the owner died or stalled), is claimed by the next executor
 * that looks, so a dead executor's work is picked up within one lease period.
 *
 * The owner's generation is a fencing token: a {@link RunStore} opened with `fence` checks, in the same
 * transaction as each write, that its generation still owns the run (see {@link assertOwned}), so an
 * executor that wakes up from a long pause cannot write over the one that took its runs.
 *
 * @example
 * const leases = new RunLeaseStore(mdb);
 * const mine = await leases.claim(generation, { leaseMs: 15_000, limit: 4 });
 * const kept = await leases.renew(generation, 15_000); // ids this generation still owns
 */
export class RunLeaseStore {
  readonly #h: DbHandle;

  constructor(handle: DbHandle) {
    this.#h = handle;
  }

  /**
   * Takes up to `limit` active runs that nobody owns, whose lease ran out, or whose owner stopped,
   * oldest first, and returns every active run `generation` owns afterwards (new and old), oldest first.
   * On PostgreSQL the candidates are locked `FOR UPDATE SKIP LOCKED`, so executors claiming at once
   * never wait on each other nor take the same run; SQLite has one writer at a time.
   */
  async claim(generation: number, options: { leaseMs: number; limit: number }): Promise<string[]> {
    requireInt(generation, 'generation', 1);
    const leaseMs = requireInt(options.leaseMs, 'leaseMs', 1);
    const limit = requireInt(options.limit, 'limit', 0);
    return withTransaction(this.#h, async (tx) => {
      const now = tx.clock.now();
      if (limit > 0) {
        let candidates = tx.db
          .selectFrom('runs')
          .select('id')
          .where('phase', 'in', ACTIVE)
          .where((eb) => eb.or(freeRun(eb, now)))
          .where((eb) =>
            eb.or([eb('owner_generation', 'is', null), eb('owner_generation', '!=', generation)]),
          )
          .orderBy('created_at')
          .orderBy('id')
          .limit(limit);
        if (tx.dialect === 'postgres') candidates = candidates.forUpdate().skipLocked();
        const ids = (await candidates.execute()).map((r) => r.id);
        if (ids.length > 0) {
          await tx.db
            .updateTable('runs')
            .set({ owner_generation: generation, lease_until: now + leaseMs })
            .where('id', 'in', ids)
            .execute();
        }
      }
      const owned = await tx.db
        .selectFrom('runs')
        .select('id')
        .where('owner_generation', '=', generation)
        .where('phase', 'in', ACTIVE)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return owned.map((r) => r.id);
    });
  }

  /** Extends every lease `generation` holds on an active run; returns the ids it still owns. */
  async renew(generation: number, leaseMs: number): Promise<string[]> {
    const rows = await this.#h.db
      .updateTable('runs')
      .set({ lease_until: this.#h.clock.now() + requireInt(leaseMs, 'leaseMs', 1) })
      .where('owner_generation', '=', requireInt(generation, 'generation', 1))
      .where('phase', 'in', ACTIVE)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  /** How many active runs another executor could claim now (nobody owns them, or the lease is over). */
  async claimable(generation: number): Promise<number> {
    const now = this.#h.clock.now();
    const row = await this.#h.db
      .selectFrom('runs')
      .select(sql<number>`count(*)`.as('n'))
      .where('phase', 'in', ACTIVE)
      .where((eb) => eb.or([...freeRun(eb, now), eb('owner_generation', '=', generation)]))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The generation that owns a run, or null; `undefined` when the run does not exist. */
  async owner(runId: string): Promise<{ generation: number | null; leaseUntil: number | null } | undefined> {
    const row = await this.#h.db
      .selectFrom('runs')
      .select(['owner_generation', 'lease_until'])
      .where('id', '=', runId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      generation: row.owner_generation === null ? null : Number(row.owner_generation),
      leaseUntil: row.lease_until === null ? null : Number(row.lease_until),
    };
  }
}

/** A run another executor may take: nobody owns it, its lease ran out, or its owner stopped. */
function freeRun(eb: ExpressionBuilder<Database, 'runs'>, now: number) {
  return [
    eb('owner_generation', 'is', null),
    eb('lease_until', '<', now),
    eb(
      'owner_generation',
      'in',
      eb.selectFrom('executors').select('generation').where('stopped_at', 'is not', null),
    ),
  ];
}

/**
 * The fence: inside a transaction, checks that `generation` still owns `runId`, and holds the run's row
 * until commit (a no-op write: a row lock on PostgreSQL, the write lock on SQLite), so no claim by
 * another executor can interleave with the write that follows.
 * @throws StoreError `STORE_FENCED` when another generation owns the run (or nobody does).
 */
export async function assertOwned(tx: DbHandle, runId: string, generation: number): Promise<void> {
  const r = await tx.db
    .updateTable('runs')
    .set((eb) => ({ owner_generation: eb.ref('owner_generation') }))
    .where('id', '=', runId)
    .where('owner_generation', '=', generation)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) {
    throw new StoreError(
      'STORE_FENCED',
      `executor generation ${generation} no longer owns run ${runId}: another executor took it over`,
      { field: 'owner_generation' },
    );
  }
}
