import { type GateName, gatesFor, isProtectedAlias, type ModelPolicy } from './policy.js';
import type { GateEvaluation, GateResult, VersionRecord } from './types.js';

/**
 * What the registry cannot compute itself, because it would need to load models or data. The
 * pipeline's promote step passes these; the registry stays free of model I/O.
 */
export interface GateEvidence {
  /**
   * Re-evaluates `production` on the split the candidate was evaluated on and returns its value of
   * `metric`, so the no-regression comparison is fair. Not called when both versions were evaluated
   * on the same dataset hash and evaluation settings: production's stored metric is that number.
   */
  evaluateOnCandidateSplit?: (input: {
    production: VersionRecord;
    candidate: VersionRecord;
    metric: string;
  }) => Promise<number>;
  /**
   * Runs an in-process micro-benchmark of single-book recommend on the candidate and returns its p99
   * in milliseconds. Without it, a benchmark bookml ran for another alias against the same
   * production counts; a `latency_p99_ms` metric the registration sent is caller-supplied: shown as
   * such for an unprotected alias, refused for a protected one (production).
   */
  benchmarkLatency?: (candidate: VersionRecord) => Promise<{ p99Ms: number; samples?: number }>;
  /**
   * Measures the exposure of the candidate's evaluation lists (its configuration on its dataset's
   * split) when the version records none (registered by hand, or before exposure was measured):
   * `long_tail_exposure`, `exposure_gini_book`, and by author / genre when they apply, else why not.
   */
  measureExposure?: (candidate: VersionRecord) => Promise<MeasuredExposure>;
}

/** What {@link GateEvidence.measureExposure} returns. */
export interface MeasuredExposure {
  readonly metrics: Record<string, number>;
  readonly notApplicable: Partial<Record<'author' | 'genre', string>>;
}

/** Inputs of {@link runGates}. */
export interface GateRun {
  policy: ModelPolicy;
  alias: string;
  candidate: VersionRecord;
  /** The version `production` points at now, if any. */
  production: VersionRecord | undefined;
  evidence: GateEvidence;
  /**
   * Results bookml measured earlier for this candidate against the same production version (another
   * alias's evaluation, `evidence: 'measured'` only), used for a gate whose evidence callback is
   * absent: a latency benchmark or a re-evaluation does not depend on which alias is moving.
   */
  measured?: Partial<Record<GateName, { result: GateResult; alias: string; at: number }>>;
  now: number;
  actor: string;
}

/** Gates whose value comes from model I/O the caller supplies, and the callback each needs. */
const EVIDENCE_GATES: Partial<Record<GateName, keyof GateEvidence>> = {
  no_regression: 'evaluateOnCandidateSplit',
  latency: 'benchmarkLatency',
  fairness: 'measureExposure',
};

/**
 * Runs every gate the alias requires against the candidate and returns their results; a gate that
 * cannot be measured fails and says what is missing (fail closed).
 * @example const ev = await runGates({ policy, alias: 'staging', candidate, production, evidence: {}, now, actor: 'ci' });
 */
export async function runGates(run: GateRun): Promise<GateEvaluation> {
  const results: GateResult[] = [];
  for (const gate of gatesFor(run.policy, run.alias)) {
    const callback = EVIDENCE_GATES[gate];
    const earlier = run.measured?.[gate];
    if (callback !== undefined && run.evidence[callback] === undefined && earlier !== undefined) {
      const fresh = await GATES[gate](run);
      // A measurement beats "cannot check" and caller-supplied evidence; what the record itself
      // holds (the same split's metric) is recomputed.
      results.push(
        fresh.value === null || fresh.evidence === 'caller-supplied'
          ? {
              ...earlier.result,
              detail: earlier.result.detail.replace(
                / — (pass|FAIL)$/,
                ` [measured for ${earlier.alias} at ${new Date(earlier.at).toISOString()}] — $1`,
              ),
              evidence: 'measured',
            }
          : fresh,
      );
      continue;
    }
    results.push(await GATES[gate](run));
  }
  return {
    alias: run.alias,
    passed: results.every((r) => r.passed || r.advisory === true),
    evaluatedAt: run.now,
    evaluatedBy: run.actor,
    productionVersion: run.production?.version ?? null,
    results,
  };
}

