import { type DbHandle, toJson, withTransaction } from '../store/index.js';
import { notifyAliasChange } from './alias-watch.js';
import { toAliasEvent, toApproval } from './rows.js';
import type { AliasEvent, ApprovalRecord, GateEvaluation } from './types.js';

// The writes behind every alias move: the move itself (alias row + audit row in one transaction) and
// the approval rows. Callers check roles and gates first; nothing here decides, it only records —
// except that a move to where the alias already is records nothing, decided under the lock.

/**
 * Takes the model row's lock for the rest of the transaction without changing the row: concurrent
 * moves, approvals and registrations of one model serialise on it (PostgreSQL row lock; SQLite
 * transactions are `BEGIN IMMEDIATE`, one writer at a time).
 */
export async function lockModel(tx: DbHandle, model: string): Promise<void> {
  await tx.db
    .updateTable('models')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('name', '=', model)
    .execute();
}

/** The version `alias` points at, read inside the caller's transaction; null when unset. */
export async function currentAlias(tx: DbHandle, model: string, alias: string): Promise<number | null> {
  const cur = await tx.db
    .selectFrom('model_aliases')
    .select('version')
    .where('model_name', '=', model)
    .where('alias', '=', alias)
    .executeTakeFirst();
  return cur ? Number(cur.version) : null;
}

/**
 * Moves an alias and appends its audit row in one transaction (inside `h` if it already is one).
 * The model row is locked first, then the alias is read: each audit row's `from` is the version the
 * alias really left, and a move to where the alias already is (a racing twin that got there first)
 * returns `null` and records nothing.
 */
export async function moveAlias(h: DbHandle, move: MoveInput): Promise<AliasEvent | null> {
  return withTransaction(h, async (t) => {
    const now = t.clock.now();
    await lockModel(t, move.model);
    const cur = await currentAlias(t, move.model, move.alias);
    if (cur === move.version) return null;
    await t.db
      .insertInto('model_aliases')
      .values({
        model_name: move.model,
        alias: move.alias,
        version: move.version,
        updated_at: now,
        updated_by: move.actor,
      })
      .onConflict((oc) =>
        oc
          .columns(['model_name', 'alias'])
          .doUpdateSet({ version: move.version, updated_at: now, updated_by: move.actor }),
      )
      .execute();
    await t.db.updateTable('models').set({ updated_at: now }).where('name', '=', move.model).execute();
    // An alias on the version brings it back from Archived (MLflow: a stage transition replaces it).
    await t.db
      .updateTable('model_versions')
      .set({ stage: null })
      .where('model_name', '=', move.model)
      .where('version', '=', move.version)
      .where('stage', 'is not', null)
      .execute();
    return insertEvent(t, { ...move, fromVersion: cur, toVersion: move.version });
  });
}

/** The newest pending approval row for (model, version, alias), if any. */
export function findPendingApproval(tx: DbHandle, model: string, version: number, alias: string) {
  return tx.db
    .selectFrom('approvals')
    .selectAll()
    .where('model_name', '=', model)
    .where('version', '=', version)
    .where('alias', '=', alias)
    .where('status', '=', 'pending')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/**
 * The pending approval request for (model, version, alias), created if there is none; looked up
 * under the model's lock (and one pending row per triple is a unique index), so two promotions at
 * once share one request.
 */
export async function pendingApproval(
  h: DbHandle,
  model: string,
  version: number,
  alias: string,
  requestedBy: string,
  runId: string | undefined,
): Promise<ApprovalRecord> {
  return withTransaction(h, async (tx) => {
    await lockModel(tx, model);
    const existing = await findPendingApproval(tx, model, version, alias);
    if (existing) return toApproval(existing);
    return insertApproval(tx, {
      model,
      version,
      alias,
      status: 'pending',
      method: null,
      requestedBy,
      runId,
      decidedBy: undefined,
      reason: undefined,
    });
  });
}

export interface MoveInput {
  model: string;
  alias: string;
  version: number;
  action: 'set' | 'rollback';
  actor: string;
  reason: string | null | undefined;
  gates: GateEvaluation | null;
  runId: string | undefined;
  key: string | undefined;
  approvalId: number | null;
}

export interface EventInput {
  model: string;
  alias: string;
  action: AliasEvent['action'];
  fromVersion: number | null;
  toVersion: number | null;
  actor: string;
  reason: string | null | undefined;
  gates: GateEvaluation | null;
  approvalId: number | null;
  runId: string | undefined;
  key: string | undefined;
}

export async function insertEvent(tx: DbHandle, e: EventInput): Promise<AliasEvent> {
  // Every alias change writes its audit row here: serving replicas hear of it at commit.
  await notifyAliasChange(tx, e.model, e.alias);
  const row = await tx.db
    .insertInto('alias_events')
    .values({
      model_name: e.model,
      alias: e.alias,
      action: e.action,
      from_version: e.fromVersion,
      to_version: e.toVersion,
      actor: e.actor,
      reason: e.reason ?? null,
      gate_results: e.gates === null ? null : toJson(e.gates),
      approval_id: e.approvalId,
      run_id: e.runId ?? null,
      idempotency_key: e.key ?? null,
      created_at: tx.clock.now(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAliasEvent(row);
}

export async function insertApproval(
  tx: DbHandle,
  a: {
    model: string;
    version: number;
    alias: string;
    status: ApprovalRecord['status'];
    method: ApprovalRecord['method'];
    requestedBy: string;
    runId: string | undefined;
    decidedBy: string | undefined;
    reason: string | undefined;
  },
): Promise<ApprovalRecord> {
  const now = tx.clock.now();
  // approvals.run_id references pipeline runs; a tracking or unknown run id is kept off the row.
  const runId =
    a.runId === undefined
      ? null
      : ((await tx.db.selectFrom('runs').select('id').where('id', '=', a.runId).executeTakeFirst())?.id ??
        null);
  const row = await tx.db
    .insertInto('approvals')
    .values({
      model_name: a.model,
      version: a.version,
      alias: a.alias,
      status: a.status,
      method: a.method,
      requested_by: a.requestedBy,
      requested_at: now,
      run_id: runId,
      decided_by: a.decidedBy ?? null,
      decided_at: a.decidedBy === undefined ? null : now,
      reason: a.reason ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toApproval(row);
}
