import { z } from 'zod';
import { RegistryError } from './errors.js';

/** The gates a version can be held to, in the order they run. */
export const GATE_NAMES = [
  'metric_threshold',
  'beat_baseline',
  'no_regression',
  'data_quality',
  'latency',
  'coverage',
  'fairness',
] as const;

/** One of {@link GATE_NAMES}. */
export type GateName = (typeof GATE_NAMES)[number];

/** The fairness gate's default thresholds (see docs/quality.md for why these numbers). */
export const FAIRNESS_DEFAULTS = Object.freeze({
  minLongTailShare: 0.05,
  maxGiniBook: 0.9,
  maxGiniAuthor: 0.9,
  maxGiniGenre: 0.7,
});

const gatesSchema = z
  .object({
    /** The candidate's metric must be at least `min`. */
    metric_threshold: z.object({ min: z.number().finite() }).strict().nullable().default({ min: 0.01 }),
    /** The candidate must beat the baseline (evaluated on the same split) by at least `margin`. */
    beat_baseline: z
      .object({
        baseline: z.string().min(1).default('most-popular'),
        margin: z.number().finite().default(0.001),
      })
      .strict()
      .nullable()
      .default({ baseline: 'most-popular', margin: 0.001 }),
    /** The candidate must reach `minRatio` × production's metric, production re-evaluated on the candidate's split. */
    no_regression: z
      .object({ minRatio: z.number().min(0).max(10).default(0.95) })
      .strict()
      .nullable()
      .default({ minRatio: 0.95 }),
    /** The dataset's validation report must have passed. */
    data_quality: z.object({}).strict().nullable().default({}),
    /** p99 of a single-book recommend, in milliseconds, must stay within the budget. */
    latency: z
      .object({ p99BudgetMs: z.number().positive().default(10) })
      .strict()
      .nullable()
      .default({ p99BudgetMs: 10 }),
    /** Catalogue coverage (share of books ever recommended) must be at least `min`. */
    coverage: z
      .object({ min: z.number().min(0).max(1).default(0.01) })
      .strict()
      .nullable()
      .default({ min: 0.01 }),
    /**
     * Exposure in the evaluation lists (`src/eval` exposure; docs/quality.md justifies the defaults):
     * long-tail books (outside the most bought 20 %) get at least `minLongTailShare` of the slots, and
     * the Gini of slots per book, per author and per genre stays at most the `maxGini…` bound. A
     * grouping the dataset lacks (no authors, no genres) is reported not applicable, never passed.
     * Advisory unless `enforce` is true: measured, stored and shown with every gate evaluation, but a
     * failure blocks no alias move. Exposure depends on how concentrated the shop's demand is (a
     * grocery basket data set fails these bounds with any model), so blocking is the owner's call.
     */
    fairness: z
      .object({
        enforce: z.boolean().default(false),
        minLongTailShare: z.number().min(0).max(1).default(FAIRNESS_DEFAULTS.minLongTailShare),
        maxGiniBook: z.number().min(0).max(1).default(FAIRNESS_DEFAULTS.maxGiniBook),
        maxGiniAuthor: z.number().min(0).max(1).default(FAIRNESS_DEFAULTS.maxGiniAuthor),
        maxGiniGenre: z.number().min(0).max(1).default(FAIRNESS_DEFAULTS.maxGiniGenre),
      })
      .strict()
      .nullable()
      .default({ enforce: false, ...FAIRNESS_DEFAULTS }),
  })
  .strict();

const aliasRuleSchema = z
  .object({
    /** Which gates must pass before the alias moves: `all` enabled gates, or a list. */
    gates: z.union([z.literal('all'), z.array(z.enum(GATE_NAMES))]).default('all'),
    /** The move waits for an approval by a user holding the approver role. */
    approval: z.boolean().default(false),
    /** The approver must not be the author of the run that produced the version. */
    approverNotAuthor: z.boolean().default(false),
  })
  .strict();

const policySchema = z
  .object({
    /** The metric the threshold, baseline and regression gates look at (a key of the version's metrics). */
    metric: z.string().min(1).default('ndcg_at_10'),
    gates: gatesSchema.default(gatesSchema.parse({})),
    aliases: z.record(z.string(), aliasRuleSchema).default({
      staging: aliasRuleSchema.parse({}),
      production: aliasRuleSchema.parse({ approval: true }),
    }),
    /** The rule for aliases not listed in `aliases`: no gates, no approval. */
    otherAliases: aliasRuleSchema.default(aliasRuleSchema.parse({ gates: [] })),
    /**
     * Approvals are granted automatically (recorded as method `auto`, actor `auto-approve`). Meant for
     * the local demo workspace only; every listing shows it.
     */
    autoApprove: z.boolean().default(false),
  })
  .strict();

/** A model's promotion policy: its gates and the rule of each alias. Stored with the model. */
export type ModelPolicy = z.infer<typeof policySchema>;
/** What callers may give `setPolicy`: any subset; the rest takes the defaults. */
export type ModelPolicyInput = z.input<typeof policySchema>;
/** How one alias moves. */
export type AliasRule = z.infer<typeof aliasRuleSchema>;

/** The policy every new model starts with: all seven gates on; production needs an approval. */
export const DEFAULT_POLICY: ModelPolicy = Object.freeze(policySchema.parse({})) as ModelPolicy;

/**
 * Validates a policy (defaults filled in), naming every bad key.
 * @throws RegistryError `REGISTRY_POLICY_INVALID`
 * @example parsePolicy({ gates: { latency: null }, autoApprove: true })
 */
export function parsePolicy(input: unknown): ModelPolicy {
  const result = policySchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new RegistryError('REGISTRY_POLICY_INVALID', `the model policy is invalid — ${problems.join('; ')}`, {
    field: result.error.issues[0]?.path.join('.') || 'policy',
  });
}

/** The rule for `alias` under `policy`. */
export function aliasRule(policy: ModelPolicy, alias: string): AliasRule {
  return policy.aliases[alias] ?? policy.otherAliases;
}

/**
 * True when `alias` serves or guards what serves: `production` always, and any alias whose rule
 * requires an approval. Removing it, renaming its model or archiving its version takes the
 * approver path, and its gates accept no caller-supplied evidence.
 */
export function isProtectedAlias(policy: ModelPolicy, alias: string): boolean {
  return alias === 'production' || aliasRule(policy, alias).approval;
}

/** The enabled gates an alias requires, in run order. */
export function gatesFor(policy: ModelPolicy, alias: string): GateName[] {
  const rule = aliasRule(policy, alias);
  const wanted = rule.gates === 'all' ? GATE_NAMES : rule.gates;
  return GATE_NAMES.filter((g) => wanted.includes(g) && policy.gates[g] !== null);
}
