import { toJson, withTransaction } from '../store/index.js';
import { productionStack } from './alias-history.js';
import {
  findPendingApproval,
  insertApproval,
  insertEvent,
  moveAlias,
  pendingApproval,
} from './alias-moves.js';
import {
  type ApprovalFilter,
  type AuditFilter,
  authorOf,
  type RunSummary,
  readApprovals,
  readAudit,
  runSummary,
} from './audit-trail.js';
import { RegistryError } from './errors.js';
import { describeFailures, type GateEvidence, type GateRun, runGates } from './gates.js';
import { checkAlias, checkVersion } from './names.js';
import { aliasRule } from './policy.js';
import { ModelCatalog } from './registry.js';
import { toAliasEvent, toApproval } from './rows.js';
import type { Actor, AliasEvent, ApprovalRecord, GateEvaluation, VersionRecord } from './types.js';
import { hasRole } from './types.js';

/** Options of {@link Registry.promote}. */
export interface PromoteOptions {
  actor: Actor;
  reason?: string | undefined;
  /** The pipeline run doing the promotion; with the version it keys idempotency. */
  runId?: string | undefined;
  /** Model I/O the gates need (re-evaluation of production, latency benchmark). */
  evidence?: GateEvidence | undefined;
  /** @default `promote:<model>:<alias>:v<version>:<runId>` when `runId` is given */
  idempotencyKey?: string | undefined;
  /**
   * When the alias needs an approval: record a pending request (`request`), or refuse with
   * `REGISTRY_APPROVAL_REQUIRED` and record nothing (`refuse`, what MLflow's set-alias does).
   * @default 'request'
   */
  whenApprovalNeeded?: 'request' | 'refuse' | undefined;
}

/** Options of {@link Registry.approve}. */
export interface ApproveOptions {
  actor: Actor;
  /** Why this version may serve; recorded with the approval. Required. */
  reason: string;
  /** @default 'production' */
  alias?: string | undefined;
  /** Re-runs the gates with this evidence; without it the stored evaluation is reused while still current. */
  evidence?: GateEvidence | undefined;
}

/**
 * What a promotion did: `moved` the alias, found it already there (`unchanged`), recorded a request
 * that waits for an approver (`pending-approval`), or recognised a repeat of an earlier call with the
 * same idempotency key (`already-done`).
 */
export interface PromotionOutcome {
  status: 'moved' | 'unchanged' | 'pending-approval' | 'already-done';
  model: string;
  alias: string;
  version: number;
  fromVersion: number | null;
  gates: GateEvaluation | null;
  event: AliasEvent | null;
  approval: ApprovalRecord | null;
  /** True when the policy's auto-approve (local demo) granted the approval. */
  autoApproved: boolean;
}

/** The actor recorded on approvals the auto-approve setting grants. */
export const AUTO_APPROVER = 'auto-approve (local demo setting)';

/**
 * The model registry: {@link ModelCatalog} plus aliases that move only through gates and, where the
 * policy says so, an approval; every move lands in the audit trail in the same transaction.
 */
export class Registry extends ModelCatalog {
  /** The version an alias points at. @throws RegistryError `REGISTRY_ALIAS_NOT_FOUND` */
  async resolveAlias(model: string, alias: string): Promise<VersionRecord> {
    const row = await this.h.db
      .selectFrom('model_aliases')
      .select('version')
      .where('model_name', '=', model)
      .where('alias', '=', alias)
      .executeTakeFirst();
    if (row === undefined) {
      await this.getModel(model);
      throw new RegistryError('REGISTRY_ALIAS_NOT_FOUND', `model "${model}" has no alias "${alias}"`, {
        field: 'alias',
      });
    }
    return this.getVersion(model, Number(row.version));
  }

  /** A version by number or alias. */
  async resolve(model: string, ref: number | string): Promise<VersionRecord> {
    return typeof ref === 'number' || /^\d+$/.test(ref)
      ? this.getVersion(model, ref)
      : this.resolveAlias(model, ref);
  }

