import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  aliasRule,
  checkAlias,
  hasRole,
  type ModelRecord,
  type Registry,
  RegistryError,
  type TrackingStore,
  type VersionRecord,
} from '../../registry/index.js';
import { evidenceFor, type GateEvidenceSource } from '../v1/registry-routes.js';
import type { MlflowArgs } from './args.js';
import { latestPerStage, modelVersionJson, registeredModelJson } from './mlflow-json.js';
import { mlflowRoute } from './mlflow-route.js';
import { likeMatch, paged } from './tracking-routes.js';

/**
 * MLflow Model Registry (spec §5): registered models, model versions, aliases, tags. Setting an alias
 * goes through bookml's gates: a failed gate answers INVALID_PARAMETER_VALUE, an alias that needs an
 * approval answers PERMISSION_DENIED unless the caller holds the approver role (then the call is the
 * approval, recorded with the caller's identity, with the gate evidence the control plane measures).
 * Legacy stages map onto aliases: `Staging` ↔ `staging`, `Production` ↔ `production`; `None`/`Archived`
 * remove those aliases from the version (`Archived` is remembered). Every change goes through the
 * registry's guards (taking a protected alias away needs the approver role) and is audited.
 */
export async function mlflowRegistryRoutes(
  app: FastifyInstance,
  opts: { registry: Registry; tracking: TrackingStore; gateEvidence?: GateEvidenceSource | undefined },
): Promise<void> {
  const r = opts.registry;

  const modelJson = async (m: ModelRecord) =>
    registeredModelJson(m, latestPerStage(await r.listVersions(m.name), []));
  const versionOf = (a: MlflowArgs) => r.getVersion(a.str('name', true), versionArg(a));

  mlflowRoute(app, 'POST', '/registered-models/create', async (a, req) => {
    const m = await r.createModel({
      name: a.str('name', true),
      description: a.str('description'),
      tags: Object.fromEntries(a.keyValues('tags').map((t) => [t.key, t.value])),
      actor: req.actor.id,
    });
    return { registered_model: await modelJson(m) };
  });
  mlflowRoute(app, 'GET', '/registered-models/get', async (a) => ({
    registered_model: await modelJson(await r.getModel(a.str('name', true))),
  }));
  mlflowRoute(
    app,
    ['GET', 'POST'],
    '/registered-models/search',
    async (a) => {
      const models = (await r.listModels()).filter(compileModelFilter(a.str('filter'), ['name']));
      sortBy(
        models,
        a.list('order_by'),
        {
          name: (m) => m.name,
          last_updated_timestamp: (m) => m.updatedAt,
          creation_timestamp: (m) => m.createdAt,
        },
        'name',
      );
      const page = paged('registered_models', models, a, 100, 1000);
      const list = (page.registered_models as ModelRecord[]) ?? [];
      // One query for every model's versions (newest first per model), not one per listed model.
      const versionsOf = new Map<string, VersionRecord[]>();
      for (const v of list.length > 0 ? await r.listVersions() : []) {
        const vs = versionsOf.get(v.model);
        if (vs) vs.push(v);
        else versionsOf.set(v.model, [v]);
      }
      return {
        ...page,
        registered_models: list.map((m) =>
          registeredModelJson(m, latestPerStage(versionsOf.get(m.name) ?? [], [])),
        ),
      };
    },
    { read: true },
  );
  mlflowRoute(app, 'POST', '/registered-models/rename', async (a, req) => ({
    registered_model: await modelJson(
      await r.renameModel(
        a.str('name', true),
        a.str('new_name', true),
        req.actor,
        'renamed via the MLflow API',
      ),
    ),
  }));
  mlflowRoute(app, 'PATCH', '/registered-models/update', async (a, req) => ({
    registered_model: await modelJson(
      await r.updateModel(a.str('name', true), { description: a.str('description') ?? null }, req.actor),
    ),
  }));
  mlflowRoute(app, 'DELETE', '/registered-models/delete', async (a, req) => {
    await r.deleteModel(a.str('name', true), req.actor, 'deleted via the MLflow API');
  });
  mlflowRoute(app, 'POST', '/registered-models/set-tag', async (a, req) => {
    await r.setModelTag(a.str('name', true), a.str('key', true), a.str('value') ?? '', req.actor);
  });
  mlflowRoute(app, 'DELETE', '/registered-models/delete-tag', async (a, req) => {
    await r.setModelTag(a.str('name', true), a.str('key', true), undefined, req.actor);
  });
  mlflowRoute(
    app,
    ['GET', 'POST'],
    '/registered-models/get-latest-versions',
    async (a) => {
      const name = a.str('name', true);
      await r.getModel(name);
      return {
        model_versions: latestPerStage(await r.listVersions(name), a.list('stages')).map(modelVersionJson),
      };
    },
    { read: true },
  );

  mlflowRoute(app, 'POST', '/registered-models/alias', async (a, req) => {
    const name = a.str('name', true);
    const alias = checkAlias(a.str('alias', true));
    await setAlias(r, name, alias, versionArg(a), req, opts.gateEvidence);
  });
  mlflowRoute(app, 'DELETE', '/registered-models/alias', async (a, req) => {
    await r.deleteAlias(a.str('name', true), a.str('alias', true), req.actor, 'deleted via the MLflow API');
  });
  mlflowRoute(app, 'GET', '/registered-models/alias', async (a) => ({
    model_version: modelVersionJson(await r.resolveAlias(a.str('name', true), a.str('alias', true))),
  }));

  mlflowRoute(app, 'POST', '/model-versions/create', async (a, req) => {
    const name = a.str('name', true);
    const source = a.str('source', true);
    await r.getModel(name); // MLflow: the registered model must exist first.
    const run = a.str('run_id');
    let trackingRun: string | undefined;
    let sourceRun: string | undefined;
    let metrics: Record<string, number> | undefined;
    let params: Record<string, string> | undefined;
    if (run !== undefined) {
      const tracked = await opts.tracking.getRun(run).catch(() => undefined);
      if (tracked) {
        // The run's latest metrics and its params become the version's, so the gates can read them.
        trackingRun = run;
        // A pipeline run seen as an MLflow run links the version to the pipeline run too.
        if (tracked.pipelineRunId !== null) sourceRun = tracked.pipelineRunId;
        metrics = Object.fromEntries(
          tracked.metrics.filter((m) => Number.isFinite(m.value)).map((m) => [m.key, m.value]),
        );
        params = tracked.params;
      } else {
        sourceRun = run;
      }
    }
    const tags = Object.fromEntries(a.keyValues('tags').map((t) => [t.key, t.value]));
    const runLink = a.str('run_link');
    if (runLink) tags['mlflow.run_link'] = runLink;
    const v = await r.registerVersion({
      model: name,
      artifactUri: source,
      trackingRun,
      sourceRun,
      metrics,
      params,
      tags,
      description: a.str('description'),
      actor: req.actor.id,
      // Every MLflow create is a new version, even for the same run.
      idempotencyKey: `mlflow:${randomUUID()}`,
    });
    return { model_version: modelVersionJson(v) };
  });
  mlflowRoute(app, 'GET', '/model-versions/get', async (a) => ({
    model_version: modelVersionJson(await versionOf(a)),
  }));
  mlflowRoute(
    app,
    ['GET', 'POST'],
    '/model-versions/search',
    async (a) => {
      const versions = (await r.listVersions()).filter(
        compileModelFilter(a.str('filter'), ['name', 'run_id', 'source_path', 'version_number']),
      );
      sortBy(
        versions,
        a.list('order_by'),
        {
          name: (v) => v.model,
          version_number: (v) => v.version,
          creation_timestamp: (v) => v.createdAt,
          last_updated_timestamp: (v) => v.updatedAt,
        },
        'name',
      );
      const page = paged('model_versions', versions, a, 10_000, 200_000);
      return {
        ...page,
        model_versions: ((page.model_versions as VersionRecord[]) ?? []).map(modelVersionJson),
      };
    },
    { read: true },
  );
  mlflowRoute(app, 'PATCH', '/model-versions/update', async (a, req) => ({
    model_version: modelVersionJson(
      await r.updateVersion(
        a.str('name', true),
        versionArg(a),
        { description: a.str('description') ?? null },
        req.actor,
      ),
    ),
  }));
  mlflowRoute(app, 'POST', '/model-versions/transition-stage', async (a, req) => {
    const name = a.str('name', true);
    const version = versionArg(a);
    const stage = a.str('stage', true).toLowerCase();
    a.bool('archive_existing_versions', true); // required by MLflow; aliases hold one version each anyway
    await r.getVersion(name, version);
    if (stage === 'staging' || stage === 'production') {
      await setAlias(r, name, stage, version, req, opts.gateEvidence);
    } else if (stage === 'none' || stage === 'archived') {
      await r.setStage(
        name,
        version,
        stage === 'archived' ? 'Archived' : 'None',
        req.actor,
        `transition-stage ${stage} via the MLflow API`,
      );
    } else {
      throw new RegistryError(
        'REGISTRY_INVALID_INPUT',
        `Invalid Model Version stage: ${a.str('stage')}. Value must be one of None, Staging, Production, Archived.`,
        { field: 'stage' },
      );
    }
    return { model_version: modelVersionJson(await r.getVersion(name, version)) };
  });
  mlflowRoute(app, 'DELETE', '/model-versions/delete', async (a, req) => {
    await r.deleteVersion(a.str('name', true), versionArg(a), req.actor, 'deleted via the MLflow API');
  });
  mlflowRoute(app, 'POST', '/model-versions/set-tag', async (a, req) => {
    await r.setVersionTag(
      a.str('name', true),
      versionArg(a),
      a.str('key', true),
      a.str('value') ?? '',
      req.actor,
    );
  });
  mlflowRoute(app, 'DELETE', '/model-versions/delete-tag', async (a, req) => {
    await r.setVersionTag(a.str('name', true), versionArg(a), a.str('key', true), undefined, req.actor);
  });
  mlflowRoute(app, 'GET', '/model-versions/get-download-uri', async (a) => ({
    artifact_uri: (await versionOf(a)).artifactUri,
  }));
}

