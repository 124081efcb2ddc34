import type { DbHandle } from '../store/index.js';
import { toAliasEvent, toApproval } from './rows.js';
import type { AliasEvent, ApprovalRecord, VersionRecord } from './types.js';

/** Filters of {@link readAudit}. */
export interface AuditFilter {
  model?: string | undefined;
  alias?: string | undefined;
  version?: number | undefined;
  limit?: number | undefined;
  order?: 'asc' | 'desc';
}

/** Filters of {@link readApprovals}. */
export interface ApprovalFilter {
  model?: string | undefined;
  status?: ApprovalRecord['status'] | undefined;
  version?: number | undefined;
}

/** A pipeline run's headline fields, as lineage shows them. */
export interface RunSummary {
  pipeline: string;
  phase: string;
  submittedBy: string | null;
  createdAt: number;
  finishedAt: number | null;
}

/**
 * The audit trail of alias moves, newest first (or oldest first with `order: 'asc'`).
 * @example await registry.audit({ model: 'recommender', alias: 'production', limit: 20 })
 */
export async function readAudit(
  h: DbHandle,
  filter: {
    model?: string | undefined;
    alias?: string | undefined;
    version?: number | undefined;
    limit?: number | undefined;
    order?: 'asc' | 'desc';
  } = {},
): Promise<AliasEvent[]> {
  let q = h.db.selectFrom('alias_events').selectAll();
  if (filter.model !== undefined) q = q.where('model_name', '=', filter.model);
  if (filter.alias !== undefined) q = q.where('alias', '=', filter.alias);
  if (filter.version !== undefined) {
    const v = filter.version;
    q = q.where((eb) => eb.or([eb('to_version', '=', v), eb('from_version', '=', v)]));
  }
  q = q.orderBy('id', filter.order ?? 'desc');
  if (filter.limit !== undefined) q = q.limit(filter.limit);
  return (await q.execute()).map(toAliasEvent);
}

/** Approval requests and decisions, newest first. */
export async function readApprovals(
  h: DbHandle,
  filter: {
    model?: string | undefined;
    status?: ApprovalRecord['status'] | undefined;
    version?: number | undefined;
  } = {},
): Promise<ApprovalRecord[]> {
  let q = h.db.selectFrom('approvals').selectAll();
  if (filter.model !== undefined) q = q.where('model_name', '=', filter.model);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  if (filter.version !== undefined) q = q.where('version', '=', filter.version);
  return (await q.orderBy('id', 'desc').execute()).map(toApproval);
}

/** The pipeline run's headline fields, or undefined when the run is gone. */
export async function runSummary(
  h: DbHandle,
  runId: string,
): Promise<
  | {
      pipeline: string;
      phase: string;
      submittedBy: string | null;
      createdAt: number;
      finishedAt: number | null;
    }
  | undefined
> {
  const r = await h.db
    .selectFrom('runs')
    .select(['pipeline', 'phase', 'submitted_by', 'created_at', 'finished_at'])
    .where('id', '=', runId)
    .executeTakeFirst();
  return r === undefined
    ? undefined
    : {
        pipeline: r.pipeline,
        phase: r.phase,
        submittedBy: r.submitted_by,
        createdAt: Number(r.created_at),
        finishedAt: r.finished_at === null ? null : Number(r.finished_at),
      };
}

/**
 * The authors of record of a version, as the server recorded them (never what a caller claims):
 * the principal that registered it, the submitter stored with its source pipeline run, the
 * principal that created its tracking run. In that order, without duplicates.
 */
export async function authorsOf(h: DbHandle, v: VersionRecord): Promise<string[]> {
  const out: string[] = [];
  const add = (id: string | null | undefined) => {
    if (id && !out.includes(id)) out.push(id);
  };
  add(v.createdBy);
  if (v.sourceRun !== null) {
    const run = await h.db
      .selectFrom('runs')
      .select('submitted_by')
      .where('id', '=', v.sourceRun)
      .executeTakeFirst();
    add(run?.submitted_by);
  }
  if (v.trackingRun !== null) {
    const run = await h.db
      .selectFrom('tracking_runs')
      .select('user_id')
      .where('id', '=', v.trackingRun)
      .executeTakeFirst();
    add(run?.user_id);
  }
  return out;
}
