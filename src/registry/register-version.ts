import { type DbHandle, isSha256, toJson, withTransaction } from '../store/index.js';
import { RegistryError } from './errors.js';
import { checkModelName, checkTagKey } from './names.js';
import { DEFAULT_POLICY } from './policy.js';
import { insertChange } from './registry-events.js';
import type { VersionLineage } from './types.js';

/** Inputs of {@link ModelCatalog.registerVersion}. */
export interface NewVersion {
  /** The model; created with the default policy when it does not exist yet. */
  model: string;
  /** Where the artifact lives (`file:…`, `s3://…`, an artifact-store URI). */
  artifactUri: string;
  /**
   * The artifact's content hash (lowercase hex sha256, optionally prefixed `sha256:`). A model has
   * one version per hash: registering the same bytes again returns the version they already have.
   */
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
  /** Who registers it: the authenticated principal (an author of record of the version). */
  actor?: string | undefined;
  /**
   * Registering twice with the same key returns the first version instead of a new one.
   * @default `<sourceRun>/<sourceNode>` when `sourceRun` is given
   */
  idempotencyKey?: string | undefined;
}

/**
 * Registers a version and returns its number: one past the model's highest, or the version the
 * same idempotency key or the same bundle hash already has. The first write of the transaction
 * takes the model row's lock (creating the row if needed), and only then are the key and the hash
 * looked up, so two processes registering the same bytes at once get one version.
 */
export async function insertVersion(
  h: DbHandle,
  input: NewVersion,
): Promise<{ model: string; version: number }> {
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
  const actor = input.actor ?? 'unknown';
  const version = await withTransaction(h, async (tx) => {
    const now = tx.clock.now();
    const created = await tx.db
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
      .returning('name')
      .executeTakeFirst();
    // Lock the model row before looking anything up: a concurrent registration of the same key or
    // bytes waits here and then finds this one's version.
    await tx.db
      .updateTable('models')
      .set((eb) => ({ updated_at: eb.ref('updated_at') }))
      .where('name', '=', model)
      .execute();
    if (key !== undefined || hash !== null) {
      let q = tx.db.selectFrom('model_versions').select('version').where('model_name', '=', model);
      q = q.where((eb) =>
        eb.or([
          ...(key === undefined ? [] : [eb('idempotency_key', '=', key)]),
          ...(hash === null ? [] : [eb('artifact_sha256', '=', hash)]),
        ]),
      );
      const prior = await q.orderBy('version').executeTakeFirst();
      if (prior) return Number(prior.version);
    }
    if (input.sourceRun !== undefined) {
      const run = await tx.db
        .selectFrom('runs')
        .select('id')
        .where('id', '=', input.sourceRun)
        .executeTakeFirst();
      if (!run)
        throw new RegistryError('REGISTRY_RUN_NOT_FOUND', `pipeline run ${input.sourceRun} does not exist`, {
          field: 'sourceRun',
        });
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
    if (created) await insertChange(tx, { model, action: 'create-model', actor });
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
    await insertChange(tx, {
      model,
      version: n,
      action: 'register-version',
      actor,
      detail: {
        artifactUri: input.artifactUri,
        artifactHash: hash,
        sourceRun: input.sourceRun ?? null,
        trackingRun: input.trackingRun ?? null,
      },
    });
    return n;
  });
  return { model, version };
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

/** Checks every tag key and that values are strings. @throws RegistryError `REGISTRY_INVALID_INPUT` */
export function checkTags(tags: Record<string, string>): Record<string, string> {
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
