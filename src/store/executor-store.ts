import { type DbHandle, withTransaction } from './db.js';
import { type ExecutorRecord, toExecutorRecord } from './run-records.js';
import { requireInt, requireText } from './validate.js';

/**
 * Executor generations: each start of a pipeline executor registers one and heartbeats it. Attempts
 * record the generation that launched them, so a restarted executor can declare the previous
 * generation gone (its pid is dead on this host) and find that generation's Running attempts at
 * once, instead of waiting for their heartbeats to time out.
 *
 * @example
 * const executors = new ExecutorStore(mdb);
 * const me = await executors.register({ pid: process.pid, hostname: os.hostname() });
 * for (const old of await executors.list({ live: true })) if (old.generation !== me.generation && !pidAlive(old.pid)) await executors.markStopped(old.generation);
 */
export class ExecutorStore {
  readonly #h: DbHandle;

  constructor(handle: DbHandle) {
    this.#h = handle;
  }

  /** Registers a new generation (numbers only grow). */
  async register(input: { pid: number; hostname: string }): Promise<ExecutorRecord> {
    const now = this.#h.clock.now();
    const row = await this.#h.db
      .insertInto('executors')
      .values({
        pid: requireInt(input.pid, 'pid', 1),
        hostname: requireText(input.hostname, 'hostname'),
        started_at: now,
        heartbeat_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toExecutorRecord(row);
  }

  /**
   * Records that a generation is alive. Returns false when it was marked stopped (another executor
   * decided it was gone): that executor must stop launching work — this is its fence.
   */
  async heartbeat(generation: number): Promise<boolean> {
    const r = await this.#h.db
      .updateTable('executors')
      .set({ heartbeat_at: this.#h.clock.now() })
      .where('generation', '=', generation)
      .where('stopped_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Marks a generation stopped (a clean shutdown, or declared dead by its successor). Idempotent. */
  async markStopped(generation: number): Promise<void> {
    await this.#h.db
      .updateTable('executors')
      .set({ stopped_at: this.#h.clock.now() })
      .where('generation', '=', generation)
      .where('stopped_at', 'is', null)
      .execute();
  }

  /**
   * Generations, newest first; `live: true` keeps those not stopped whose heartbeat is younger than
   * `heartbeatTimeoutMs` (when given).
   */
  async list(options: { live?: boolean; heartbeatTimeoutMs?: number } = {}): Promise<ExecutorRecord[]> {
    let q = this.#h.db.selectFrom('executors').selectAll();
    if (options.live) {
      q = q.where('stopped_at', 'is', null);
      if (options.heartbeatTimeoutMs !== undefined) {
        q = q.where('heartbeat_at', '>=', this.#h.clock.now() - options.heartbeatTimeoutMs);
      }
    }
    const rows = await q.orderBy('generation', 'desc').execute();
    return rows.map(toExecutorRecord);
  }

  /** Marks every other live generation on `hostname` stopped when `isAlive(pid)` says its process is gone. */
  async reapDead(hostname: string, isAlive: (pid: number) => boolean, except?: number): Promise<number[]> {
    return withTransaction(this.#h, async (tx) => {
      const rows = await tx.db
        .selectFrom('executors')
        .select(['generation', 'pid'])
        .where('hostname', '=', hostname)
        .where('stopped_at', 'is', null)
        .execute();
      const dead = rows.filter((r) => r.generation !== except && !isAlive(r.pid)).map((r) => r.generation);
      if (dead.length > 0) {
        await tx.db
          .updateTable('executors')
          .set({ stopped_at: tx.clock.now() })
          .where('generation', 'in', dead)
          .where('stopped_at', 'is', null)
          .execute();
      }
      return dead;
    });
  }
}
