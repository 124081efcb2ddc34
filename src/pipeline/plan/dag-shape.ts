import { encodeParamValue } from '../definition/param.js';
import { formatBinding } from '../definition/ref.js';
import type { RetryPolicy } from '../definition/retry-policy.js';
import type { FanOutSpec } from '../definition/spec.js';
import { formatWhen } from '../definition/when.js';
import type { LocalPlan, PlanTask } from './local-plan.js';

/**
 * The shape of a DAG as both targets can show it: tasks, edges, parameters and every task option, in
 * canonical text where the two targets spell things differently. The local plan and a decompiled Argo
 * WorkflowTemplate must have equal shapes (the parity test).
 */

/** One task's shape. */
export interface TaskShape {
  readonly id: string;
  /** `name@version`. */
  readonly step: string;
  /** Wired inputs, canonical binding text (`param:k`, `output:ingest.dataset`, `item.k`, `literal:"10"`). */
  readonly inputs: Readonly<Record<string, string>>;
  readonly dependsOn: readonly string[];
  /** Canonical condition text (see `formatWhen`). */
  readonly when?: string;
  /** `items:<json>`, `param:<name>` or `output:<task>.<output>`. */
  readonly fanOut?: string;
  readonly retry: RetryPolicy;
  readonly timeoutSeconds: number;
  readonly cache: boolean;
  readonly mutex?: string;
}

/** A pipeline parameter's shape: its default in text form. */
export interface ParamShape {
  readonly default?: string;
  readonly enum?: readonly string[];
  readonly description?: string;
}

/** The whole DAG's shape. Tasks are sorted by ID, edges by (from, to). */
export interface DagShape {
  readonly pipeline: string;
  readonly params: Readonly<Record<string, ParamShape>>;
  readonly tasks: readonly TaskShape[];
  readonly edges: readonly (readonly [string, string])[];
  readonly exitHandler?: TaskShape;
  readonly mutex?: string;
  readonly timeoutSeconds?: number;
  readonly parallelism?: number;
}

/** Canonical text of a fan-out source. */
export function formatFanOut(f: FanOutSpec): string {
  switch (f.source) {
    case 'items':
      return `items:${JSON.stringify(f.items)}`;
    case 'param':
      return `param:${f.param}`;
    case 'output':
      return `output:${f.task}.${f.output}`;
  }
}

function taskShape(t: PlanTask): TaskShape {
  return {
    id: t.id,
    step: `${t.step.name}@${t.step.version}`,
    inputs: Object.fromEntries(
      Object.entries(t.inputs)
        .map(([k, b]) => [k, formatBinding(b)] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
    dependsOn: [...t.dependsOn].sort(),
    ...(t.when === undefined ? {} : { when: formatWhen(t.when) }),
    ...(t.fanOut === undefined ? {} : { fanOut: formatFanOut(t.fanOut) }),
    retry: t.options.retry,
    timeoutSeconds: t.options.timeoutSeconds,
    cache: t.options.cache,
    ...(t.options.mutex === undefined ? {} : { mutex: t.options.mutex }),
  };
}

/**
 * The shape of a local plan.
 * @example expect(inspectWorkflowTemplate(compiled)).toEqual(shapeOfPlan(toLocalPlan(spec)));
 */
export function shapeOfPlan(plan: LocalPlan): DagShape {
  return {
    pipeline: plan.pipeline,
    params: Object.fromEntries(
      Object.entries(plan.params).map(([k, p]) => [
        k,
        {
          ...(p.default === undefined ? {} : { default: encodeParamValue(p.default) }),
          ...(p.type === 'enum' ? { enum: p.values } : {}),
          ...(p.description === undefined ? {} : { description: p.description }),
        },
      ]),
    ),
    tasks: plan.tasks.map(taskShape).sort((a, b) => a.id.localeCompare(b.id)),
    edges: plan.edges
      .map((e) => [e.from, e.to] as const)
      .sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1])),
    ...(plan.exitHandler === undefined ? {} : { exitHandler: taskShape(plan.exitHandler) }),
    ...(plan.mutex === undefined ? {} : { mutex: plan.mutex }),
    ...(plan.timeoutSeconds === undefined ? {} : { timeoutSeconds: plan.timeoutSeconds }),
    ...(plan.parallelism === undefined ? {} : { parallelism: plan.parallelism }),
  };
}
