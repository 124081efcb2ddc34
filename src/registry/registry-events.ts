import { type DbHandle, toJson } from '../store/index.js';
import { toRegistryEvent } from './rows.js';
import type { RegistryAction, RegistryEvent } from './types.js';

/** Filters of {@link readChanges}. */
export interface ChangeFilter {
  model?: string | undefined;
  version?: number | undefined;
  limit?: number | undefined;
  order?: 'asc' | 'desc';
}

/** What one audited change records. */
export interface ChangeInput {
  model: string;
  version?: number | null | undefined;
  action: RegistryAction;
  actor: string;
  reason?: string | null | undefined;
  detail?: Record<string, unknown> | undefined;
}

/** Appends a change to the registry's audit trail (call it inside the change's own transaction). */
export async function insertChange(tx: DbHandle, c: ChangeInput): Promise<RegistryEvent> {
  const row = await tx.db
    .insertInto('registry_events')
    .values({
      model_name: c.model,
      version: c.version ?? null,
      action: c.action,
      actor: c.actor,
      reason: c.reason ?? null,
      detail: c.detail === undefined ? null : toJson(c.detail),
      created_at: tx.clock.now(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRegistryEvent(row);
}

/** Registry changes (not alias moves), newest first (or oldest first with `order: 'asc'`). */
export async function readChanges(h: DbHandle, filter: ChangeFilter = {}): Promise<RegistryEvent[]> {
  let q = h.db.selectFrom('registry_events').selectAll();
  if (filter.model !== undefined) q = q.where('model_name', '=', filter.model);
  if (filter.version !== undefined) q = q.where('version', '=', filter.version);
  q = q.orderBy('id', filter.order ?? 'desc');
  if (filter.limit !== undefined) q = q.limit(filter.limit);
  return (await q.execute()).map(toRegistryEvent);
}
