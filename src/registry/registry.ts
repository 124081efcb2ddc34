import { type DbHandle, isSha256, toJson, withTransaction } from '../store/index.js';
import { RegistryError } from './errors.js';
import { checkModelName, checkTagKey, checkVersion } from './names.js';
import { DEFAULT_POLICY, type ModelPolicy, type ModelPolicyInput, parsePolicy } from './policy.js';
import { toModel, toVersion } from './rows.js';
import type { Actor, ModelRecord, VersionLineage, VersionRecord } from './types.js';
import { hasRole } from './types.js';

/** Inputs of {@link ModelCatalog.registerVersion}. */
export interface NewVersion {
  /** The model; created with the default policy when it does not exist yet. */
  model: string;
  /** Where the artifact lives (`file:…`, `s3://…`, an artifact-store URI). */
  artifactUri: string;
  /** The artifact's content hash (lowercase hex sha256, optionally prefixed `sha256:`). */
  artifactHash?: string | undefined;
  /** The pipeline run and node that produced it (the run must exist in the run store). */
  sourceRun?: string | undefined;
  sourceNode?: string | undefined;
  /** An MLflow-compatible tracking run id (must exist among tracking runs). */
  trackingRun?: string | undefined;
  metrics?: Record<string, number> | undefined;
  params?: Record<string, unknown> | undefined;
  tags?: Record<string, string> | undefined;
  description?: string | undefined;
  lineage?: VersionLineage | undefined;
  /** Who registers it. */
  actor?: string | undefined;
  /**
   * Registering twice with the same key returns the first version instead of a new one.
   * @default `<sourceRun>/<sourceNode>` when `sourceRun` is given
   */
  idempotencyKey?: string | undefined;
}

/**
 * Models and their numbered versions: create, read, list, describe, tag, delete. Alias moves live
 * in {@link Registry}, which extends this with gates and approvals.
 */
export class ModelCatalog {
  protected readonly h: DbHandle;

  constructor(handle: DbHandle) {
    this.h = handle;
  }

  /**
   * Creates a model. @throws RegistryError `REGISTRY_MODEL_EXISTS`
   * @example await registry.createModel({ name: 'recommender', description: 'item-kNN' })
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
    const now = this.h.clock.now();
    const inserted = await this.h.db
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

  /** Changes a model's description. */
  async updateModel(name: string, patch: { description?: string | null }): Promise<ModelRecord> {
    const res = await this.h.db
      .updateTable('models')
      .set({ description: patch.description ?? null, updated_at: this.h.clock.now() })
      .where('name', '=', name)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw notFoundModel(name);
    return this.getModel(name);
  }