/** One line per failed gate: `no_regression: ndcg_at_10 0.2100 < 0.2375 (95 % of production v3's 0.2500)`. */
export function describeFailures(ev: GateEvaluation): string {
  return ev.results
    .filter((r) => !r.passed && r.advisory !== true)
    .map((r) => `${r.gate}: ${r.detail}`)
    .join('; ');
}

type Gate = (run: GateRun) => Promise<GateResult>;

const GATES: Record<GateName, Gate> = {
  metric_threshold: async ({ policy, candidate }) => {
    const min = policy.gates.metric_threshold?.min ?? 0;
    const value = candidate.metrics[policy.metric];
    if (value === undefined)
      return missing('metric_threshold', min, '>=', `the version has no metric "${policy.metric}"`);
    return compare(
      'metric_threshold',
      value,
      '>=',
      min,
      `${policy.metric} ${fmt(value)} vs minimum ${fmt(min)}`,
    );
  },

  beat_baseline: async ({ policy, candidate }) => {
    const cfg = policy.gates.beat_baseline ?? { baseline: 'most-popular', margin: 0 };
    const value = candidate.metrics[policy.metric];
    const baseline = baselineValue(candidate.metrics, policy.metric, cfg.baseline);
    if (value === undefined || baseline === undefined) {
      return missing(
        'beat_baseline',
        null,
        '>=',
        `needs metrics "${policy.metric}" and "${policy.metric}_vs_${cfg.baseline}" (or "${cfg.baseline}.${policy.metric}") from the same split`,
      );
    }
    const threshold = baseline + cfg.margin;
    return compare(
      'beat_baseline',
      value,
      '>=',
      threshold,
      `${policy.metric} ${fmt(value)} vs ${cfg.baseline} ${fmt(baseline)} + margin ${fmt(cfg.margin)} = ${fmt(threshold)}`,
    );
  },

  no_regression: async ({ policy, candidate, production, evidence }) => {
    const ratio = policy.gates.no_regression?.minRatio ?? 0.95;
    if (production === undefined || production.version === candidate.version) {
      return {
        gate: 'no_regression',
        passed: true,
        value: candidate.metrics[policy.metric] ?? null,
        op: '>=',
        threshold: null,
        detail: production === undefined ? 'no production version yet' : 'the candidate is production',
        evidence: 'recorded',
      };
    }
    const value = candidate.metrics[policy.metric];
    if (value === undefined)
      return missing('no_regression', null, '>=', `the version has no metric "${policy.metric}"`);
    let prodValue: number | undefined;
    let how: string;
    let source: GateResult['evidence'] = 'recorded';
    // Both evaluated on the same dataset with the same settings: production's recorded metric is
    // already the fair comparison, and re-training its configuration would only repeat it.
    if (sameEvaluation(production, candidate)) {
      prodValue = production.metrics[policy.metric];
      how = 'same dataset and split';
    } else if (evidence.evaluateOnCandidateSplit) {
      prodValue = await evidence.evaluateOnCandidateSplit({ production, candidate, metric: policy.metric });
      how = "re-evaluated on the candidate's split";
      source = 'measured';
    } else {
      return missing(
        'no_regression',
        null,
        '>=',
        `production v${production.version} was evaluated on other data and no evaluator was given to re-evaluate it on the candidate's split`,
      );
    }
    if (prodValue === undefined || !Number.isFinite(prodValue)) {
      return missing(
        'no_regression',
        null,
        '>=',
        `production v${production.version} has no "${policy.metric}"`,
      );
    }
    const threshold = prodValue * ratio;
    return compare(
      'no_regression',
      value,
      '>=',
      threshold,
      `${policy.metric} ${fmt(value)} vs ${Math.round(ratio * 100)} % of production v${production.version}'s ${fmt(prodValue)} = ${fmt(threshold)} (${how})`,
      source,
    );
  },

  data_quality: async ({ candidate }) => {
    const validation = candidate.lineage.dataset?.validation;
    if (validation === undefined)
      return missing('data_quality', 0, '<=', 'the version records no dataset validation report');
    const failed = (validation.checks ?? []).filter((c) => !c.pass);
    const failedCount = validation.pass ? failed.length : Math.max(1, failed.length);
    const names = failed.map((c) => `${c.name} ${fmt(c.value)} ${c.op} ${fmt(c.threshold)}`).join(', ');
    return compare(
      'data_quality',
      failedCount,
      '<=',
      0,
      validation.pass && failed.length === 0
        ? `validation passed (${validation.checks?.length ?? 0} checks)`
        : `validation failed: ${names || 'report says pass=false'}`,
    );
  },

  latency: async ({ policy, alias, candidate, evidence }) => {
    const budget = policy.gates.latency?.p99BudgetMs ?? 10;
    if (evidence.benchmarkLatency) {
      const b = await evidence.benchmarkLatency(candidate);
      const how = `in-process micro-benchmark${b.samples === undefined ? '' : `, ${b.samples} calls`}`;
      return compare(
        'latency',
        b.p99Ms,
        '<=',
        budget,
        `p99 ${fmt(b.p99Ms)} ms vs budget ${fmt(budget)} ms (${how})`,
        'measured',
      );
    }
    const sent = candidate.metrics.latency_p99_ms;
    if (sent === undefined)
      return missing(
        'latency',
        budget,
        '<=',
        'no benchmark was run and the version records no latency_p99_ms',
      );
    // Nothing in bookml records latency_p99_ms: whoever registered the version sent it.
    if (isProtectedAlias(policy, alias)) {
      return missing(
        'latency',
        budget,
        '<=',
        `latency_p99_ms ${fmt(sent)} was supplied by the caller with the registration; "${alias}" needs a benchmark bookml runs itself`,
      );
    }
    return compare(
      'latency',
      sent,
      '<=',
      budget,
      `p99 ${fmt(sent)} ms vs budget ${fmt(budget)} ms (caller-supplied latency_p99_ms, not measured by bookml)`,
      'caller-supplied',
    );
  },

  coverage: async ({ policy, candidate }) => {
    const min = policy.gates.coverage?.min ?? 0;
    const value = candidate.metrics.coverage;
    if (value === undefined) return missing('coverage', min, '>=', 'the version has no "coverage" metric');
    return compare('coverage', value, '>=', min, `catalogue coverage ${fmt(value)} vs minimum ${fmt(min)}`);
  },

  fairness: async ({ policy, candidate, evidence }) => {
    // Recorded exposure is the evaluation's own; measure only when the version has none.
    const result =
      candidate.metrics.long_tail_exposure !== undefined || evidence.measureExposure === undefined
        ? fairnessGate(policy, candidate.metrics, notApplicableReasons(candidate), 'recorded')
        : await evidence
            .measureExposure(candidate)
            .then((m) => fairnessGate(policy, m.metrics, m.notApplicable, 'measured'));
    if (policy.gates.fairness?.enforce === true) return result;
    return {
      ...result,
      advisory: true,
      detail: result.passed
        ? result.detail
        : `${result.detail} (advisory: set gates.fairness.enforce to block)`,
    };
  },
};

