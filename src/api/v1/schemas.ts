import { z } from 'zod';
import { GATE_NAMES, ROLES } from '../../registry/index.js';

/** A zod schema as the JSON Schema (draft-07) Fastify validates with and the OpenAPI document shows. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-7',
    io,
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest;
}

const nameParam = z.string().min(1).max(128).describe('registered model name, e.g. recommender');
const versionNumber = z.number().int().min(1);

export const ModelParams = z.object({ model: nameParam });
export const VersionParams = z.object({
  model: nameParam,
  version: z.string().regex(/^\d+$/).describe('version number'),
});
export const AliasParams = z.object({ model: nameParam, alias: z.string().min(1).max(256) });
export const RefParams = z.object({
  model: nameParam,
  ref: z.string().min(1).describe('version number or alias'),
});

export const CreateModelBody = z.object({
  name: nameParam,
  description: z.string().max(5000).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  policy: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('see ModelPolicy; omitted keys take the defaults'),
});

export const PolicyBody = z
  .record(z.string(), z.unknown())
  .describe('partial ModelPolicy; null turns a gate off');

export const RegisterVersionBody = z.object({
  artifactUri: z.string().min(1),
  artifactHash: z.string().optional(),
  sourceRun: z.string().optional(),
  sourceNode: z.string().optional(),
  metrics: z.record(z.string(), z.number()).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  description: z.string().optional(),
  lineage: z.record(z.string(), z.unknown()).optional(),
  idempotencyKey: z.string().optional(),
  run: z
    .object({ id: z.string().min(1).max(256), task: z.string().min(1).max(256) })
    .optional()
    .describe(
      'the pipeline run and task registering (a step): linked as sourceRun/sourceNode when this control plane knows the run, else recorded as the tags bookml.run and bookml.task',
    ),
});

export const PromoteBody = z.object({
  version: versionNumber,
  reason: z.string().max(2000).optional(),
  runId: z.string().optional().describe('the pipeline run promoting; with the version it keys idempotency'),
});

export const ApproveBody = z.object({
  reason: z.string().min(1).max(2000),
  alias: z.string().optional().describe('default production'),
});

export const RollbackBody = z.object({
  alias: z.string().optional().describe('default production'),
  reason: z.string().max(2000).optional(),
});

export const ReasonBody = z.object({ reason: z.string().max(2000).optional() });

export const ListQuery = z.object({ limit: z.number().int().min(1).max(10_000).optional() });
/** A page of versions: `limit` of them below the `before` cursor (the previous page's `nextBefore`). */
export const VersionsQuery = ListQuery.extend({
  before: z.number().int().min(1).optional().describe('only versions below this one (a keyset cursor)'),
});
export const AuditQuery = z.object({
  model: z.string().optional(),
  alias: z.string().optional(),
  version: z.number().int().min(1).optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
});
export const ApprovalsQuery = z.object({
  model: z.string().optional(),
  status: z.enum(['pending', 'approved', 'rejected']).optional(),
});
export const CompareQuery = z.object({
  versions: z
    .string()
    .regex(/^[^,]+(,[^,]+)+$/)
    .describe('two or more versions or aliases, comma-separated: 7,9 or production,staging'),
});
export const RunsQuery = z.object({
  pipeline: z.string().optional(),
  phase: z
    .string()
    .regex(/^[A-Za-z]+(,[A-Za-z]+)*$/)
    .optional()
    .describe('one phase or several, comma-separated: Running,Pending'),
  limit: z.number().int().min(1).max(1000).optional(),
  offset: z.number().int().min(0).optional().describe('runs to skip (pages of `limit`)'),
  trigger: z
    .enum(['schedule', 'webhook', 'drift', 'manual'])
    .optional()
    .describe('what started the run (its bookml.io/trigger label; manual: none or manual)'),
});
export const RunParams = z.object({ runId: z.string().min(1) });

