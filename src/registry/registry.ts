import { type DbHandle, toJson, withTransaction } from '../store/index.js';
import { insertEvent } from './alias-moves.js';
import { RegistryError } from './errors.js';
import { requireAliasRemoval, requireRole } from './guards.js';
import { checkModelName, checkTagKey, checkVersion } from './names.js';
import { DEFAULT_POLICY, type ModelPolicy, type ModelPolicyInput, parsePolicy } from './policy.js';
import { checkTags, insertVersion, type NewVersion } from './register-version.js';
import { type ChangeFilter, insertChange, readChanges } from './registry-events.js';
import { toModel, toVersion } from './rows.js';
import type { Actor, ModelRecord, RegistryEvent, VersionRecord } from './types.js';

export type { NewVersion } from './register-version.js';

/**
 * Models and their numbered versions: create, read, list, describe, tag, rename, delete. Every
 * change checks the actor's role through the same guards alias moves use (a change that takes a
 * protected alias away needs the approver role) and appends a row to the registry's audit trail
 * in its own transaction. Alias moves live in {@link Registry}, which extends this.
 */
export class ModelCatalog {
  protected readonly h: DbHandle;

  constructor(handle: DbHandle) {
    this.h = handle;
  }

  /**
   * Creates a model. @throws RegistryError `REGISTRY_MODEL_EXISTS`
   * @example await registry.createModel({ name: 'recommender', description: 'item-kNN', actor: 'alice' })
   */
  async createModel(input: {
    name: string;
    description?: string | undefined;
    tags?: Record<string, string> | undefined;
    policy?: ModelPolicyInput | undefined;
    actor?: string | undefined;
  }): Promise<ModelRecord> {
    const name = checkModelName(input.name, 'name');
    const policy = input.policy === undefined ? DEFAULT_POLICY : parsePolicy(input.policy);
    const tags = checkTags(input.tags ?? {});
    await withTransaction(this.h, async (tx) => {
      const now = tx.clock.now();
      const inserted = await tx.db
        .insertInto('models')
        .values({
          name,
          description: input.description ?? null,
          tags: toJson(tags),
          policy: toJson(policy),
          created_at: now,
          updated_at: now,
          created_by: input.actor ?? null,
        })
        .onConflict((oc) => oc.column('name').doNothing())
        .returning('name')
        .executeTakeFirst();
      if (inserted === undefined) {
        throw new RegistryError('REGISTRY_MODEL_EXISTS', `model "${name}" already exists`, { field: 'name' });
      }
      await insertChange(tx, {
        model: name,
        action: 'create-model',
        actor: input.actor ?? 'unknown',
        ...(input.policy === undefined ? {} : { detail: { policy } }),
      });
    });
    return this.getModel(name);
  }

  /** The model with its aliases. @throws RegistryError `REGISTRY_MODEL_NOT_FOUND` */
  async getModel(name: string): Promise<ModelRecord> {
    const row = await this.h.db.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst();
    if (row === undefined) throw notFoundModel(name);
    return toModel(row, await this.aliasMap(name));
  }

  /** Every model, by name. */
  async listModels(): Promise<ModelRecord[]> {
    const rows = await this.h.db.selectFrom('models').selectAll().orderBy('name').execute();
    const aliases = await this.h.db.selectFrom('model_aliases').selectAll().execute();
    return rows.map((r) =>
      toModel(
        r,
        Object.fromEntries(
          aliases.filter((a) => a.model_name === r.name).map((a) => [a.alias, Number(a.version)]),
        ),
      ),
    );
  }

  /** Changes a model's description (operator role; audited). */
  async updateModel(
    name: string,
    patch: { description?: string | null },
    actor: Actor,
  ): Promise<ModelRecord> {
    requireRole(actor, 'operator', `update model ${name}`);
    await withTransaction(this.h, async (tx) => {
      const res = await tx.db
        .updateTable('models')
        .set({ description: patch.description ?? null, updated_at: tx.clock.now() })
        .where('name', '=', name)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw notFoundModel(name);
      await insertChange(tx, {
        model: name,
        action: 'update-model',
        actor: actor.id,
        detail: { description: patch.description ?? null },
      });
    });
    return this.getModel(name);
  }

  /**
   * Renames a model; versions, aliases and approvals follow (the audit trail keeps the old name).
   * Serving follows `<model>@production`, so renaming a model whose protected alias is set needs the
   * approver role: it takes that alias away from everything that serves it.
   * @throws RegistryError `REGISTRY_FORBIDDEN`, `REGISTRY_MODEL_EXISTS`
   * @example await registry.renameModel('recommender', 'books', alice, 'new naming scheme')
   */
  async renameModel(name: string, newName: string, actor: Actor, reason?: string): Promise<ModelRecord> {
    checkModelName(newName, 'new_name');
    const m = await this.getModel(name);
    requireAliasRemoval(actor, m.policy, Object.keys(m.aliases), `rename model ${name}`);
    await withTransaction(this.h, async (tx) => {
      const exists = await tx.db
        .selectFrom('models')
        .select('name')
        .where('name', '=', newName)
        .executeTakeFirst();
      if (exists)
        throw new RegistryError('REGISTRY_MODEL_EXISTS', `model "${newName}" already exists`, {
          field: 'new_name',
        });
      const res = await tx.db
        .updateTable('models')
        .set({ name: newName, updated_at: tx.clock.now() })
        .where('name', '=', name)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw notFoundModel(name);
      await insertChange(tx, {
        model: newName,
        action: 'rename-model',
        actor: actor.id,
        reason,
        detail: { from: name, to: newName, aliases: m.aliases },
      });
    });
    return this.getModel(newName);
  }

