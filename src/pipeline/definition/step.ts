import type { Clock } from '../../core/index.js';
import { fail } from '../errors.js';
import type { ArtifactSpec } from './artifact.js';
import { checkCamel, checkLabel, ENV_NAME } from './names.js';
import { checkParamSpec, type ParamSpec, type ValueOf } from './param.js';
import { checkRetryPolicy, NO_RETRY, type RetryPolicy } from './retry-policy.js';
import type { StepServices } from './step-services.js';

/** A step's inputs or outputs: named parameters and named artifacts (one namespace for both). */
export interface StepIO {
  readonly params?: Readonly<Record<string, ParamSpec>>;
  readonly artifacts?: Readonly<Record<string, ArtifactSpec>>;
}

/** The parameter specs of a {@link StepIO}. */
export type ParamsOf<IO> = IO extends { params: infer P } ? P : Record<never, never>;
/** The artifact specs of a {@link StepIO}. */
export type ArtifactsOf<IO> = IO extends { artifacts: infer A } ? A : Record<never, never>;

/** Values a step receives or returns: typed parameters, and artifacts as local paths. */
export type StepValues<IO> = { [K in keyof ParamsOf<IO>]: ValueOf<ParamsOf<IO>[K]> } & {
  [K in keyof ArtifactsOf<IO>]: string;
};

