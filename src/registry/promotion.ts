import { toJson, withTransaction } from '../store/index.js';
import { productionStack } from './alias-history.js';
import {
  currentAlias,
  findPendingApproval,
  insertApproval,
  lockModel,
  moveAlias,
  pendingApproval,
} from './alias-moves.js';
import { removeAlias, removeVersion, setVersionStage } from './alias-removal.js';
import { watchAliasChanges } from './alias-watch.js';
import {
  type ApprovalFilter,
  type AuditFilter,
  authorsOf,
  type RunSummary,
  readApprovals,
  readAudit,
  runSummary,
} from './audit-trail.js';
import { RegistryError } from './errors.js';
import { describeFailures, type GateEvidence, type GateRun, missingEvidence, runGates } from './gates.js';
import { requireAliasRemoval, requireRole } from './guards.js';
import { checkAlias, checkVersion } from './names.js';
import { aliasRule, isProtectedAlias } from './policy.js';
import { ModelCatalog } from './registry.js';
import { toAliasEvent, toApproval } from './rows.js';
import type { Actor, AliasEvent, ApprovalRecord, GateEvaluation, VersionRecord } from './types.js';

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
  /**
   * bookml's own measurements (latency benchmark, production re-evaluated on the candidate's split),
   * used when the stored evaluation is stale (production moved since) or missing. Without it a
   * stale evaluation fails naming the command that re-measures.
   */
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
  /**
   * Call `onMove` soon after `alias` of `model` moves or goes (PostgreSQL LISTEN/NOTIFY; the move
   * notifies at commit). Returns the function that stops watching. On SQLite it never calls:
   * readers keep polling {@link resolveAlias}, which stays the truth either way.
   */
  watchAlias(model: string, alias: string, onMove: () => void): () => void {
    return watchAliasChanges(this.h, model, alias, onMove);
  }

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
   * returns the first outcome; a racing twin that lands second finds the alias there (`unchanged`).
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
    const evidence = options.evidence ?? {};
    const gates = await this.#evaluate(m.policy, alias, candidate, evidence, actor.id);
    const move = {
      model,
      alias,
      version: n,
      action: 'set' as const,
      actor: actor.id,
      gates,
      runId: options.runId,
      key,
    };
    if (!rule.approval) {
      const event = await moveAlias(this.h, { ...move, reason: options.reason, approvalId: null });
      return event === null
        ? outcome('unchanged', model, alias, n, n, gates, null, null, false)
        : outcome('moved', model, alias, n, event.fromVersion, gates, event, null, false);
    }
    if (m.policy.autoApprove) {
      const done = await withTransaction(this.h, async (tx) => {
        await lockModel(tx, model);
        if ((await currentAlias(tx, model, alias)) === n) return null;
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
        const event = await moveAlias(tx, { ...move, reason: approval.reason, approvalId: approval.id });
        return { event, approval };
      });
      if (done === null || done.event === null)
        return outcome('unchanged', model, alias, n, n, gates, null, null, false);
      return outcome(
        'moved',
        model,
        alias,
        n,
        done.event.fromVersion,
        gates,
        done.event,
        done.approval,
        true,
      );
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
   * identity. The gates must pass: the stored evaluation is reused while production has not moved,
   * otherwise they run again with `evidence` (bookml's own benchmark and re-evaluation). The
   * "already there" check and the pending request are read under the model's lock, in the write's
   * transaction: two approvers at once leave one approval and one alias event.
   * @throws RegistryError `REGISTRY_FORBIDDEN` without the approver role, `REGISTRY_APPROVER_IS_AUTHOR`
   * when the alias forbids self-approval, `REGISTRY_GATE_FAILED`
   * @example await registry.approve('recommender', 9, { actor: { id: 'alice', roles: ['approver'] }, reason: 'offline +4 %', evidence })
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
      const authors = await this.authorsOf(candidate);
      if (authors.includes(actor.id)) {
        throw new RegistryError(
          'REGISTRY_APPROVER_IS_AUTHOR',
          `${actor.id} is an author of record of ${model} v${n} (${authors.join(', ')}); the "${alias}" rule needs another approver`,
          { field: 'actor', details: { authors } },
        );
      }
    }
    const from = m.aliases[alias] ?? null;
    if (from === n) return outcome('unchanged', model, alias, n, from, null, null, null, false);
    const stored = candidate.gates[alias];
    const gates =
      stored?.passed && stored.productionVersion === (m.aliases.production ?? null)
        ? stored
        : await this.#evaluate(m.policy, alias, candidate, options.evidence ?? {}, actor.id);
    const done = await withTransaction(this.h, async (tx) => {
      await lockModel(tx, model);
      if ((await currentAlias(tx, model, alias)) === n) return null;
      const pending = await findPendingApproval(tx, model, n, alias);
      let approval: ApprovalRecord;
      if (pending) {
        const decidedAt = tx.clock.now();
        await tx.db
          .updateTable('approvals')
          .set({
            status: 'approved',
            method: 'manual',
            decided_by: actor.id,
            decided_at: decidedAt,
            reason: options.reason,
          })
          .where('id', '=', pending.id)
          .execute();
        approval = {
          ...toApproval(pending),
          status: 'approved',
          method: 'manual',
          decidedBy: actor.id,
          decidedAt,
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
      return event === null ? null : { event, approval };
    });
    if (done === null) return outcome('unchanged', model, alias, n, n, gates, null, null, false);
    return outcome('moved', model, alias, n, done.event.fromVersion, gates, done.event, done.approval, false);
  }

  /**
   * Moves `alias` (default `production`) back to the version it pointed at before the current one,
   * skipping versions deleted since. Needs the approver role when the alias is protected.
   * @throws RegistryError `REGISTRY_NO_ROLLBACK_TARGET`
   * @example await registry.rollback('recommender', { actor, reason: 'CTR dropped' })
   */
  async rollback(
    model: string,
    options: { actor: Actor; reason?: string | undefined; alias?: string | undefined },
  ): Promise<AliasEvent> {
    const alias = checkAlias(options.alias ?? 'production');
    const m = await this.getModel(model);
    requireRole(
      options.actor,
      isProtectedAlias(m.policy, alias) ? 'approver' : 'operator',
      `roll back "${alias}" of ${model}`,
    );
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
    const event =
      target === undefined
        ? null
        : await moveAlias(this.h, {
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
    if (event === null) {
      throw new RegistryError(
        'REGISTRY_NO_ROLLBACK_TARGET',
        `"${alias}" of ${model} has pointed at no other version before v${current}; nothing to roll back to`,
        { field: 'alias' },
      );
    }
    return event;
  }

  /**
   * Removes an alias (recorded in the audit trail). A protected alias (`production`, or one whose
   * rule requires an approval) needs the approver role.
   */
  async deleteAlias(model: string, alias: string, actor: Actor, reason?: string): Promise<AliasEvent> {
    checkAlias(alias);
    const m = await this.getModel(model);
    requireAliasRemoval(actor, m.policy, [alias], `delete alias "${alias}" of ${model}`);
    return removeAlias(this.h, { model, alias, actor: actor.id, reason });
  }

  /** Deletes a version; aliases on it are removed (protected ones need the approver role), each audited. */
  async deleteVersion(model: string, version: number | string, actor: Actor, reason?: string): Promise<void> {
    const n = checkVersion(version);
    const v = await this.getVersion(model, n);
    const m = await this.getModel(model);
    requireAliasRemoval(actor, m.policy, v.aliases, `delete ${model} v${n}`);
    await removeVersion(this.h, { model, version: n, aliases: v.aliases, actor: actor.id, reason });
  }

  /**
   * MLflow's legacy stage transition to `None` or `Archived`: the version leaves `staging` and
   * `production` (through the same guards as deleting them) and, for `Archived`, is marked so until
   * an alias moves onto it again.
   * @example await registry.setStage('recommender', 3, 'Archived', alice, 'superseded by v5')
   */
  async setStage(
    model: string,
    version: number | string,
    stage: 'None' | 'Archived',
    actor: Actor,
    reason?: string,
  ): Promise<VersionRecord> {
    const n = checkVersion(version);
    const v = await this.getVersion(model, n);
    const m = await this.getModel(model);
    const aliases = v.aliases.filter((a) => a === 'staging' || a === 'production');
    requireAliasRemoval(actor, m.policy, aliases, `move ${model} v${n} to stage ${stage}`);
    await setVersionStage(this.h, {
      model,
      version: n,
      stage,
      from: v.stage,
      aliases,
      actor: actor.id,
      reason,
    });
    return this.getVersion(model, n);
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

  /**
   * The authors of record of a version, from what the server recorded: the principal that
   * registered it, the submitter stored with its source pipeline run, the principal that created its
   * tracking run. A claimed source run adds its submitter; it never removes the registrant.
   */
  authorsOf(v: VersionRecord): Promise<string[]> {
    return authorsOf(this.h, v);
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
        if (r.value !== null && r.evidence === 'measured')
          measured[r.gate] = { result: r, alias: g.alias, at: g.evaluatedAt };
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
      const lacking = missingEvidence(gates, evidence);
      const remedy =
        lacking.length === 0
          ? ''
          : `; re-measure with \`${
              aliasRule(policy, alias).approval
                ? `bookml model approve ${candidate.model} --version ${candidate.version}${alias === 'production' ? '' : ` --alias ${alias}`} --reason "…"`
                : `bookml model promote ${candidate.model} --version ${candidate.version} --alias ${alias}`
            }\` on the workspace (or the same call on the control plane API): bookml benchmarks the candidate and re-evaluates production on its split`;
      throw new RegistryError(
        'REGISTRY_GATE_FAILED',
        `"${alias}" of ${candidate.model} stays ${prodOrNone(await this.aliasMap(candidate.model), alias)}: v${candidate.version} failed ${describeFailures(gates)}${remedy}`,
        { field: 'version', details: { gates, ...(lacking.length > 0 ? { missingEvidence: lacking } : {}) } },
      );
    }
    return gates;
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
