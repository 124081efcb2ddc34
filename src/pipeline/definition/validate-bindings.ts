import { fail } from '../errors.js';
import {
  encodeParamValue,
  isAssignable,
  type ParamSpec,
  typeLabel,
  type ValueSpec,
  validateParamValue,
} from './param.js';
import { type Binding, formatBinding } from './ref.js';
import type { FanOutSpec, TaskDraft } from './spec.js';
import type { StepSpec } from './step.js';

/**
 * Bindings: what each task input is wired to (a literal, a parameter, an upstream output, the fan-out item,
 * a run fact), whether it exists, and whether its type fits the input. Reading an output makes the task
 * depend on its producer.
 */

/** What validation knows about the pipeline while it checks one task. @internal */
export interface Ctx {
  params: Record<string, ParamSpec>;
  steps: Record<string, StepSpec>;
  byId: Map<string, TaskDraft>;
  exitId: string | undefined;
}

/** The type a binding produces: a parameter value of some spec, or an artifact of some kind. @internal */
export type Produced =
  | { kind: 'param'; spec: ValueSpec }
  | { kind: 'artifact'; artifact: 'file' | 'directory' };

const RUN_STATUS: ValueSpec = { type: 'enum', values: ['Succeeded', 'Failed', 'Error'] };

/** Where a binding is checked: the task, the field, and what it may read. @internal */
export interface BindCtx {
  task: string;
  field: string;
  isExit: boolean;
  fanOut: FanOutSpec | undefined;
  ctx: Ctx;
  deps: Set<string>;
}

/** Check one wired input and return its binding (literals validated). @internal */
export function checkInput(b: Binding, input: string, step: StepSpec, c: BindCtx): Binding {
  const { task, field } = c;
  const paramSpec = step.inputs.params[input];
  if (b.from === 'literal') {
    if (paramSpec === undefined) {
      fail(
        'PIPELINE_TYPE_MISMATCH',
        { task, field },
        `artifact input "${input}" must be wired from an upstream task's artifact output, not a literal`,
      );
    }
    checkLiteral(b.value, { task, field });
    // The wrong kind of value is a type mismatch; the right kind out of range is an invalid value.
    if (!literalFits(paramSpec, b.value)) {
      fail(
        'PIPELINE_TYPE_MISMATCH',
        { task, field },
        `input "${input}" expects ${typeLabel(paramSpec)} but the literal ${JSON.stringify(b.value)} is ${literalKind(b.value)}`,
      );
    }
    return { from: 'literal', value: validateParamValue(paramSpec, b.value, { task, field }) };
  }
  const produced = produces(b, c);
  const source = formatBinding(b);
  if (paramSpec !== undefined) {
    if (produced.kind === 'artifact') {
      fail(
        'PIPELINE_TYPE_MISMATCH',
        { task, field },
        `input "${input}" is a parameter (${typeLabel(paramSpec)}) but ${source} is an artifact`,
      );
    }
    if (!isAssignable(produced.spec, paramSpec)) {
      fail(
        'PIPELINE_TYPE_MISMATCH',
        { task, field },
        `input "${input}" expects ${typeLabel(paramSpec)} but ${source} is ${typeLabel(produced.spec)}`,
      );
    }
  } else {
    const kind = step.inputs.artifacts[input].kind;
    if (produced.kind !== 'artifact') {
      fail(
        'PIPELINE_TYPE_MISMATCH',
        { task, field },
        `input "${input}" is an artifact (${kind}) but ${source} is a parameter (${typeLabel(produced.spec)})`,
      );
    }
    if (produced.artifact !== kind) {
      fail(
        'PIPELINE_TYPE_MISMATCH',
        { task, field },
        `input "${input}" expects a ${kind} but ${source} is a ${produced.artifact}`,
      );
    }
  }
  return b;
}

function literalKind(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return Number.isInteger(v) ? 'an integer' : `a ${typeof v}`;
}

/** Whether a literal is the right kind of value for `spec` (constraints such as `min` aside). */
function literalFits(spec: ValueSpec, v: unknown): boolean {
  switch (spec.type) {
    case 'string':
    case 'enum':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'list':
      return Array.isArray(v) && v.every((x) => literalFits(spec.of, x));
    case 'record':
      return (
        v !== null &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        Object.entries(spec.fields).every(([k, f]) => literalFits(f, (v as Record<string, unknown>)[k]))
      );
  }
}