/** Structured log lines of one node; the executor streams them to the node's log. */
export interface StepLog {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * What a running step gets besides its inputs: where to write, the clock, a logger, an abort signal, and
 * the ports of {@link StepServices} (datasets, artifacts, registry, events, code version). A *runtime*
 * builds it — local (in-process handles on the workspace) or remote (the control-plane API) — and tests
 * pass fakes. Step code reaches nothing else: no environment, no store, no file outside these folders.
 */
export interface StepContext extends StepServices {
  /** The run (Argo: `{{workflow.name}}`). */
  readonly runId: string;
  /** The task this node belongs to. */
  readonly taskId: string;
  /** Attempt number, from 0. */
  readonly attempt: number;
  /** A fresh directory for this attempt's output artifacts. */
  readonly outputDir: string;
  /** Where to write output artifact `name` (inside {@link StepContext.outputDir}). */
  outputPath(name: string): string;
  /** A fresh directory for this attempt's temporary files; removed when the step ends. */
  readonly scratchDir: string;
  readonly clock: Clock;
  readonly log: StepLog;
  /** Aborted when the step times out or the run is stopped. */
  readonly signal: AbortSignal;
}

/** A step as plain JSON: what the IR keeps of a {@link Step} (everything but `run`). */
export interface StepSpec {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly inputs: {
    readonly params: Record<string, ParamSpec>;
    readonly artifacts: Record<string, ArtifactSpec>;
  };
  readonly outputs: {
    readonly params: Record<string, ParamSpec>;
    readonly artifacts: Record<string, ArtifactSpec>;
  };
  readonly pure: boolean;
  readonly retrySafe: boolean;
  readonly timeoutSeconds: number;
  readonly retry: RetryPolicy;
  readonly env: readonly string[];
}

/** What {@link defineStep} takes. */
export interface StepOptions<I extends StepIO, O extends StepIO> {
  /** DNS-1123 label, unique within a pipeline (`train`, `pick-best`). */
  name: string;
  /** Bump when behaviour changes in a way `run`'s source does not show (a dependency, a data file). Part of the cache key. */
  version: string;
  description?: string;
  inputs?: I;
  outputs?: O;
  /** Same inputs, same outputs, no side effects: the result may be cached. `false` is never cached. */
  pure: boolean;
  /** Running it twice is harmless. A step that is not retry-safe may not have retries. */
  retrySafe: boolean;
  /** Per attempt, in seconds. Argo: the template's `activeDeadlineSeconds`. */
  timeoutSeconds: number;
  /** @default no retries */
  retry?: RetryPolicy;
  /** Environment variables `run` reads; their values are part of the cache key. @default [] */
  env?: readonly string[];
  run: (ctx: StepContext, inputs: StepValues<I>) => Promise<StepValues<O>>;
}

/**
 * A defined step: its JSON spec and its code. Type parameters carry the input and output types to the
 * pipeline builder.
 */
export interface Step<I extends StepIO = StepIO, O extends StepIO = StepIO> {
  readonly name: string;
  readonly spec: StepSpec;
  readonly run: (ctx: StepContext, inputs: StepValues<I>) => Promise<StepValues<O>>;
}

/** Longest timeout a step may declare: Kubernetes' `activeDeadlineSeconds` is an int32 elsewhere. */
export const MAX_TIMEOUT_SECONDS = 2_147_483_647;

/**
 * Define a step: typed inputs and outputs, purity, retry safety, timeout and retry policy, validated now.
 *
 * @example
 * const train = defineStep({
 *   name: 'train', version: '1', pure: true, retrySafe: true, timeoutSeconds: 3600,
 *   inputs: { params: { k: param.integer({ min: 1 }) }, artifacts: { dataset: artifact.directory() } },
 *   outputs: { params: { modelId: param.string(), ndcg: param.number() } },
 *   run: async (ctx, { k, dataset }) => ({ modelId: `m-${k}`, ndcg: 0.3 }),
 * });
 */
export function defineStep<const I extends StepIO = StepIO, const O extends StepIO = StepIO>(
  options: StepOptions<I, O>,
): Step<I, O> {
  if (typeof options?.run !== 'function') {
    fail(
      'PIPELINE_INVALID_STEP',
      { field: 'run' },
      `step ${JSON.stringify(options?.name)}: run must be a function`,
    );
  }
  const spec = checkStepSpec({
    name: options.name,
    version: options.version,
    ...(options.description === undefined ? {} : { description: options.description }),
    inputs: { params: { ...options.inputs?.params }, artifacts: { ...options.inputs?.artifacts } },
    outputs: { params: { ...options.outputs?.params }, artifacts: { ...options.outputs?.artifacts } },
    pure: options.pure,
    retrySafe: options.retrySafe,
    timeoutSeconds: options.timeoutSeconds,
    retry: options.retry ?? NO_RETRY,
    env: [...(options.env ?? [])],
  });
  return Object.freeze({ name: spec.name, spec: deepFreeze(spec), run: options.run });
}

/**
 * The text the executor hashes into a step's code hash (`sha256(version + '\n' + source)`). Hashing is
 * left to the executor so this module needs no `node:crypto`; `fn.toString()` misses closures and imports,
 * which is why `version` is part of the key too.
 */
export function stepSource(step: Step): string {
  return step.run.toString();
}

/** Validate a step spec (from {@link defineStep} or from JSON) and return it normalised. @internal */
export function checkStepSpec(s: StepSpec, where: { task?: string } = {}): StepSpec {
  const name = checkLabel('step name', s?.name, { ...where, field: 'step.name' });
  const bad = (field: string, reason: string): never =>
    fail('PIPELINE_INVALID_STEP', { ...where, field }, `step "${name}": ${field} ${reason}`);
  if (typeof s.version !== 'string' || s.version.trim() === '' || s.version.length > 128) {
    bad('version', 'must be a non-empty string of at most 128 characters (bump it when behaviour changes)');
  }
  for (const side of ['inputs', 'outputs'] as const) {
    const io = s[side];
    const seen = new Set<string>();
    for (const [n, p] of Object.entries(io.params)) {
      checkCamel(`${side} parameter`, n, { ...where, field: `${side}.params.${n}` });
      seen.add(n);
      const spec = checkParamSpec(p, { ...where, field: `step "${name}" ${side}.params.${n}` });
      if (side === 'outputs' && 'default' in spec && spec.default !== undefined) {
        bad(`outputs.params.${n}`, 'must not have a default (a step writes every output)');
      }
    }
    for (const [n, a] of Object.entries(io.artifacts)) {
      checkCamel(`${side} artifact`, n, { ...where, field: `${side}.artifacts.${n}` });
      if (seen.has(n)) bad(`${side}.artifacts.${n}`, `has the same name as ${side}.params.${n}`);
      if (a?.kind !== 'file' && a?.kind !== 'directory') {
        bad(`${side}.artifacts.${n}`, 'must be artifact.file() or artifact.directory()');
      }
    }
  }
  if (typeof s.pure !== 'boolean') bad('pure', 'must be true or false');
  if (typeof s.retrySafe !== 'boolean') bad('retrySafe', 'must be true or false');
  const t = s.timeoutSeconds;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_TIMEOUT_SECONDS) {
    bad(
      'timeoutSeconds',
      `must be a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}, got ${JSON.stringify(t)}`,
    );
  }
  const retry = checkRetryPolicy(s.retry, { ...where, field: 'retry' });
  if (!s.retrySafe && retry.limit > 0) {
    bad('retry.limit', `must be 0 because the step is not retry-safe (retrySafe: false), got ${retry.limit}`);
  }
  if (!Array.isArray(s.env)) bad('env', 'must be a list of environment variable names');
  for (const e of s.env) {
    if (typeof e !== 'string' || !ENV_NAME.test(e))
      bad('env', `${JSON.stringify(e)} is not an environment variable name`);
  }
  if (new Set(s.env).size !== s.env.length) bad('env', 'lists a variable twice');
  return { ...s, retry, env: [...s.env].sort() };
}

/** Freeze a JSON value recursively and return it. @internal */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