/** The exposure checks of the fairness gate: metric, bound, and how a human names it. */
const FAIRNESS_CHECKS = [
  { metric: 'long_tail_exposure', op: '>=', bound: 'minLongTailShare', label: 'long-tail exposure' },
  { metric: 'exposure_gini_book', op: '<=', bound: 'maxGiniBook', label: 'Gini by book' },
  {
    metric: 'exposure_gini_author',
    op: '<=',
    bound: 'maxGiniAuthor',
    label: 'Gini by author',
    group: 'author',
  },
  { metric: 'exposure_gini_genre', op: '<=', bound: 'maxGiniGenre', label: 'Gini by genre', group: 'genre' },
] as const;

/**
 * Exposure of the candidate's evaluation lists against the policy's bounds. Like `data_quality`, the
 * value is the number of failed checks (must be 0). Long-tail share and Gini by book need only the
 * lists, so a version without them cannot be checked (fail closed); by author and by genre apply when
 * the dataset has them, and otherwise say "not applicable" with the reason the evaluation recorded.
 */
function fairnessGate(
  policy: ModelPolicy,
  metrics: Readonly<Record<string, number>>,
  reasons: Partial<Record<'author' | 'genre', string>>,
  source: NonNullable<GateResult['evidence']>,
): GateResult {
  const cfg = policy.gates.fairness;
  if (cfg === null) return missing('fairness', 0, '<=', 'the gate is off');
  const parts: string[] = [];
  let failed = 0;
  for (const c of FAIRNESS_CHECKS) {
    const value = metrics[c.metric];
    const bound = cfg[c.bound];
    if (value === undefined) {
      if (!('group' in c)) {
        return missing(
          'fairness',
          0,
          '<=',
          `the version has no "${c.metric}" metric and no evaluator was given to measure its lists`,
        );
      }
      parts.push(`${c.label} not applicable: ${reasons[c.group] ?? `the version records no "${c.metric}"`}`);
      continue;
    }
    const ok = c.op === '>=' ? value >= bound : value <= bound;
    if (!ok) failed++;
    parts.push(`${c.label} ${fmt(value)} ${c.op === '>=' ? '≥' : '≤'} ${fmt(bound)}${ok ? '' : ' FAILED'}`);
  }
  return compare('fairness', failed, '<=', 0, parts.join('; '), source);
}