const GateResult = z.looseObject({
  gate: z.enum(GATE_NAMES),
  passed: z.boolean(),
  value: z.number().nullable(),
  op: z.enum(['>=', '<=']),
  threshold: z.number().nullable(),
  detail: z.string(),
  evidence: z
    .enum(['measured', 'recorded', 'caller-supplied'])
    .optional()
    .describe(
      'measured by bookml, recorded with the version, or caller-supplied (never enough for production)',
    ),
});
const GateEvaluation = z.looseObject({
  alias: z.string(),
  passed: z.boolean(),
  evaluatedAt: z.number().describe('epoch ms'),
  evaluatedBy: z.string(),
  productionVersion: z.number().nullable(),
  results: z.array(GateResult),
});
export const Model = z.looseObject({
  name: z.string(),
  description: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  policy: z.record(z.string(), z.unknown()),
  latestVersion: z.number(),
  aliases: z.record(z.string(), z.number()),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export const Version = z.looseObject({
  model: z.string(),
  version: z.number(),
  status: z.string(),
  artifactUri: z.string(),
  artifactHash: z.string().nullable(),
  sourceRun: z.string().nullable(),
  sourceNode: z.string().nullable(),
  metrics: z.record(z.string(), z.number()),
  params: z.record(z.string(), z.unknown()),
  tags: z.record(z.string(), z.string()),
  lineage: z.record(z.string(), z.unknown()),
  gates: z.record(z.string(), GateEvaluation),
  aliases: z.array(z.string()),
});
export const AliasEvent = z.looseObject({
  id: z.number(),
  model: z.string(),
  alias: z.string(),
  action: z.enum(['set', 'delete', 'rollback']),
  fromVersion: z.number().nullable(),
  toVersion: z.number().nullable(),
  actor: z.string(),
  reason: z.string().nullable(),
  gates: GateEvaluation.nullable(),
  approvalId: z.number().nullable(),
  at: z.number(),
});
export const RegistryChange = z.looseObject({
  id: z.number(),
  model: z.string().describe("the model's name after the change"),
  version: z.number().nullable(),
  action: z
    .string()
    .describe(
      'create-model, rename-model, delete-model, set-model-tag, set-policy, register-version, delete-version, set-stage, …',
    ),
  actor: z.string(),
  reason: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
  at: z.number(),
});
export const ChangesQuery = z.object({
  model: z.string().optional(),
  version: z.number().int().min(1).optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
});
export const Approval = z.looseObject({
  id: z.number(),
  model: z.string(),
  version: z.number(),
  alias: z.string(),
  status: z.enum(['pending', 'approved', 'rejected']),
  method: z
    .enum(['manual', 'auto'])
    .nullable()
    .describe('auto = granted by the local-demo auto-approve setting'),
  requestedBy: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: z.number().nullable(),
  reason: z.string().nullable(),
});
export const PromotionOutcome = z.looseObject({
  status: z.enum(['moved', 'unchanged', 'pending-approval', 'already-done']),
  model: z.string(),
  alias: z.string(),
  version: z.number(),
  fromVersion: z.number().nullable(),
  gates: GateEvaluation.nullable(),
  event: AliasEvent.nullable(),
  approval: Approval.nullable(),
  autoApproved: z.boolean(),
});
export const Lineage = z.looseObject({
  model: z.string(),
  version: z.number(),
  aliases: z.array(z.string()),
  dataset: z.looseObject({ uri: z.string(), hash: z.string() }).nullable(),
  codeVersion: z.record(z.string(), z.unknown()).nullable(),
  online: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe('the online features materialised with the version: view, version, store, counts'),
  params: z.record(z.string(), z.unknown()),
  run: z.looseObject({ id: z.string() }).nullable(),
  gates: z.array(GateEvaluation),
  approval: Approval.nullable(),
});
const Row = z.object({ key: z.string(), values: z.array(z.unknown()), differs: z.boolean() });
export const Comparison = z.looseObject({
  model: z.string(),
  versions: z.array(z.number()),
  metrics: z.array(Row),
  params: z.array(Row),
  dataset: z.array(Row),
  code: z.array(Row),
});
export const Whoami = z.object({
  id: z.string(),
  roles: z.array(z.enum(ROLES)),
  auth: z.enum(['token', 'none (loopback only)']),
});
export const ErrorBody = z.object({
  statusCode: z.number(),
  code: z.string().describe('stable error code, e.g. REGISTRY_GATE_FAILED'),
  message: z.string(),
  field: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  requestId: z.string().optional(),
});

const sha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .describe('lowercase hex sha256');
const byteCount = z.number().int().min(0);

export const ShaParams = z.object({ sha256 });
/** Raw bytes, for the OpenAPI document only (never validated: the body is a stream). */
export const Binary = z.string().meta({ format: 'binary' });
export const StoredBlob = z.object({
  sha256,
  size: byteCount.describe("the blob's own size in bytes (for a directory, its manifest's)"),
  uri: z.string().describe("where the bytes live in the control plane's store (file:///… or s3://…)"),
  kind: z.enum(['file', 'dir']),
});
export const StoredDir = StoredBlob.extend({
  kind: z.literal('dir'),
  files: byteCount,
  totalSize: byteCount.describe("sum of the files' sizes, in bytes"),
});
export const DirManifestBody = z.object({
  format: z.literal('bookml.dir/v1'),
  entries: z
    .array(
      z.object({
        path: z.string().min(1).max(4096).describe('relative, /-separated, normalised'),
        sha256,
        size: byteCount,
        executable: z.boolean(),
      }),
    )
    .max(1_000_000),
});
export const LookupBody = z.object({ sha256: z.array(sha256).min(1).max(10_000) });
export const LookupResult = z.object({
  present: z.array(z.object({ sha256, size: byteCount, uri: z.string() })),
  missing: z.array(sha256),
});

export const DatasetSource = z.object({
  kind: z.enum(['synthetic', 'csv', 'jsonl', 'postgres', 'files']),
  uri: z.string().min(1).max(4096),
  options: z.unknown().optional(),
});
const DatasetCounts = z.object({
  books: byteCount,
  customers: byteCount,
  orders: byteCount,
  orderLines: byteCount,
});
export const DatasetSummary = z.object({
  hash: sha256.describe("sha256 naming the dataset's content"),
  source: DatasetSource,
  counts: DatasetCounts,
  current: z.boolean().optional(),
});
export const Dataset = DatasetSummary.extend({
  artifact: StoredDir.describe(
    "a directory artifact holding the dataset's files; download it with the artifact routes",
  ),
});
export const DatasetRefParams = z.object({
  ref: z
    .string()
    .regex(/^[0-9a-f]{4,64}$/)
    .describe('a hash prefix of 4 to 64 lowercase hex characters'),
});
export const AddDatasetBody = z.object({
  artifact: sha256.describe('a directory artifact uploaded before, holding the four CSV files'),
  source: DatasetSource,
  makeCurrent: z.boolean().optional().describe('also make it the current dataset; default false'),
});

export const PublishEventBody = z.object({
  topic: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,199}$/)
    .describe('dataset.ready, model.registered, …'),
  payload: z.record(z.string(), z.unknown()),
});
export const DatasetList = z.object({ datasets: z.array(DatasetSummary) });
export const CurrentDataset = z.object({ dataset: Dataset.nullable() });
export const AddedDataset = Dataset.extend({
  created: z.boolean().describe('false when a dataset with this content existed already'),
});
export const PublishedEvent = z.object({ id: z.string().describe("the event's id on the bus") });

