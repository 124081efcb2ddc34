import { PipelineError } from '../errors.js';

/**
 * The Argo Workflows versions bookml compiles for, and where their schemas differ for what bookml emits
 * (spec/argo.md §1): 3.5 (the original system's chart 0.42.0 = v3.5.10) has only the singular
 * CronWorkflow `schedule` and `synchronization.mutex`/`semaphore`; 3.6 added the plural forms and 4.0
 * removed the singular ones, so 3.6, 3.7 and 4.x share one dialect.
 */
export const ARGO_VERSIONS = ['3.5', '3.6', '4.1'] as const;

/** One of {@link ARGO_VERSIONS}. */
export type ArgoVersion = (typeof ARGO_VERSIONS)[number];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `synchronization: { mutexes: [m] }` → `{ mutex: m }` (and semaphores alike); more than one has no 3.5 form. */
function singularSync(sync: Obj, where: string): Obj {
  const out: Obj = {};
  for (const [plural, singular] of [
    ['mutexes', 'mutex'],
    ['semaphores', 'semaphore'],
  ] as const) {
    const list = sync[plural];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length !== 1) {
      throw new PipelineError(
        'PIPELINE_UNSUPPORTED_ON_TARGET',
        `${where}.synchronization.${plural}: Argo 3.5 takes exactly one ${singular}, the compiled form has ${Array.isArray(list) ? list.length : 0}`,
        { field: `${where}.synchronization` },
      );
    }
    out[singular] = list[0];
  }
  for (const [k, v] of Object.entries(sync)) if (k !== 'mutexes' && k !== 'semaphores') out[k] = v;
  return out;
}

function workflowSpecTo35(spec: Obj, where: string): Obj {
  const out: Obj = { ...spec };
  if (isObj(spec.synchronization)) out.synchronization = singularSync(spec.synchronization, where);
  if (Array.isArray(spec.templates)) {
    out.templates = spec.templates.map((t) => {
      if (!isObj(t) || !isObj(t.synchronization)) return t;
      return { ...t, synchronization: singularSync(t.synchronization, `templates[${String(t.name)}]`) };
    });
  }
  return out;
}

/**
 * A compiled Argo object (WorkflowTemplate, Workflow or CronWorkflow) in the dialect of `version`; the
 * input is not changed. The 3.5 form of a CronWorkflow with several schedules does not exist and throws
 * `PIPELINE_UNSUPPORTED_ON_TARGET`.
 *
 * @example
 * toArgoDialect(compileCronWorkflow(spec, { schedule: '0 2 * * *' }), '3.5').spec.schedule; // '0 2 * * *'
 */
export function toArgoDialect<T extends { kind: string; spec: Obj }>(manifest: T, version: ArgoVersion): T {
  if (!ARGO_VERSIONS.includes(version)) {
    throw new PipelineError(
      'PIPELINE_INVALID_COMPILE_OPTIONS',
      `argo version "${String(version)}" is not one of ${ARGO_VERSIONS.join(', ')}`,
      { field: 'argoVersion' },
    );
  }
  const copy = structuredClone(manifest);
  if (version !== '3.5') return copy;
  if (copy.kind === 'CronWorkflow') {
    const { schedules, ...rest } = copy.spec as Obj & { schedules?: unknown };
    if (!Array.isArray(schedules) || schedules.length !== 1) {
      throw new PipelineError(
        'PIPELINE_UNSUPPORTED_ON_TARGET',
        `CronWorkflow ${copy.kind}: Argo 3.5 takes one schedule, the compiled form has ${Array.isArray(schedules) ? schedules.length : 0}`,
        { field: 'schedules' },
      );
    }
    const wf = isObj(rest.workflowSpec)
      ? workflowSpecTo35(rest.workflowSpec, 'workflowSpec')
      : rest.workflowSpec;
    copy.spec = { schedule: schedules[0], ...rest, ...(wf === undefined ? {} : { workflowSpec: wf }) };
    return copy;
  }
  copy.spec = workflowSpecTo35(copy.spec, 'spec');
  return copy;
}