  /**
   * Deletes a model and all its versions; the audit trail keeps a removal row per alias and one
   * for the model. A model with a protected alias set needs the approver role.
   * @throws RegistryError `REGISTRY_FORBIDDEN`, `REGISTRY_MODEL_NOT_FOUND`
   */
  async deleteModel(name: string, actor: Actor, reason?: string): Promise<void> {
    const m = await this.getModel(name);
    requireAliasRemoval(actor, m.policy, Object.keys(m.aliases), `delete model ${name}`);
    await withTransaction(this.h, async (tx) => {
      for (const [alias, version] of Object.entries(m.aliases)) {
        await insertEvent(tx, {
          model: name,
          alias,
          action: 'delete',
          fromVersion: version,
          toVersion: null,
          actor: actor.id,
          reason: reason ?? `model ${name} deleted`,
          gates: null,
          approvalId: null,
          runId: undefined,
          key: undefined,
        });
      }
      const res = await tx.db.deleteFrom('models').where('name', '=', name).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw notFoundModel(name);
      await insertChange(tx, {
        model: name,
        action: 'delete-model',
        actor: actor.id,
        reason,
        detail: { aliases: m.aliases, latestVersion: m.latestVersion },
      });
    });
  }

  /** Sets (or with `value` undefined, deletes) a model tag (operator role; audited). */
  async setModelTag(name: string, key: string, value: string | undefined, actor: Actor): Promise<void> {
    checkTagKey(key);
    requireRole(actor, 'operator', `tag model ${name}`);
    await withTransaction(this.h, async (tx) => {
      const row = await tx.db.selectFrom('models').select('tags').where('name', '=', name).executeTakeFirst();
      if (row === undefined) throw notFoundModel(name);
      const tags = JSON.parse(row.tags) as Record<string, string>;
      if (value === undefined) delete tags[key];
      else tags[key] = String(value);
      await tx.db
        .updateTable('models')
        .set({ tags: toJson(tags), updated_at: tx.clock.now() })
        .where('name', '=', name)
        .execute();
      await insertChange(tx, {
        model: name,
        action: value === undefined ? 'delete-model-tag' : 'set-model-tag',
        actor: actor.id,
        detail: value === undefined ? { key } : { key, value: String(value) },
      });
    });
  }

  /**
   * Replaces parts of the model's policy; keys left out keep their current value, `null` turns a gate
   * off. Needs the approver role: the policy decides what reaches production.
   * @example await registry.setPolicy('recommender', { gates: { latency: { p99BudgetMs: 5 } } }, actor)
   */
  async setPolicy(name: string, input: ModelPolicyInput, actor: Actor): Promise<ModelPolicy> {
    requireRole(actor, 'approver', "change a model's policy");
    const current = await this.getModel(name);
    const policy = parsePolicy(mergeDeep(current.policy, input));
    await withTransaction(this.h, async (tx) => {
      await tx.db
        .updateTable('models')
        .set({ policy: toJson(policy), updated_at: tx.clock.now() })
        .where('name', '=', name)
        .execute();
      await insertChange(tx, {
        model: name,
        action: 'set-policy',
        actor: actor.id,
        detail: { change: input as Record<string, unknown>, before: current.policy, after: policy },
      });
    });
    return policy;
  }

  /**
   * Registers a new version, numbered one past the model's highest, creating the model if needed.
   * Idempotent by `idempotencyKey` (default: source run + node) and by bundle hash: the same bytes
   * registered again (another run, another process at the same moment) get the version they have.
   * @example
   * const v = await registry.registerVersion({ model: 'recommender', artifactUri, artifactHash, sourceRun: run.id,
   *   sourceNode: 'train', metrics: { ndcg_at_10: 0.31 }, lineage: { dataset: { uri, hash, validation } } });
   */
  async registerVersion(input: NewVersion): Promise<VersionRecord> {
    const { model, version } = await insertVersion(this.h, input);
    return this.getVersion(model, version);
  }

  /** One version. @throws RegistryError `REGISTRY_VERSION_NOT_FOUND` / `REGISTRY_MODEL_NOT_FOUND` */
  async getVersion(model: string, version: number | string): Promise<VersionRecord> {
    const n = checkVersion(version);
    const row = await this.h.db
      .selectFrom('model_versions')
      .selectAll()
      .where('model_name', '=', model)
      .where('version', '=', n)
      .executeTakeFirst();
    if (row === undefined) {
      await this.getModel(model);
      throw notFoundVersion(model, n);
    }
    const aliases = await this.aliasMap(model);
    return toVersion(
      row,
      Object.entries(aliases)
        .filter(([, v]) => v === n)
        .map(([a]) => a),
    );
  }

