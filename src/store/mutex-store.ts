import { type DbHandle, withTransaction } from './db.js';
import { TERMINAL_RUN_PHASES } from './phases.js';
import { requireText } from './validate.js';

/** Who holds a mutex, since when (epoch ms). */
export interface MutexRecord {
  name: string;
  holderRunId: string;
  acquiredAt: number;
}

/** The answer of {@link MutexStore.acquire}. */
export type MutexAcquisition = { acquired: true } | { acquired: false; holder: MutexRecord | undefined };

/**
 * Named mutexes held by runs (Argo's `synchronization.mutex`), so two runs of the recommender never
 * promote at the same time. Acquiring is atomic in the database; a mutex whose holder run has reached
 * a terminal phase is stale and taken over, so a crash between "run finished" and "mutex released"
 * cannot wedge it. Runs waiting for a mutex stay Pending; the queue order is the executor's call
 * (oldest `runs.created_at` with that `mutex` first).
 *
 * @example
 * const mutexes = new MutexStore(mdb);
 * const got = await mutexes.acquire('recommender-promote', run.id);
 * if (!got.acquired) console.log('waiting for', got.holder?.holderRunId);
 */
export class MutexStore {
  readonly #h: DbHandle;

  constructor(handle: DbHandle) {
    this.#h = handle;
  }

  /** Takes `name` for `runId`: succeeds if free, stale, or already held by `runId` (re-entrant). */
  async acquire(name: string, runId: string): Promise<MutexAcquisition> {
    requireText(name, 'name');
    requireText(runId, 'runId');
    return withTransaction(this.#h, async (tx) => {
      const now = tx.clock.now();
      const inserted = await tx.db
        .insertInto('mutexes')
        .values({ name, holder_run_id: runId, acquired_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { acquired: true };
      const taken = await tx.db
        .updateTable('mutexes')
        .set({ holder_run_id: runId, acquired_at: now })
        .where('name', '=', name)
        .where('holder_run_id', '!=', runId)
        .where('holder_run_id', 'in', (eb) =>
          eb.selectFrom('runs').select('id').where('phase', 'in', TERMINAL_RUN_PHASES),
        )
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) > 0) return { acquired: true };
      const holder = await this.#holder(tx, name);
      if (holder?.holderRunId === runId) return { acquired: true };
      return { acquired: false, holder };
    });
  }

  /** Releases `name` if `runId` holds it. Returns false otherwise. */
  async release(name: string, runId: string): Promise<boolean> {
    const r = await this.#h.db
      .deleteFrom('mutexes')
      .where('name', '=', name)
      .where('holder_run_id', '=', runId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Releases every mutex `runId` holds; returns how many. */
  async releaseAll(runId: string): Promise<number> {
    const r = await this.#h.db.deleteFrom('mutexes').where('holder_run_id', '=', runId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** The current holder of `name`, or `undefined` when free. */
  holder(name: string): Promise<MutexRecord | undefined> {
    return this.#holder(this.#h, name);
  }

  /** Every held mutex, by name. */
  async list(): Promise<MutexRecord[]> {
    const rows = await this.#h.db.selectFrom('mutexes').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, holderRunId: r.holder_run_id, acquiredAt: r.acquired_at }));
  }

  async #holder(h: DbHandle, name: string): Promise<MutexRecord | undefined> {
    const r = await h.db.selectFrom('mutexes').selectAll().where('name', '=', name).executeTakeFirst();
    return r && { name: r.name, holderRunId: r.holder_run_id, acquiredAt: r.acquired_at };
  }
}