  /**
   * Moves `alias` to `version` if every gate the alias requires passes; the gate results are stored on
   * the version either way. An alias whose rule requires approval gets a pending approval request
   * instead (or moves at once under auto-approve). Repeating a call with the same run and version
   * returns the first outcome.
   * @throws RegistryError `REGISTRY_GATE_FAILED` (names each failed gate and its numbers), `REGISTRY_FORBIDDEN`
   * @example const out = await registry.promote('recommender', 9, 'staging', { actor, runId, evidence });
   */
  async promote(
    model: string,
    version: number | string,
    alias: string,
    options: PromoteOptions,
  ): Promise<PromotionOutcome> {
    checkAlias(alias);
    const n = checkVersion(version);
    const { actor } = options;
    requireRole(actor, 'operator', `move alias "${alias}"`);
    const m = await this.getModel(model);
    const candidate = await this.getVersion(model, n);
    requireReady(candidate);
    const key =
      options.idempotencyKey ??
      (options.runId ? `promote:${model}:${alias}:v${n}:${options.runId}` : undefined);
    if (key !== undefined) {
      const prior = await this.h.db
        .selectFrom('alias_events')
        .selectAll()
        .where('idempotency_key', '=', key)
        .executeTakeFirst();
      if (prior) {
        const event = toAliasEvent(prior);
        return outcome('already-done', model, alias, n, event.fromVersion, event.gates, event, null, false);
      }
    }
    const from = m.aliases[alias] ?? null;
    if (from === n) return outcome('unchanged', model, alias, n, from, null, null, null, false);

    const rule = aliasRule(m.policy, alias);
    const gates = await this.#evaluate(m.policy, alias, candidate, options.evidence ?? {}, actor.id);
    if (!rule.approval) {
      const event = await moveAlias(this.h, {
        model,
        alias,
        version: n,
        action: 'set',
        actor: actor.id,
        reason: options.reason,
        gates,
        runId: options.runId,
        key,
        approvalId: null,
      });
      return outcome('moved', model, alias, n, event.fromVersion, gates, event, null, false);
    }
    if (m.policy.autoApprove) {
      const { event, approval } = await withTransaction(this.h, async (tx) => {
        const approval = await insertApproval(tx, {
          model,
          version: n,
          alias,
          status: 'approved',
          method: 'auto',
          requestedBy: actor.id,
          runId: options.runId,
          decidedBy: AUTO_APPROVER,
          reason: options.reason ?? 'auto-approved by the model policy (local demo)',
        });
        const event = await moveAlias(tx, {
          model,
          alias,
          version: n,
          action: 'set',
          actor: actor.id,
          reason: approval.reason,
          gates,
          runId: options.runId,
          key,
          approvalId: approval.id,
        });
        return { event, approval };
      });
      return outcome('moved', model, alias, n, event.fromVersion, gates, event, approval, true);
    }
    if (options.whenApprovalNeeded === 'refuse') {
      throw new RegistryError(
        'REGISTRY_APPROVAL_REQUIRED',
        `moving "${alias}" of ${model} to v${n} needs an approval by a user with the approver role (gates passed); run \`bookml model approve ${model} --version ${n} --reason "…"\``,
        { field: 'alias', details: { gates } },
      );
    }
    const approval = await pendingApproval(this.h, model, n, alias, actor.id, options.runId);
    return outcome('pending-approval', model, alias, n, from, gates, null, approval, false);
  }

  /**
   * Approves moving `alias` (default `production`) to `version` and moves it, recording the approver's
   * identity. The gates must pass (the stored evaluation is reused while production has not moved).
   * @throws RegistryError `REGISTRY_FORBIDDEN` without the approver role, `REGISTRY_APPROVER_IS_AUTHOR`
   * when the alias forbids self-approval, `REGISTRY_GATE_FAILED`
   * @example await registry.approve('recommender', 9, { actor: { id: 'alice', roles: ['approver'] }, reason: 'offline +4 %' })
   */
  async approve(model: string, version: number | string, options: ApproveOptions): Promise<PromotionOutcome> {
    const alias = checkAlias(options.alias ?? 'production');
    const n = checkVersion(version);
    const { actor } = options;
    requireRole(actor, 'approver', `approve "${alias}" of ${model}`);
    if (typeof options.reason !== 'string' || options.reason.trim() === '') {
      throw new RegistryError('REGISTRY_INVALID_INPUT', 'an approval needs a reason (--reason "…")', {
        field: 'reason',
      });
    }
    const m = await this.getModel(model);
    const candidate = await this.getVersion(model, n);
    requireReady(candidate);
    const rule = aliasRule(m.policy, alias);
    if (rule.approverNotAuthor) {
      const author = await this.authorOf(candidate);
      if (author !== null && author === actor.id) {
        throw new RegistryError(
          'REGISTRY_APPROVER_IS_AUTHOR',
          `${actor.id} authored the run that produced ${model} v${n}; the "${alias}" rule needs another approver`,
          { field: 'actor', details: { author } },
        );
      }
    }
    const from = m.aliases[alias] ?? null;
    if (from === n) return outcome('unchanged', model, alias, n, from, null, null, null, false);
    const stored = candidate.gates[alias];
    const gates =
      options.evidence === undefined &&
      stored?.passed &&
      stored.productionVersion === (m.aliases.production ?? null)
        ? stored
        : await this.#evaluate(m.policy, alias, candidate, options.evidence ?? {}, actor.id);
    const { event, approval } = await withTransaction(this.h, async (tx) => {
      const pending = await findPendingApproval(tx, model, n, alias);
      let approval: ApprovalRecord;
      if (pending) {
        await tx.db
          .updateTable('approvals')
          .set({
            status: 'approved',
            method: 'manual',
            decided_by: actor.id,
            decided_at: tx.clock.now(),
            reason: options.reason,
          })
          .where('id', '=', pending.id)
          .execute();
        approval = {
          ...toApproval(pending),
          status: 'approved',
          method: 'manual',
          decidedBy: actor.id,
          decidedAt: tx.clock.now(),
          reason: options.reason,
        };
      } else {
        approval = await insertApproval(tx, {
          model,
          version: n,
          alias,
          status: 'approved',
          method: 'manual',
          requestedBy: actor.id,
          runId: undefined,
          decidedBy: actor.id,
          reason: options.reason,
        });
      }
      const event = await moveAlias(tx, {
        model,
        alias,
        version: n,
        action: 'set',
        actor: actor.id,
        reason: options.reason,
        gates,
        runId: approval.runId ?? undefined,
        key: undefined,
        approvalId: approval.id,
      });
      return { event, approval };
    });
    return outcome('moved', model, alias, n, event.fromVersion, gates, event, approval, false);
  }