/** Why exposure by author / genre does not apply, as the evaluation recorded it (`lineage.evaluation.fairness`). */
function notApplicableReasons(v: VersionRecord): Partial<Record<'author' | 'genre', string>> {
  const fairness = (v.lineage.evaluation as { fairness?: { notApplicable?: unknown } } | undefined)?.fairness;
  const na = fairness?.notApplicable;
  if (na === null || typeof na !== 'object') return {};
  const out: Partial<Record<'author' | 'genre', string>> = {};
  for (const key of ['author', 'genre'] as const) {
    const why = (na as Record<string, unknown>)[key];
    if (typeof why === 'string') out[key] = why;
  }
  return out;
}

function baselineValue(
  metrics: Record<string, number>,
  metric: string,
  baseline: string,
): number | undefined {
  const direct = metrics[`${baseline}.${metric}`];
  if (direct !== undefined) return direct;
  const diff = metrics[`${metric}_vs_${baseline}`];
  const value = metrics[metric];
  return diff !== undefined && value !== undefined ? value - diff : undefined;
}

function sameEvaluation(a: VersionRecord, b: VersionRecord): boolean {
  const da = a.lineage.dataset?.hash;
  return (
    da !== undefined &&
    da === b.lineage.dataset?.hash &&
    JSON.stringify(a.lineage.evaluation ?? {}) === JSON.stringify(b.lineage.evaluation ?? {})
  );
}

function compare(
  gate: GateName,
  value: number,
  op: '>=' | '<=',
  threshold: number,
  detail: string,
  evidence: NonNullable<GateResult['evidence']> = 'recorded',
): GateResult {
  const passed = op === '>=' ? value >= threshold : value <= threshold;
  return { gate, passed, value, op, threshold, detail: `${detail} — ${passed ? 'pass' : 'FAIL'}`, evidence };
}

function missing(gate: GateName, threshold: number | null, op: '>=' | '<=', why: string): GateResult {
  return { gate, passed: false, value: null, op, threshold, detail: `cannot check: ${why}` };
}

/**
 * The evidence callbacks a failed evaluation lacked: gates that could not be measured because the
 * caller passed no `benchmarkLatency` / `evaluateOnCandidateSplit`. Empty when a better measurement
 * would not change the outcome.
 */
export function missingEvidence(ev: GateEvaluation, evidence: GateEvidence): (keyof GateEvidence)[] {
  const out: (keyof GateEvidence)[] = [];
  for (const r of ev.results) {
    const callback = EVIDENCE_GATES[r.gate];
    if (!r.passed && r.value === null && callback !== undefined && evidence[callback] === undefined)
      out.push(callback);
  }
  return out;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(4);
}