/**
 * Moves an alias through the gates. For an alias that needs an approval, a caller with the approver
 * role approves in the same call (MLflow has no separate approval step), with the gate evidence
 * the control plane measures; anyone else gets PERMISSION_DENIED and nothing is recorded but the
 * gate results.
 */
async function setAlias(
  r: Registry,
  name: string,
  alias: string,
  version: number,
  req: FastifyRequest,
  gateEvidence: GateEvidenceSource | undefined,
): Promise<void> {
  const m = await r.getModel(name);
  const evidence = await evidenceFor(gateEvidence, { model: name, version, alias });
  if (aliasRule(m.policy, alias).approval && hasRole(req.actor, 'approver') && !m.policy.autoApprove) {
    await r.approve(name, version, {
      actor: req.actor,
      alias,
      reason: `set via the MLflow API by ${req.actor.id}`,
      evidence,
    });
    return;
  }
  await r.promote(name, version, alias, {
    actor: req.actor,
    reason: 'set via the MLflow API',
    whenApprovalNeeded: 'refuse',
    evidence,
  });
}

function versionArg(a: MlflowArgs): number {
  const v = a.str('version', true);
  if (!/^\d+$/.test(v) || Number(v) < 1) {
    throw new RegistryError(
      'REGISTRY_INVALID_INPUT',
      `Invalid value "${v}" for parameter 'version' supplied.`,
      { field: 'version' },
    );
  }
  return Number(v);
}