  /**
   * Moves `alias` (default `production`) back to the version it pointed at before the current one,
   * skipping versions deleted since. Needs the approver role when the alias requires approvals.
   * @throws RegistryError `REGISTRY_NO_ROLLBACK_TARGET`
   * @example await registry.rollback('recommender', { actor, reason: 'CTR dropped' })
   */
  async rollback(
    model: string,
    options: { actor: Actor; reason?: string | undefined; alias?: string | undefined },
  ): Promise<AliasEvent> {
    const alias = checkAlias(options.alias ?? 'production');
    const m = await this.getModel(model);
    const rule = aliasRule(m.policy, alias);
    requireRole(options.actor, rule.approval ? 'approver' : 'operator', `roll back "${alias}" of ${model}`);
    const current = m.aliases[alias];
    if (current === undefined) {
      throw new RegistryError(
        'REGISTRY_ALIAS_NOT_FOUND',
        `model "${model}" has no alias "${alias}" to roll back`,
        { field: 'alias' },
      );
    }
    const events = await this.audit({ model, alias, order: 'asc' });
    const existing = new Set((await this.listVersions(model)).map((v) => v.version));
    const stack = productionStack(events).filter((v) => existing.has(v));
    while (stack.length > 0 && stack[stack.length - 1] === current) stack.pop();
    const target = stack.at(-1);
    if (target === undefined) {
      throw new RegistryError(
        'REGISTRY_NO_ROLLBACK_TARGET',
        `"${alias}" of ${model} has pointed at no other version before v${current}; nothing to roll back to`,
        { field: 'alias' },
      );
    }
    return moveAlias(this.h, {
      model,
      alias,
      version: target,
      action: 'rollback',
      actor: options.actor.id,
      reason: options.reason ?? null,
      gates: null,
      runId: undefined,
      key: undefined,
      approvalId: null,
    });
  }

  /** Removes an alias (recorded in the audit trail). */
  async deleteAlias(model: string, alias: string, actor: Actor, reason?: string): Promise<AliasEvent> {
    checkAlias(alias);
    const m = await this.getModel(model);
    requireRole(
      actor,
      aliasRule(m.policy, alias).approval ? 'approver' : 'operator',
      `delete alias "${alias}"`,
    );
    return withTransaction(this.h, async (tx) => {
      const now = tx.clock.now();
      await tx.db.updateTable('models').set({ updated_at: now }).where('name', '=', model).execute();
      const cur = await tx.db
        .selectFrom('model_aliases')
        .select('version')
        .where('model_name', '=', model)
        .where('alias', '=', alias)
        .executeTakeFirst();
      if (!cur)
        throw new RegistryError('REGISTRY_ALIAS_NOT_FOUND', `model "${model}" has no alias "${alias}"`, {
          field: 'alias',
        });
      await tx.db
        .deleteFrom('model_aliases')
        .where('model_name', '=', model)
        .where('alias', '=', alias)
        .execute();
      return insertEvent(tx, {
        model,
        alias,
        action: 'delete',
        fromVersion: Number(cur.version),
        toVersion: null,
        actor: actor.id,
        reason: reason ?? null,
        gates: null,
        approvalId: null,
        runId: undefined,
        key: undefined,
      });
    });
  }

