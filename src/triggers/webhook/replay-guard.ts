import type { DbHandle } from '../../store/index.js';

/**
 * Remembers accepted webhook signatures (as sha256 digests) in the metadata database until the
 * request's timestamp leaves the acceptance window, so a captured request cannot be sent twice —
 * across restarts and across processes sharing the database.
 *
 * @example
 * const guard = new ReplayGuard(mdb);
 * if (!(await guard.claim(digest, expiresAt))) throw replayed();
 */
export class ReplayGuard {
  readonly #h: DbHandle;

  constructor(handle: DbHandle) {
    this.#h = handle;
  }

  /**
   * Records `digest` as used until `expiresAt` (epoch ms). Returns false when it already was: a
   * replay. Rows whose window has passed are pruned on the way.
   */
  async claim(digest: string, expiresAt: number): Promise<boolean> {
    const now = this.#h.clock.now();
    await this.#h.db.deleteFrom('webhook_signatures').where('expires_at', '<', now).execute();
    const row = await this.#h.db
      .insertInto('webhook_signatures')
      .values({ digest, expires_at: expiresAt, created_at: now })
      .onConflict((oc) => oc.column('digest').doNothing())
      .returning('digest')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Forgets a claim whose request was not carried out (the bus refused it), so the sender may retry. */
  async release(digest: string): Promise<void> {
    await this.#h.db.deleteFrom('webhook_signatures').where('digest', '=', digest).execute();
  }
}