type Filterable = ModelRecord | VersionRecord;

/** `name = 'x'`, `name LIKE '%rec%'`, `run_id = '…'`, `tags.k = 'v'`, joined by `and`. */
function compileModelFilter(filter: string | undefined, attributes: string[]): (x: Filterable) => boolean {
  if (!filter) return () => true;
  const clauses = filter.split(/\s+and\s+/i).map((c) => {
    const m =
      /^\s*((?:attributes\.)?[a-z_]+|tags\.(?:`[^`]+`|[\w.-]+))\s*(=|!=|LIKE|ILIKE)\s*(?:'([^']*)'|"([^"]*)"|(\d+))\s*$/i.exec(
        c,
      );
    const field = m?.[1]?.replace(/^attributes\./, '');
    if (!m || !field || (!field.startsWith('tags.') && !attributes.includes(field))) {
      throw new RegistryError('REGISTRY_INVALID_INPUT', `Invalid filter '${c.trim()}'`, { field: 'filter' });
    }
    return { field, op: (m[2] ?? '=').toUpperCase(), value: m[3] ?? m[4] ?? m[5] ?? '' };
  });
  return (x) =>
    clauses.every((c) => {
      const v = fieldOf(x, c.field);
      return v !== undefined && likeMatch(v, c.op, c.value);
    });
}

function fieldOf(x: Filterable, field: string): string | undefined {
  if (field.startsWith('tags.')) return x.tags[field.slice(5).replace(/`/g, '')];
  if ('version' in x) {
    if (field === 'name') return x.model;
    if (field === 'run_id') return x.trackingRun ?? x.sourceRun ?? undefined;
    if (field === 'source_path') return x.artifactUri;
    if (field === 'version_number') return String(x.version);
    return undefined;
  }
  return field === 'name' ? x.name : undefined;
}

function sortBy<T>(
  items: T[],
  orderBy: string[],
  keys: Record<string, (x: T) => string | number>,
  fallback: string,
): void {
  const specs = [...orderBy, fallback].map((o) => {
    const [k = '', dir = 'ASC'] = o.trim().split(/\s+/);
    const get = keys[k];
    if (!get)
      throw new RegistryError('REGISTRY_INVALID_INPUT', `Invalid order_by clause '${o}'`, {
        field: 'order_by',
      });
    return { get, desc: dir.toUpperCase() === 'DESC' };
  });
  items.sort((a, b) => {
    for (const s of specs) {
      const x = s.get(a);
      const y = s.get(b);
      if (x !== y) return (x < y ? -1 : 1) * (s.desc ? -1 : 1);
    }
    return 0;
  });
}
