import { createHash } from 'node:crypto';
import { encodeParamValue } from '../definition/param.js';
import { type Step, stepSource } from '../definition/step.js';

/**
 * What a node's cache key is made of: content only (never a URI or a timestamp), so two nodes with the
 * same parts produce the same outputs. Kept next to the key on the node, so `bookml run explain` can
 * show each part and say which one changed.
 */
export interface CacheKeyParts {
  /** Step name and declared version. */
  step: string;
  stepVersion: string;
  /** sha256 of the step's version and source (`stepSource`). */
  codeHash: string;
  /** Input parameters in canonical text form, by name. */
  params: Record<string, string>;
  /** Input artifacts' sha256, by name. */
  artifacts: Record<string, string>;
  /** sha256 of each environment variable the step declares it reads (`null` when unset); never the value. */
  env: Record<string, string | null>;
}

/** One difference between two sets of cache key parts. */
export interface CacheKeyChange {
  /** `codeHash`, `stepVersion`, `params.k`, `artifacts.dataset`, `env.BOOKML_X`, … */
  component: string;
  before: string | null;
  after: string | null;
}

/** sha256 hex of a string. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// Steps are frozen, so a step's hash never changes: the scheduler asks for it on every pass a node waits.
const codeHashes = new WeakMap<Step, string>();

/**
 * The step's code hash: its version plus the source of its `run` (which misses closures and imports; that
 * is what `version` is for).
 */
export function stepCodeHash(step: Step): string {
  let hash = codeHashes.get(step);
  if (hash === undefined) {
    hash = sha256Hex(`${step.spec.version}\n${stepSource(step)}`);
    codeHashes.set(step, hash);
  }
  return hash;
}

/**
 * The parts of a node's cache key.
 * @example cacheKeyParts(step, { k: 20 }, { dataset: 'ab12…' }, process.env)
 */
export function cacheKeyParts(
  step: Step,
  params: Readonly<Record<string, unknown>>,
  artifacts: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv,
): CacheKeyParts {
  return {
    step: step.spec.name,
    stepVersion: step.spec.version,
    codeHash: stepCodeHash(step),
    params: sortRecord(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, encodeParamValue(v)]))),
    artifacts: sortRecord({ ...artifacts }),
    env: Object.fromEntries(
      [...step.spec.env].sort().map((name) => {
        const v = env[name];
        return [name, v === undefined ? null : sha256Hex(v)];
      }),
    ),
  };
}

/** The key: sha256 of the parts in canonical JSON. */
export function cacheKeyOf(parts: CacheKeyParts): string {
  return sha256Hex(JSON.stringify(flatten(parts)));
}

/**
 * Every component that differs between two sets of parts, in a stable order.
 * @example diffCacheKeyParts(earlier, now); // [{ component: 'params.k', before: '10', after: '20' }]
 */
export function diffCacheKeyParts(before: CacheKeyParts, after: CacheKeyParts): CacheKeyChange[] {
  const a = flatten(before);
  const b = flatten(after);
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return names
    .filter((n) => a[n] !== b[n])
    .map((n) => ({ component: n, before: a[n] ?? null, after: b[n] ?? null }));
}

/** The parts as `component → value` pairs, sorted (what is hashed and what is compared). */
export function flatten(parts: CacheKeyParts): Record<string, string | null> {
  const out: Record<string, string | null> = {
    step: parts.step,
    stepVersion: parts.stepVersion,
    codeHash: parts.codeHash,
  };
  for (const [k, v] of Object.entries(parts.params)) out[`params.${k}`] = v;
  for (const [k, v] of Object.entries(parts.artifacts)) out[`artifacts.${k}`] = v;
  for (const [k, v] of Object.entries(parts.env)) out[`env.${k}`] = v;
  return sortRecord(out);
}

function sortRecord<T>(r: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
