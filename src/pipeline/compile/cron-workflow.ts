import { DNS_LABEL } from '../definition/names.js';
import { decodeParamValue, encodeParamValue } from '../definition/param.js';
import type { PipelineSpec } from '../definition/spec.js';
import { PipelineError } from '../errors.js';
import { ARGO_DEFAULTS } from './options.js';
import { argoName } from './parameters.js';
import { ARGO_API_VERSION } from './workflow-template.js';

/** What {@link compileCronWorkflow} takes. */
export interface CronWorkflowOptions {
  /** CronWorkflow name. @default `${pipeline}-nightly` */
  name?: string;
  /** Five-field cron expressions (robfig/cron) or `@daily`-style descriptors. Give this or `schedule`. */
  schedules?: readonly string[];
  /** One schedule; shorthand for `schedules: [schedule]` (emitted as a list either way). */
  schedule?: string;
  /** IANA time zone. @default 'UTC' */
  timezone?: string;
  /** What happens when a run is due while one is active. @default 'Replace' */
  concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
  /** A missed run still starts this many seconds late; 0 drops missed runs. @default 600 */
  startingDeadlineSeconds?: number;
  /** @default 3 */
  successfulJobsHistoryLimit?: number;
  /** @default 5 */
  failedJobsHistoryLimit?: number;
  /** @default false */
  suspend?: boolean;
  /** @default 'bookstore-ml' */
  namespace?: string;
  /** The WorkflowTemplate to run. @default the pipeline's name */
  templateName?: string;
  /** Parameter values for scheduled runs (checked against the pipeline's parameters). @default {} */
  params?: Readonly<Record<string, unknown>>;
  /** Labels of each created Workflow. @default { 'bookml.io/trigger': 'schedule' } */
  workflowLabels?: Readonly<Record<string, string>>;
}

const CRON_FIELD = /^[0-9A-Za-z*?/,\-LW#]+$/;
const DESCRIPTOR = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly|every \d+[smh](\d+[smh])*)$/;

/** A compiled CronWorkflow. */
export interface ArgoCronWorkflow {
  apiVersion: typeof ARGO_API_VERSION;
  kind: 'CronWorkflow';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
}

/**
 * A CronWorkflow that runs the pipeline's WorkflowTemplate on a schedule (spec/argo.md §13): `schedules` is
 * a list (Argo 4 removed `schedule`), and the Workflow it creates only references the template.
 *
 * @example
 * compileCronWorkflow(spec, { name: 'recommender-nightly', schedule: '0 2 * * *' });
 */
export function compileCronWorkflow(spec: PipelineSpec, o: CronWorkflowOptions): ArgoCronWorkflow {
  const problems: string[] = [];
  const name = o.name ?? `${spec.name}-nightly`;
  if (!DNS_LABEL.test(name) || name.length > 52) {
    // Argo appends "-<10-digit time>" to the name for each Workflow; 52 + 11 stays within 63.
    problems.push(`name "${name}" must be a DNS-1123 label of at most 52 characters`);
  }
  if (o.schedule !== undefined && o.schedules !== undefined)
    problems.push('schedule: give schedule or schedules, not both');
  const schedules = o.schedule !== undefined ? [o.schedule] : [...(o.schedules ?? [])];
  if (schedules.length === 0) problems.push('schedules must list at least one schedule');
  for (const s of schedules) {
    const fields = String(s).trim().split(/\s+/);
    const ok = DESCRIPTOR.test(String(s)) || (fields.length === 5 && fields.every((f) => CRON_FIELD.test(f)));
    if (!ok)
      problems.push(`schedules: ${JSON.stringify(s)} is not a five-field cron expression or @descriptor`);
  }
  const timezone = o.timezone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    problems.push(`timezone "${timezone}" is not an IANA time zone`);
  }
  const policy = o.concurrencyPolicy ?? 'Replace';
  if (!['Allow', 'Forbid', 'Replace'].includes(policy))
    problems.push('concurrencyPolicy must be Allow, Forbid or Replace');
  const ints: Record<string, number> = {
    startingDeadlineSeconds: o.startingDeadlineSeconds ?? 600,
    successfulJobsHistoryLimit: o.successfulJobsHistoryLimit ?? 3,
    failedJobsHistoryLimit: o.failedJobsHistoryLimit ?? 5,
  };
  for (const [k, v] of Object.entries(ints)) {
    if (!Number.isInteger(v) || v < 0) problems.push(`${k} must be a whole number ≥ 0, got ${v}`);
  }
  const namespace = o.namespace ?? ARGO_DEFAULTS.namespace;
  if (!DNS_LABEL.test(namespace)) problems.push(`namespace "${namespace}" must be a DNS-1123 label`);
  const parameters: { name: string; value: string }[] = [];
  for (const [k, v] of Object.entries(o.params ?? {})) {
    const p = spec.params[k];
    if (p === undefined) {
      problems.push(
        `params.${k}: unknown parameter (parameters of ${spec.name}: ${Object.keys(spec.params).join(', ') || 'none'})`,
      );
      continue;
    }
    try {
      parameters.push({
        name: argoName(k),
        value: encodeParamValue(decodeParamValue(p, v, { field: `params.${k}` })),
      });
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (problems.length > 0) {
    const unknown = problems.find((x) => x.includes('unknown parameter'));
    throw new PipelineError(
      unknown ? 'PIPELINE_UNKNOWN_PARAM' : 'PIPELINE_INVALID_COMPILE_OPTIONS',
      `invalid CronWorkflow options: ${problems.join('; ')}`,
      {
        field: problems[0].split(/[ :]/)[0],
      },
    );
  }
  return {
    apiVersion: ARGO_API_VERSION,
    kind: 'CronWorkflow',
    metadata: {
      name,
      namespace,
      labels: {
        'app.kubernetes.io/name': 'bookml',
        'app.kubernetes.io/component': 'pipeline',
        'bookml.io/pipeline': spec.name,
      },
    },
    spec: {
      schedules,
      timezone,
      concurrencyPolicy: policy,
      ...ints,
      suspend: o.suspend ?? false,
      workflowMetadata: { labels: { ...(o.workflowLabels ?? { 'bookml.io/trigger': 'schedule' }) } },
      workflowSpec: {
        workflowTemplateRef: { name: o.templateName ?? spec.name },
        ...(parameters.length === 0 ? {} : { arguments: { parameters } }),
      },
    },
  };
}
