import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  compareVersions,
  type GateEvidence,
  hasRole,
  lineageOf,
  type ModelPolicyInput,
  type Registry,
} from '../../registry/index.js';
import { ApiError } from '../errors.js';
import { routeSchema } from './route-schema.js';
import {
  AliasEvent,
  AliasParams,
  Approval,
  ApprovalsQuery,
  ApproveBody,
  AuditQuery,
  ChangesQuery,
  CompareQuery,
  Comparison,
  CreateModelBody,
  Lineage,
  Model,
  ModelParams,
  PolicyBody,
  PromoteBody,
  PromotionOutcome,
  type ReasonBody,
  RefParams,
  RegisterVersionBody,
  RegistryChange,
  RollbackBody,
  Version,
  VersionParams,
  VersionsQuery,
} from './schemas.js';

type Params<T extends z.ZodType> = { Params: z.infer<T> };

/**
 * The gate evidence (model I/O: production re-evaluated on the candidate's split, a latency benchmark)
 * a promotion over the API runs with, measured by the control plane and never sent by the caller: one
 * for every promotion, or a factory asked per promotion.
 */
export type GateEvidenceSource =
  | GateEvidence
  | ((target: { model: string; version: number; alias: string }) => GateEvidence | Promise<GateEvidence>);

/** The evidence `source` gives for one promotion or approval (none when no source is wired). */
export async function evidenceFor(
  source: GateEvidenceSource | undefined,
  target: { model: string; version: number; alias: string },
): Promise<GateEvidence | undefined> {
  return typeof source === 'function' ? source(target) : source;
}

/** Options of {@link registryRoutes}. */
export interface RegistryRoutesOptions {
  registry: Registry;
  /** Whether the run store knows a pipeline run (a registering step's run is linked only then). */
  runExists: (runId: string) => Promise<boolean>;
  gateEvidence?: GateEvidenceSource | undefined;
}

/**
 * `/api/v1` registry routes: models, versions, aliases (promote through gates), approvals,
 * rollback, audit trail (alias moves and every other change), lineage, compare. Roles: reads need
 * viewer, writes operator, approving and policy changes approver; the registry re-checks roles on
 * every change (taking a protected alias away needs approver). Identities are the token's
 * principal; gate evidence is measured by the control plane, never read from the request.
 */
