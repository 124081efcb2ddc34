import type { Registry } from './promotion.js';
import type { AliasEvent, ApprovalRecord, GateEvaluation, VersionRecord } from './types.js';

/** One row of a side-by-side comparison: a key and its value in each compared version. */
export interface ComparisonRow {
  key: string;
  values: (string | number | boolean | null)[];
  /** True when not all versions agree. */
  differs: boolean;
}

/** Versions side by side: metrics, parameters, dataset and code. */
export interface VersionComparison {
  model: string;
  versions: number[];
  metrics: ComparisonRow[];
  params: ComparisonRow[];
  dataset: ComparisonRow[];
  code: ComparisonRow[];
  aliases: ComparisonRow[];
}

/**
 * Compares versions side by side (`bookml model compare recommender 7 9`).
 * @example const c = await compareVersions(registry, 'recommender', [7, 9]); c.metrics.find((r) => r.key === 'ndcg_at_10')
 */
export async function compareVersions(
  registry: Registry,
  model: string,
  refs: readonly (number | string)[],
): Promise<VersionComparison> {
  const versions: VersionRecord[] = [];
  for (const r of refs) versions.push(await registry.resolve(model, r));
  const rows = (pick: (v: VersionRecord) => Record<string, unknown>): ComparisonRow[] => {
    const keys = [...new Set(versions.flatMap((v) => Object.keys(pick(v))))].sort();
    return keys.map((key) => {
      const values = versions.map((v) => scalar(pick(v)[key]));
      return { key, values, differs: new Set(values.map((x) => JSON.stringify(x))).size > 1 };
    });
  };
  return {
    model,
    versions: versions.map((v) => v.version),
    metrics: rows((v) => v.metrics),
    params: rows((v) => v.params),
    dataset: rows((v) => ({
      uri: v.lineage.dataset?.uri,
      hash: v.lineage.dataset?.hash,
      validation:
        v.lineage.dataset?.validation === undefined
          ? undefined
          : v.lineage.dataset.validation.pass
            ? 'pass'
            : 'fail',
    })),
    code: rows((v) => ({ version: v.lineage.codeVersion?.version, gitSha: v.lineage.codeVersion?.gitSha })),
    aliases: rows((v) => ({ aliases: v.aliases.join(', ') || undefined })),
  };
}

/** Everything that answers "what made the model serving now", for one version. */
export interface LineageView {
  model: string;
  version: number;
  aliases: string[];
  artifact: { uri: string; hash: string | null };
  dataset: {
    uri: string;
    hash: string;
    validation: { pass: boolean; checks: number; failed: string[] } | null;
  } | null;
  codeVersion: Record<string, unknown> | null;
  /** The online features materialised with the version (feature view, version, store, counts). */
  online: Record<string, unknown> | null;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
  run: {
    id: string;
    node: string | null;
    pipeline: string | null;
    phase: string | null;
    submittedBy: string | null;
    createdAt: number | null;
    finishedAt: number | null;
  } | null;
  trackingRun: string | null;
  /** Exposure of the version's evaluation lists (what the fairness gate judges); null when not measured. */
  fairness: FairnessView | null;
  gates: GateEvaluation[];
  /** The latest granted approval of this version (method `auto` when auto-approve granted it). */
  approval: ApprovalRecord | null;
  /** Alias moves to or from this version, newest first. */
  history: AliasEvent[];
  registeredAt: number;
  registeredBy: string | null;
}

/** A version's exposure metrics, and why a grouping does not apply. */
export interface FairnessView {
  longTailExposure: number;
  giniBook: number | null;
  giniAuthor: number | null;
  giniGenre: number | null;
  /** How the long tail was defined (recorded by the evaluation), if recorded. */
  longTail: string | null;
  notApplicable: { author?: string; genre?: string };
}

function fairnessView(v: VersionRecord): FairnessView | null {
  const m = v.metrics;
  if (m.long_tail_exposure === undefined) return null;
  const rec = (v.lineage.evaluation as { fairness?: Record<string, unknown> } | undefined)?.fairness ?? {};
  const na = (rec.notApplicable ?? {}) as Record<string, unknown>;
  const reason = (key: 'author' | 'genre') => (typeof na[key] === 'string' ? (na[key] as string) : undefined);
  const notApplicable: FairnessView['notApplicable'] = {};
  for (const key of ['author', 'genre'] as const) {
    const why = reason(key);
    if (why !== undefined) notApplicable[key] = why;
  }
  return {
    longTailExposure: m.long_tail_exposure,
    giniBook: m.exposure_gini_book ?? null,
    giniAuthor: m.exposure_gini_author ?? null,
    giniGenre: m.exposure_gini_genre ?? null,
    longTail: typeof rec.longTail === 'string' ? rec.longTail : null,
    notApplicable,
  };
}

/**
 * The lineage of a version or of whatever an alias points at.
 * @example const l = await lineageOf(registry, 'recommender', 'production'); l.dataset?.hash
 */
export async function lineageOf(
  registry: Registry,
  model: string,
  ref: number | string,
): Promise<LineageView> {
  const v = await registry.resolve(model, ref);
  const run = v.sourceRun === null ? null : await registry.runSummary(v.sourceRun);
  const approvals = await registry.listApprovals({ model, version: v.version, status: 'approved' });
  const ds = v.lineage.dataset;
  return {
    model,
    version: v.version,
    aliases: v.aliases,
    artifact: { uri: v.artifactUri, hash: v.artifactHash },
    dataset:
      ds === undefined
        ? null
        : {
            uri: ds.uri,
            hash: ds.hash,
            validation:
              ds.validation === undefined
                ? null
                : {
                    pass: ds.validation.pass,
                    checks: ds.validation.checks?.length ?? 0,
                    failed: (ds.validation.checks ?? [])
                      .filter((c) => !c.pass)
                      .map((c) => `${c.name} ${c.value} ${c.op} ${c.threshold}`),
                  },
          },
    codeVersion: v.lineage.codeVersion ?? null,
    online: v.lineage.online ?? null,
    params: v.params,
    metrics: v.metrics,
    run:
      v.sourceRun === null
        ? null
        : {
            id: v.sourceRun,
            node: v.sourceNode,
            pipeline: run?.pipeline ?? null,
            phase: run?.phase ?? null,
            submittedBy: run?.submittedBy ?? null,
            createdAt: run?.createdAt ?? null,
            finishedAt: run?.finishedAt ?? null,
          },
    trackingRun: v.trackingRun,
    fairness: fairnessView(v),
    gates: Object.values(v.gates),
    approval: approvals[0] ?? null,
    history: await registry.audit({ model, version: v.version }),
    registeredAt: v.createdAt,
    registeredBy: v.createdBy,
  };
}

function scalar(v: unknown): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}
