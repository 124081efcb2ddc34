import { sql } from 'kysely';
import type { DbHandle, MetadataDb } from '../store/index.js';

/** The PostgreSQL channel every alias change is notified on (payload: `{"model","alias"}`). */
export const ALIAS_MOVES_CHANNEL = 'bookml_alias_moves';

/**
 * Notify the alias change inside its transaction: PostgreSQL delivers it at commit (never for a
 * rollback), so a listener that reads the alias then sees the new version. SQLite has no
 * notifications; its servers poll.
 */
export async function notifyAliasChange(tx: DbHandle, model: string, alias: string): Promise<void> {
  if (tx.dialect !== 'postgres') return;
  await sql`select pg_notify(${ALIAS_MOVES_CHANNEL}, ${JSON.stringify({ model, alias })})`.execute(tx.db);
}

/**
 * Call `onMove` when `alias` of `model` changes (and after a lost connection is back, since a
 * change may have been missed). Returns the function that stops watching. A no-op on a database
 * without notifications (SQLite): callers keep polling either way.
 */
export function watchAliasChanges(h: DbHandle, model: string, alias: string, onMove: () => void): () => void {
  const listen = (h as Partial<MetadataDb>).listen;
  if (listen === undefined) return () => {};
  const stop = listen(ALIAS_MOVES_CHANNEL, {
    onNotify: (payload) => {
      try {
        const p = JSON.parse(payload) as { model?: unknown; alias?: unknown };
        if (p.model === model && p.alias === alias) onMove();
      } catch {
        // Not ours: another writer on the channel.
      }
    },
    onReconnect: onMove,
  });
  return () => void stop();
}