  /**
   * The model's versions, newest first. `model` undefined lists every model's versions.
   * @example const [latest] = await registry.listVersions('recommender', { limit: 1 })
   */
  async listVersions(
    model?: string,
    options: { limit?: number; before?: number } = {},
  ): Promise<VersionRecord[]> {
    if (model !== undefined) await this.getModel(model);
    let q = this.h.db.selectFrom('model_versions').selectAll();
    if (model !== undefined) q = q.where('model_name', '=', model);
    // A keyset cursor: pages stay stable while new versions are registered at the top.
    if (options.before !== undefined) q = q.where('version', '<', options.before);
    q = q.orderBy('model_name').orderBy('version', 'desc');
    if (options.limit !== undefined) q = q.limit(options.limit);
    const rows = await q.execute();
    let aq = this.h.db.selectFrom('model_aliases').selectAll();
    if (model !== undefined) aq = aq.where('model_name', '=', model);
    // One pass over the aliases, not one per version: listing every model's versions stays linear.
    const held = new Map<string, string[]>();
    for (const a of await aq.execute()) {
      const key = `${a.model_name}\0${Number(a.version)}`;
      const list = held.get(key);
      if (list) list.push(a.alias);
      else held.set(key, [a.alias]);
    }
    return rows.map((r) => toVersion(r, held.get(`${r.model_name}\0${Number(r.version)}`) ?? []));
  }

  /** Changes a version's description (operator role; audited). */
  async updateVersion(
    model: string,
    version: number | string,
    patch: { description?: string | null },
    actor: Actor,
  ): Promise<VersionRecord> {
    const n = checkVersion(version);
    requireRole(actor, 'operator', `update ${model} v${n}`);
    await this.getVersion(model, n);
    await withTransaction(this.h, async (tx) => {
      await tx.db
        .updateTable('model_versions')
        .set({ description: patch.description ?? null, updated_at: tx.clock.now() })
        .where('model_name', '=', model)
        .where('version', '=', n)
        .execute();
      await insertChange(tx, {
        model,
        version: n,
        action: 'update-version',
        actor: actor.id,
        detail: { description: patch.description ?? null },
      });
    });
    return this.getVersion(model, n);
  }

  /** Sets (or with `value` undefined, deletes) a version tag (operator role; audited). */
  async setVersionTag(
    model: string,
    version: number | string,
    key: string,
    value: string | undefined,
    actor: Actor,
  ): Promise<void> {
    checkTagKey(key);
    const n = checkVersion(version);
    requireRole(actor, 'operator', `tag ${model} v${n}`);
    await withTransaction(this.h, async (tx) => {
      const row = await tx.db
        .selectFrom('model_versions')
        .select('tags')
        .where('model_name', '=', model)
        .where('version', '=', n)
        .executeTakeFirst();
      if (row === undefined) throw notFoundVersion(model, n);
      const tags = JSON.parse(row.tags) as Record<string, string>;
      if (value === undefined) delete tags[key];
      else tags[key] = String(value);
      await tx.db
        .updateTable('model_versions')
        .set({ tags: toJson(tags), updated_at: tx.clock.now() })
        .where('model_name', '=', model)
        .where('version', '=', n)
        .execute();
      await insertChange(tx, {
        model,
        version: n,
        action: value === undefined ? 'delete-version-tag' : 'set-version-tag',
        actor: actor.id,
        detail: value === undefined ? { key } : { key, value: String(value) },
      });
    });
  }

  /**
   * The registry's audit trail of changes that are not alias moves (those are in `audit`), newest
   * first: who created, renamed, deleted, tagged, described, re-policied or archived what.
   * @example await registry.changes({ model: 'recommender', limit: 20 })
   */
  changes(filter: ChangeFilter = {}): Promise<RegistryEvent[]> {
    return readChanges(this.h, filter);
  }

  /** Alias → version of one model. */
  protected async aliasMap(model: string): Promise<Record<string, number>> {
    const rows = await this.h.db
      .selectFrom('model_aliases')
      .select(['alias', 'version'])
      .where('model_name', '=', model)
      .orderBy('alias')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.alias, Number(r.version)]));
  }
}

/** The not-found error for a model. */
export function notFoundModel(name: string): RegistryError {
  return new RegistryError(
    'REGISTRY_MODEL_NOT_FOUND',
    `no registered model "${name}"; list them with \`bookml model list\``,
    { field: 'model' },
  );
}

/** The not-found error for a version of an existing model. */
export function notFoundVersion(model: string, version: number): RegistryError {
  return new RegistryError('REGISTRY_VERSION_NOT_FOUND', `model "${model}" has no version ${version}`, {
    field: 'version',
  });
}

function mergeDeep(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = mergeDeep(base[k], v);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