const OrderId = z.union([z.string().min(1).max(256), z.number().int().safe()]);
export const OnlineOrdersBody = z.object({
  orders: z
    .array(
      z.object({
        customer_id: OrderId,
        book_id: OrderId,
        time: z
          .union([z.iso.datetime({ offset: true }), z.number().int().min(0)])
          .optional()
          .describe('when it was bought: ISO 8601 or epoch ms; default now'),
      }),
    )
    .min(1)
    .max(10_000),
});
const FeatureRefOut = z.object({ view: z.string(), version: z.string() });
export const OnlineOrdersResult = z.object({
  purchases: z.number().int(),
  customers: z.number().int(),
  versions: z.array(FeatureRefOut).describe('the feature versions the orders went into'),
});
export const OnlineVersionList = z.object({
  versions: z.array(
    FeatureRefOut.extend({
      source: z.string().describe('the dataset hash the histories were built from'),
      customers: z.number().int(),
      entries: z.number().int(),
      createdAt: z.number().int(),
    }),
  ),
});
export const OnlineMaterialiseBody = z.object({
  view: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  version: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  source: z.string().min(1).max(200).describe('the dataset hash the histories were built from'),
  artifact: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .describe('sha256 of an uploaded JSONL blob: one {"customer", "entries": [{"book", "time"}]} per line'),
});
export const OnlineMaterialiseResult = z.object({
  customers: z.number().int(),
  entries: z.number().int(),
  store: z.string().describe('redis or db'),
});