/** What a non-literal binding produces; records dependencies; throws for unknown references. */
export function produces(b: Binding, c: BindCtx): Produced {
  const { task, field, ctx } = c;
  switch (b.from) {
    case 'param': {
      const spec = ctx.params[b.param];
      if (spec === undefined) {
        const known = Object.keys(ctx.params);
        fail(
          'PIPELINE_UNKNOWN_PARAM',
          { task, field },
          `pipeline parameter "${b.param}" is not declared${known.length ? ` (parameters: ${known.join(', ')})` : ''}`,
        );
      }
      return { kind: 'param', spec };
    }
    case 'output': {
      if (c.isExit) {
        fail(
          'PIPELINE_INVALID_EXIT_HANDLER',
          { task, field },
          `reads ${formatBinding(b)}: the exit handler may read parameters, literals and run facts (run.status, run.failures, run.id), not task outputs`,
        );
      }
      const producer = ctx.byId.get(b.task);
      if (b.task === ctx.exitId) {
        fail(
          'PIPELINE_INVALID_EXIT_HANDLER',
          { task, field },
          `reads output "${b.output}" of the exit handler "${b.task}", which runs after the DAG has ended`,
        );
      }
      if (producer === undefined) {
        fail(
          'PIPELINE_UNKNOWN_TASK',
          { task, field },
          `reads output "${b.output}" of task "${b.task}", which is not in the pipeline`,
        );
      }
      const pstep = ctx.steps[producer.step.name];
      const out: ValueSpec | undefined = pstep.outputs.params[b.output];
      const art = pstep.outputs.artifacts[b.output];
      if (out === undefined && art === undefined) {
        const known = [...Object.keys(pstep.outputs.params), ...Object.keys(pstep.outputs.artifacts)];
        fail(
          'PIPELINE_UNKNOWN_OUTPUT',
          { task, field },
          `task "${b.task}" (step "${pstep.name}") has no output "${b.output}"${known.length ? ` (outputs: ${known.join(', ')})` : ''}`,
        );
      }
      c.deps.add(b.task);
      if (producer.fanOut !== undefined) {
        if (art !== undefined) {
          fail(
            'PIPELINE_INVALID_FAN_OUT',
            { task, field },
            `reads artifact "${b.output}" of fan-out task "${b.task}": Argo does not gather a fan-out's artifacts; output an ID parameter (e.g. a content hash) instead`,
          );
        }
        return { kind: 'param', spec: { type: 'list', of: out as ParamSpec & ValueSpec } as ValueSpec };
      }
      return art !== undefined
        ? { kind: 'artifact', artifact: art.kind }
        : { kind: 'param', spec: out as ValueSpec };
    }
    case 'item': {
      const item = c.fanOut?.item;
      if (item === undefined) {
        fail(
          'PIPELINE_INVALID_FAN_OUT',
          { task, field },
          'reads the fan-out item but the task is not a fan-out',
        );
      }
      if (b.field === undefined) return { kind: 'param', spec: item };
      if (item.type !== 'record' || !(b.field in item.fields)) {
        fail(
          'PIPELINE_INVALID_FAN_OUT',
          { task, field },
          `reads item.${b.field} but the fan-out item ${item.type === 'record' ? `has fields ${Object.keys(item.fields).join(', ')}` : 'is not a record'}`,
        );
      }
      return { kind: 'param', spec: item.fields[b.field] };
    }
    case 'run':
      if (b.field === 'id') return { kind: 'param', spec: { type: 'string' } };
      if (b.field !== 'status' && b.field !== 'failures') {
        fail(
          'PIPELINE_INVALID_SPEC',
          { task, field },
          `run.${String(b.field)} is not a run fact (id, status, failures)`,
        );
      }
      if (!c.isExit) {
        fail(
          'PIPELINE_INVALID_EXIT_HANDLER',
          { task, field },
          `reads run.${b.field}, which exists only in the exit handler`,
        );
      }
      return { kind: 'param', spec: b.field === 'status' ? RUN_STATUS : { type: 'string' } };
    default:
      return fail('PIPELINE_INVALID_SPEC', { task, field }, `unknown binding ${JSON.stringify(b)}`);
  }
}

/** A literal must be JSON and must not hold an Argo template tag. @internal */
export function checkLiteral(value: unknown, where: { task: string; field: string }): void {
  if (
    value === undefined ||
    typeof value === 'function' ||
    typeof value === 'symbol' ||
    typeof value === 'bigint'
  ) {
    fail(
      'PIPELINE_TYPE_MISMATCH',
      where,
      `${where.field} must be a parameter, an output or a JSON literal, got ${typeof value}`,
    );
  }
  // Argo substitutes `{{…}}` anywhere in a template; a literal holding one would change meaning there.
  if (encodeParamValue(value).includes('{{')) {
    fail(
      'PIPELINE_INVALID_PARAM',
      where,
      `${where.field}: a literal may not contain "{{" (Argo would read it as a template tag)`,
    );
  }
}
