import { type DbHandle, withTransaction } from '../store/index.js';
import { currentAlias, insertEvent, lockModel } from './alias-moves.js';
import { RegistryError } from './errors.js';
import { insertChange } from './registry-events.js';
import type { AliasEvent } from './types.js';

// Writes that take aliases away (delete an alias, delete or archive a version). The caller has
// checked the roles through guards.ts; each write and its audit rows commit together.

/** Removes `alias` and records it; `REGISTRY_ALIAS_NOT_FOUND` when it is not set. */
export function removeAlias(
  h: DbHandle,
  r: { model: string; alias: string; actor: string; reason: string | null | undefined },
): Promise<AliasEvent> {
  return withTransaction(h, async (tx) => {
    await lockModel(tx, r.model);
    const cur = await currentAlias(tx, r.model, r.alias);
    if (cur === null)
      throw new RegistryError('REGISTRY_ALIAS_NOT_FOUND', `model "${r.model}" has no alias "${r.alias}"`, {
        field: 'alias',
      });
    await tx.db
      .deleteFrom('model_aliases')
      .where('model_name', '=', r.model)
      .where('alias', '=', r.alias)
      .execute();
    return insertEvent(tx, {
      model: r.model,
      alias: r.alias,
      action: 'delete',
      fromVersion: cur,
      toVersion: null,
      actor: r.actor,
      reason: r.reason ?? null,
      gates: null,
      approvalId: null,
      runId: undefined,
      key: undefined,
    });
  });
}

/** Deletes a version (its aliases go with it, each removal audited) and records the deletion. */
export function removeVersion(
  h: DbHandle,
  r: {
    model: string;
    version: number;
    aliases: readonly string[];
    actor: string;
    reason: string | undefined;
  },
): Promise<void> {
  return withTransaction(h, async (tx) => {
    await lockModel(tx, r.model);
    for (const alias of r.aliases) {
      await insertEvent(tx, {
        model: r.model,
        alias,
        action: 'delete',
        fromVersion: r.version,
        toVersion: null,
        actor: r.actor,
        reason: r.reason ?? `version ${r.version} deleted`,
        gates: null,
        approvalId: null,
        runId: undefined,
        key: undefined,
      });
    }
    await tx.db
      .deleteFrom('model_versions')
      .where('model_name', '=', r.model)
      .where('version', '=', r.version)
      .execute();
    await insertChange(tx, {
      model: r.model,
      version: r.version,
      action: 'delete-version',
      actor: r.actor,
      reason: r.reason,
      detail: { aliases: [...r.aliases] },
    });
  });
}

/**
 * Sets a version's legacy stage to `None` or `Archived`: the aliases that mean a stage
 * (`staging`, `production`) leave it, each removal audited, and the change is recorded.
 */
export function setVersionStage(
  h: DbHandle,
  r: {
    model: string;
    version: number;
    stage: 'None' | 'Archived';
    from: 'Archived' | null;
    aliases: readonly string[];
    actor: string;
    reason: string | undefined;
  },
): Promise<void> {
  return withTransaction(h, async (tx) => {
    await lockModel(tx, r.model);
    for (const alias of r.aliases) {
      if ((await currentAlias(tx, r.model, alias)) !== r.version) continue;
      await tx.db
        .deleteFrom('model_aliases')
        .where('model_name', '=', r.model)
        .where('alias', '=', alias)
        .execute();
      await insertEvent(tx, {
        model: r.model,
        alias,
        action: 'delete',
        fromVersion: r.version,
        toVersion: null,
        actor: r.actor,
        reason: r.reason ?? `v${r.version} moved to stage ${r.stage}`,
        gates: null,
        approvalId: null,
        runId: undefined,
        key: undefined,
      });
    }
    await tx.db
      .updateTable('model_versions')
      .set({ stage: r.stage === 'Archived' ? 'Archived' : null, updated_at: tx.clock.now() })
      .where('model_name', '=', r.model)
      .where('version', '=', r.version)
      .execute();
    await insertChange(tx, {
      model: r.model,
      version: r.version,
      action: 'set-stage',
      actor: r.actor,
      reason: r.reason,
      detail: { from: r.from ?? 'None', to: r.stage, removedAliases: [...r.aliases] },
    });
  });
}