export async function registryRoutes(app: FastifyInstance, opts: RegistryRoutesOptions): Promise<void> {
  const { registry } = opts;
  const tag = 'registry';

  app.get(
    '/models',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'List registered models',
        tag,
        ok: { 200: z.object({ models: z.array(Model) }) },
      }),
    },
    async () => ({
      models: await registry.listModels(),
    }),
  );

  app.post<{ Body: z.infer<typeof CreateModelBody> }>(
    '/models',
    {
      config: { role: 'operator' },
      schema: routeSchema({ summary: 'Create a model', tag, body: CreateModelBody, ok: { 201: Model } }),
    },
    async (req, reply) => {
      const b = req.body;
      // A policy chooses what reaches production: setting one at creation needs the approver role too.
      if (b.policy !== undefined && !hasRole(req.actor, 'approver')) {
        throw new ApiError('API_FORBIDDEN', `${req.actor.id} needs the approver role to set a policy`, {
          field: 'policy',
        });
      }
      const model = await registry.createModel({
        name: b.name,
        description: b.description,
        tags: b.tags,
        policy: b.policy as ModelPolicyInput,
        actor: req.actor.id,
      });
      return reply.code(201).send(model);
    },
  );

  app.get<Params<typeof ModelParams>>(
    '/models/:model',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'Get a model, its aliases and policy',
        tag,
        params: ModelParams,
        ok: { 200: Model },
      }),
    },
    async (req) => registry.getModel(req.params.model),
  );

  app.put<Params<typeof ModelParams> & { Body: z.infer<typeof PolicyBody> }>(
    '/models/:model/policy',
    {
      config: { role: 'approver' },
      schema: routeSchema({
        summary: "Change a model's gates and alias rules",
        tag,
        params: ModelParams,
        body: PolicyBody,
        ok: { 200: z.record(z.string(), z.unknown()) },
      }),
    },
    async (req) => registry.setPolicy(req.params.model, req.body as ModelPolicyInput, req.actor),
  );

  app.get<Params<typeof ModelParams> & { Querystring: z.infer<typeof VersionsQuery> }>(
    '/models/:model/versions',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary:
          'List versions, newest first; with `limit`, a page and the cursor of the next (`nextBefore`)',
        tag,
        params: ModelParams,
        query: VersionsQuery,
        ok: { 200: z.object({ versions: z.array(Version), nextBefore: z.number().nullable() }) },
      }),
    },
    async (req) => {
      const { limit, before } = req.query;
      const page = await registry.listVersions(req.params.model, {
        limit: limit === undefined ? undefined : limit + 1,
        before,
      });
      const more = limit !== undefined && page.length > limit;
      const versions = more ? page.slice(0, limit) : page;
      return { versions, nextBefore: more ? (versions.at(-1)?.version ?? null) : null };
    },
  );

  app.post<Params<typeof ModelParams> & { Body: z.infer<typeof RegisterVersionBody> }>(
    '/models/:model/versions',
    {
      config: { role: 'operator' },
      schema: routeSchema({
        summary: 'Register a version (idempotent by idempotencyKey, else by source run + node)',
        tag,
        params: ModelParams,
        body: RegisterVersionBody,
        ok: { 201: Version },
      }),
    },
    async (req, reply) => {
      const { run, ...body } = req.body;
      // A step's run is linked when this control plane ran it; an Argo run lives in Argo, so its id and
      // task are kept as tags instead of failing REGISTRY_RUN_NOT_FOUND.
      const link =
        run === undefined || body.sourceRun !== undefined
          ? {}
          : (await opts.runExists(run.id))
            ? { sourceRun: run.id, sourceNode: run.task }
            : { tags: { 'bookml.run': run.id, 'bookml.task': run.task, ...body.tags } };
      // registerVersion checks the name (REGISTRY_INVALID_INPUT on `model`) before anything else.
      const v = await registry.registerVersion({
        ...body,
        ...link,
        model: req.params.model,
        actor: req.actor.id,
      });
      return reply.code(201).send(v);
    },
  );

  app.get<Params<typeof VersionParams>>(
    '/models/:model/versions/:version',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'Get a version with metrics, params, lineage and gate results',
        tag,
        params: VersionParams,
        ok: { 200: Version },
      }),
    },
    async (req) => registry.getVersion(req.params.model, req.params.version),
  );

  app.post<Params<typeof VersionParams> & { Body: z.infer<typeof ApproveBody> }>(
    '/models/:model/versions/:version/approve',
    {
      config: { role: 'approver' },
      schema: routeSchema({
        summary: 'Approve a version for an alias (default production) and move it',
        tag: 'approvals',
        params: VersionParams,
        body: ApproveBody,
        ok: { 200: PromotionOutcome },
      }),
    },
    async (req) => {
      const { model, version } = req.params;
      const alias = req.body.alias ?? 'production';
      // Measured here, never sent: used when production moved since the stored evaluation.
      const evidence = await evidenceFor(opts.gateEvidence, { model, version: Number(version), alias });
      return registry.approve(model, version, { actor: req.actor, reason: req.body.reason, alias, evidence });
    },
  );

  app.get<Params<typeof AliasParams>>(
    '/models/:model/aliases/:alias',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'The version an alias points at',
        tag: 'aliases',
        params: AliasParams,
        ok: { 200: Version },
      }),
    },
    async (req) => registry.resolveAlias(req.params.model, req.params.alias),
  );

  app.put<Params<typeof AliasParams> & { Body: z.infer<typeof PromoteBody> }>(
    '/models/:model/aliases/:alias',
    {
      config: { role: 'operator' },
      schema: routeSchema({
        summary: 'Promote: move an alias through its gates (202 when it waits for an approval)',
        tag: 'aliases',
        params: AliasParams,
        body: PromoteBody,
        ok: { 200: PromotionOutcome, 202: PromotionOutcome },
      }),
    },
    async (req, reply) => {
      const { model, alias } = req.params;
      const evidence = await evidenceFor(opts.gateEvidence, { model, version: req.body.version, alias });
      const out = await registry.promote(model, req.body.version, alias, {
        actor: req.actor,
        reason: req.body.reason,
        runId: req.body.runId,
        evidence,
      });
      return reply.code(out.status === 'pending-approval' ? 202 : 200).send(out);
    },
  );

  app.delete<Params<typeof AliasParams> & { Body: z.infer<typeof ReasonBody> | undefined }>(
    '/models/:model/aliases/:alias',
    {
      config: { role: 'operator' },
      schema: routeSchema({
        summary: 'Remove an alias (audited)',
        tag: 'aliases',
        params: AliasParams,
        ok: { 200: AliasEvent },
      }),
    },
    async (req) => registry.deleteAlias(req.params.model, req.params.alias, req.actor, req.body?.reason),
  );

  app.post<Params<typeof ModelParams> & { Body: z.infer<typeof RollbackBody> }>(
    '/models/:model/rollback',
    {
      config: { role: 'operator' },
      schema: routeSchema({
        summary: 'Move production (or another alias) back to the version it served before',
        tag: 'aliases',
        params: ModelParams,
        body: RollbackBody,
        ok: { 200: AliasEvent },
      }),
    },
    async (req) =>
      registry.rollback(req.params.model, {
        actor: req.actor,
        alias: req.body.alias,
        reason: req.body.reason,
      }),
  );

  app.get<Params<typeof RefParams>>(
    '/models/:model/lineage/:ref',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'Dataset, code, params, run, gates and approval of a version or alias',
        tag: 'lineage',
        params: RefParams,
        ok: { 200: Lineage },
      }),
    },
    async (req) => lineageOf(registry, req.params.model, req.params.ref),
  );

  app.get<Params<typeof ModelParams> & { Querystring: z.infer<typeof CompareQuery> }>(
    '/models/:model/compare',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'Versions side by side: metrics, params, dataset, code',
        tag: 'compare',
        params: ModelParams,
        query: CompareQuery,
        ok: { 200: Comparison },
      }),
    },
    async (req) =>
      compareVersions(
        registry,
        req.params.model,
        req.query.versions.split(',').map((s) => s.trim()),
      ),
  );

  app.get<{ Querystring: z.infer<typeof ApprovalsQuery> }>(
    '/approvals',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'Approval requests and decisions, newest first',
        tag: 'approvals',
        query: ApprovalsQuery,
        ok: { 200: z.object({ approvals: z.array(Approval) }) },
      }),
    },
    async (req) => ({ approvals: await registry.listApprovals(req.query) }),
  );

  app.get<{ Querystring: z.infer<typeof AuditQuery> }>(
    '/audit',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'Audit trail of alias moves, newest first',
        tag: 'audit',
        query: AuditQuery,
        ok: { 200: z.object({ events: z.array(AliasEvent) }) },
      }),
    },
    async (req) => ({ events: await registry.audit(req.query) }),
  );

  app.get<{ Querystring: z.infer<typeof ChangesQuery> }>(
    '/audit/changes',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary:
          'Audit trail of every other registry change (create, rename, delete, tags, policy, stage), newest first',
        tag: 'audit',
        query: ChangesQuery,
        ok: { 200: z.object({ changes: z.array(RegistryChange) }) },
      }),
    },
    async (req) => ({ changes: await registry.changes(req.query) }),
  );
}