  /** Deletes a version; aliases on it are removed, and each removal is audited. */
  async deleteVersion(model: string, version: number | string, actor: Actor): Promise<void> {
    const n = checkVersion(version);
    requireRole(actor, 'operator', 'delete a version');
    const v = await this.getVersion(model, n);
    const m = await this.getModel(model);
    for (const alias of v.aliases) {
      if (aliasRule(m.policy, alias).approval)
        requireRole(actor, 'approver', `delete ${model} v${n}, which "${alias}" points at`);
    }
    await withTransaction(this.h, async (tx) => {
      for (const alias of v.aliases) {
        await insertEvent(tx, {
          model,
          alias,
          action: 'delete',
          fromVersion: n,
          toVersion: null,
          actor: actor.id,
          reason: `version ${n} deleted`,
          gates: null,
          approvalId: null,
          runId: undefined,
          key: undefined,
        });
      }
      await tx.db
        .deleteFrom('model_versions')
        .where('model_name', '=', model)
        .where('version', '=', n)
        .execute();
    });
  }

  /**
   * The audit trail of alias moves, newest first (or oldest first with `order: 'asc'`).
   * @example await registry.audit({ model: 'recommender', alias: 'production', limit: 20 })
   */
  audit(filter: AuditFilter = {}): Promise<AliasEvent[]> {
    return readAudit(this.h, filter);
  }

  /** Approval requests and decisions, newest first. */
  listApprovals(filter: ApprovalFilter = {}): Promise<ApprovalRecord[]> {
    return readApprovals(this.h, filter);
  }

  /** The pipeline run's headline fields, or undefined when the run is gone. */
  runSummary(runId: string): Promise<RunSummary | undefined> {
    return runSummary(this.h, runId);
  }

  /** Who authored the version: the pipeline run's submitter, else whoever registered it. */
  authorOf(v: VersionRecord): Promise<string | null> {
    return authorOf(this.h, v);
  }

  async #evaluate(
    policy: Parameters<typeof runGates>[0]['policy'],
    alias: string,
    candidate: VersionRecord,
    evidence: GateEvidence,
    actor: string,
  ): Promise<GateEvaluation> {
    const prodVersion = (await this.aliasMap(candidate.model)).production;
    const production =
      prodVersion === undefined ? undefined : await this.getVersion(candidate.model, prodVersion);
    const measured: GateRun['measured'] = {};
    const earlier = Object.values(candidate.gates)
      .filter((g) => g.productionVersion === (production?.version ?? null))
      .sort((a, b) => a.evaluatedAt - b.evaluatedAt);
    for (const g of earlier) {
      for (const r of g.results)
        if (r.value !== null) measured[r.gate] = { result: r, alias: g.alias, at: g.evaluatedAt };
    }
    const gates = await runGates({
      policy,
      alias,
      candidate,
      production,
      evidence,
      measured,
      now: this.h.clock.now(),
      actor,
    });
    await withTransaction(this.h, async (tx) => {
      const row = await tx.db
        .selectFrom('model_versions')
        .select('gate_results')
        .where('model_name', '=', candidate.model)
        .where('version', '=', candidate.version)
        .executeTakeFirst();
      const all = {
        ...((row?.gate_results ? JSON.parse(row.gate_results) : {}) as Record<string, GateEvaluation>),
        [alias]: gates,
      };
      await tx.db
        .updateTable('model_versions')
        .set({ gate_results: toJson(all), updated_at: tx.clock.now() })
        .where('model_name', '=', candidate.model)
        .where('version', '=', candidate.version)
        .execute();
    });
    if (!gates.passed) {
      throw new RegistryError(
        'REGISTRY_GATE_FAILED',
        `"${alias}" of ${candidate.model} stays ${prodOrNone(await this.aliasMap(candidate.model), alias)}: v${candidate.version} failed ${describeFailures(gates)}`,
        { field: 'version', details: { gates } },
      );
    }
    return gates;
  }
}

function requireRole(actor: Actor, role: 'operator' | 'approver', what: string): void {
  if (!hasRole(actor, role)) {
    throw new RegistryError('REGISTRY_FORBIDDEN', `${actor.id} needs the ${role} role to ${what}`, {
      field: 'actor',
    });
  }
}

function requireReady(v: VersionRecord): void {
  if (v.status !== 'READY') {
    throw new RegistryError('REGISTRY_INVALID_INPUT', `${v.model} v${v.version} is ${v.status}, not READY`, {
      field: 'version',
    });
  }
}

function prodOrNone(aliases: Record<string, number>, alias: string): string {
  const v = aliases[alias];
  return v === undefined ? 'unset' : `at v${v}`;
}

function outcome(
  status: PromotionOutcome['status'],
  model: string,
  alias: string,
  version: number,
  fromVersion: number | null,
  gates: GateEvaluation | null,
  event: AliasEvent | null,
  approval: ApprovalRecord | null,
  autoApproved: boolean,
): PromotionOutcome {
  return { status, model, alias, version, fromVersion, gates, event, approval, autoApproved };
}