  /** Renames a model; versions, aliases and approvals follow (the audit trail keeps the old name). */
  async renameModel(name: string, newName: string): Promise<ModelRecord> {
    checkModelName(newName, 'new_name');
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
    });
    return this.getModel(newName);
  }

  /** Deletes a model and all its versions (the audit trail stays). */
  async deleteModel(name: string): Promise<void> {
    const res = await this.h.db.deleteFrom('models').where('name', '=', name).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw notFoundModel(name);
  }

  /** Sets (or with `value` undefined, deletes) a model tag. */
  async setModelTag(name: string, key: string, value: string | undefined): Promise<void> {
    checkTagKey(key);
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
    });
  }

  /**
   * Replaces parts of the model's policy; keys left out keep their current value, `null` turns a gate
   * off. Needs the approver role: the policy decides what reaches production.
   * @example await registry.setPolicy('recommender', { gates: { latency: { p99BudgetMs: 5 } } }, actor)
   */
  async setPolicy(name: string, input: ModelPolicyInput, actor: Actor): Promise<ModelPolicy> {
    if (!hasRole(actor, 'approver')) {
      throw new RegistryError(
        'REGISTRY_FORBIDDEN',
        `${actor.id} needs the approver role to change a model's policy`,
        {
          field: 'actor',
        },
      );
    }
    const current = await this.getModel(name);
    const policy = parsePolicy(mergeDeep(current.policy, input));
    await this.h.db
      .updateTable('models')
      .set({ policy: toJson(policy), updated_at: this.h.clock.now() })
      .where('name', '=', name)
      .execute();
    return policy;
  }

  /**
   * Registers a new version, numbered one past the model's highest, creating the model if needed.
   * Idempotent by `idempotencyKey` (default: source run + node).
   * @example
   * const v = await registry.registerVersion({ model: 'recommender', artifactUri, artifactHash, sourceRun: run.id,
   *   sourceNode: 'train', metrics: { ndcg_at_10: 0.31 }, lineage: { dataset: { uri, hash, validation } } });
   */
  async registerVersion(input: NewVersion): Promise<VersionRecord> {
    const model = checkModelName(input.model);
    if (typeof input.artifactUri !== 'string' || input.artifactUri.trim() === '') {
      throw new RegistryError(
        'REGISTRY_INVALID_INPUT',
        'artifactUri must name where the model artifact lives',
        {
          field: 'artifactUri',
        },
      );
    }
    const hash = normaliseHash(input.artifactHash);
    const metrics = checkMetrics(input.metrics ?? {});
    const tags = checkTags(input.tags ?? {});
    const key =
      input.idempotencyKey ?? (input.sourceRun ? `${input.sourceRun}/${input.sourceNode ?? ''}` : undefined);
    const version = await withTransaction(this.h, async (tx) => {
      const now = tx.clock.now();
      if (key !== undefined) {
        const prior = await tx.db
          .selectFrom('model_versions')
          .select('version')
          .where('model_name', '=', model)
          .where('idempotency_key', '=', key)
          .executeTakeFirst();
        if (prior) return Number(prior.version);
      }
      if (input.sourceRun !== undefined) {
        const run = await tx.db
          .selectFrom('runs')
          .select('id')
          .where('id', '=', input.sourceRun)
          .executeTakeFirst();
        if (!run)
          throw new RegistryError(
            'REGISTRY_RUN_NOT_FOUND',
            `pipeline run ${input.sourceRun} does not exist`,
            { field: 'sourceRun' },
          );
      }
      if (input.trackingRun !== undefined) {
        const run = await tx.db
          .selectFrom('tracking_runs')
          .select('id')
          .where('id', '=', input.trackingRun)
          .executeTakeFirst();
        if (!run)
          throw new RegistryError('REGISTRY_RUN_NOT_FOUND', `run ${input.trackingRun} does not exist`, {
            field: 'run_id',
          });
      }
      await tx.db
        .insertInto('models')
        .values({
          name: model,
          description: null,
          tags: toJson({}),
          policy: toJson(DEFAULT_POLICY),
          created_at: now,
          updated_at: now,
          created_by: input.actor ?? null,
        })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      // Bumping the counter row also locks it, so concurrent registrations get distinct numbers.
      const bumped = await tx.db
        .updateTable('models')
        .set((eb) => ({ latest_version: eb('latest_version', '+', 1), updated_at: now }))
        .where('name', '=', model)
        .returning('latest_version')
        .executeTakeFirstOrThrow();
      const n = Number(bumped.latest_version);
      await tx.db
        .insertInto('model_versions')
        .values({
          model_name: model,
          version: n,
          status: 'READY',
          status_message: null,
          artifact_sha256: hash,
          artifact_uri: input.artifactUri,
          source_run_id: input.sourceRun ?? null,
          source_node_id: input.sourceNode ?? null,
          tracking_run_id: input.trackingRun ?? null,
          metrics: toJson(metrics),
          params: toJson(input.params ?? {}),
          tags: toJson(tags),
          description: input.description ?? null,
          lineage: toJson<Record<string, unknown>>({ ...(input.lineage ?? {}) }),
          gate_results: toJson({}),
          idempotency_key: key ?? null,
          created_at: now,
          updated_at: now,
          created_by: input.actor ?? null,
        })
        .execute();
      return n;
    });
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
      throw new RegistryError('REGISTRY_VERSION_NOT_FOUND', `model "${model}" has no version ${n}`, {
        field: 'version',
      });
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
  async listVersions(model?: string, options: { limit?: number } = {}): Promise<VersionRecord[]> {
    if (model !== undefined) await this.getModel(model);
    let q = this.h.db.selectFrom('model_versions').selectAll();
    if (model !== undefined) q = q.where('model_name', '=', model);
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

  /** Changes a version's description. */
  async updateVersion(
    model: string,
    version: number | string,
    patch: { description?: string | null },
  ): Promise<VersionRecord> {
    const n = checkVersion(version);
    const res = await this.h.db
      .updateTable('model_versions')
      .set({ description: patch.description ?? null, updated_at: this.h.clock.now() })
      .where('model_name', '=', model)
      .where('version', '=', n)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) await this.getVersion(model, n);
    return this.getVersion(model, n);
  }

  /** Sets (or with `value` undefined, deletes) a version tag. */
  async setVersionTag(
    model: string,
    version: number | string,
    key: string,
    value: string | undefined,
  ): Promise<void> {
    checkTagKey(key);
    const n = checkVersion(version);
    await withTransaction(this.h, async (tx) => {
      const row = await tx.db
        .selectFrom('model_versions')
        .select('tags')
        .where('model_name', '=', model)
        .where('version', '=', n)
        .executeTakeFirst();
      if (row === undefined) {
        throw new RegistryError('REGISTRY_VERSION_NOT_FOUND', `model "${model}" has no version ${n}`, {
          field: 'version',
        });
      }
      const tags = JSON.parse(row.tags) as Record<string, string>;
      if (value === undefined) delete tags[key];
      else tags[key] = String(value);
      await tx.db
        .updateTable('model_versions')
        .set({ tags: toJson(tags), updated_at: tx.clock.now() })
        .where('model_name', '=', model)
        .where('version', '=', n)
        .execute();
    });
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

function normaliseHash(hash: string | undefined): string | null {
  if (hash === undefined || hash === '') return null;
  const hex = hash.startsWith('sha256:') ? hash.slice('sha256:'.length) : hash;
  if (!isSha256(hex)) {
    throw new RegistryError(
      'REGISTRY_INVALID_INPUT',
      'artifactHash must be a lowercase hex sha256 (64 characters)',
      {
        field: 'artifactHash',
      },
    );
  }
  return hex;
}

function checkMetrics(metrics: Record<string, number>): Record<string, number> {
  for (const [k, v] of Object.entries(metrics)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RegistryError('REGISTRY_INVALID_INPUT', `metric "${k}" must be a finite number (got ${v})`, {
        field: `metrics.${k}`,
      });
    }
  }
  return metrics;
}

function checkTags(tags: Record<string, string>): Record<string, string> {
  for (const [k, v] of Object.entries(tags)) {
    checkTagKey(k, `tags.${k}`);
    if (typeof v !== 'string') {
      throw new RegistryError('REGISTRY_INVALID_INPUT', `tag "${k}" must be a string`, {
        field: `tags.${k}`,
      });
    }
  }
  return tags;
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
