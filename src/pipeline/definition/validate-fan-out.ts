import { fail } from '../errors.js';
import { checkCamel } from './names.js';
import { typeLabel, type ValueSpec } from './param.js';
import { type Binding, formatBinding } from './ref.js';
import type { FanOutSpec } from './spec.js';
import { type Ctx, checkLiteral, produces } from './validate-bindings.js';

/** Fan-out sources (literal items, a list parameter, a list output) and the type of their items. */

/** Most literal fan-out items: Argo keeps each child in the workflow object (etcd's 1.5 MB limit). */
export const MAX_FAN_OUT_ITEMS = 1000;

/** Check a fan-out source and fill in its item type. @internal */
export function checkFanOut(f: FanOutSpec, task: string, ctx: Ctx, deps: Set<string>): FanOutSpec {
  const field = 'fanOut';
  switch (f.source) {
    case 'items': {
      if (!Array.isArray(f.items) || f.items.length === 0) {
        fail(
          'PIPELINE_INVALID_FAN_OUT',
          { task, field },
          'fan-out over an empty list: give at least one item',
        );
      }
      if (f.items.length > MAX_FAN_OUT_ITEMS) {
        fail(
          'PIPELINE_INVALID_FAN_OUT',
          { task, field },
          `fan-out over ${f.items.length} items; at most ${MAX_FAN_OUT_ITEMS}`,
        );
      }
      for (const [i, v] of f.items.entries()) checkLiteral(v, { task, field: `fanOut.items[${i}]` });
      return { source: 'items', items: f.items, item: inferItemSpec(f.items, task) };
    }
    case 'param': {
      const spec = ctx.params[f.param];
      if (spec === undefined) {
        fail(
          'PIPELINE_UNKNOWN_PARAM',
          { task, field },
          `fans out over pipeline parameter "${f.param}", which is not declared`,
        );
      }
      if (spec.type !== 'list') {
        fail(
          'PIPELINE_TYPE_MISMATCH',
          { task, field },
          `fans out over parameter "${f.param}" of type ${typeLabel(spec)}; it must be a list`,
        );
      }
      return { source: 'param', param: f.param, item: spec.of };
    }
    case 'output': {
      const b: Binding = { from: 'output', task: f.task, output: f.output };
      const produced = produces(b, { task, field, isExit: false, fanOut: undefined, ctx, deps });
      if (produced.kind !== 'param' || produced.spec.type !== 'list') {
        fail(
          'PIPELINE_TYPE_MISMATCH',
          { task, field },
          `fans out over ${formatBinding(b)}, which is not a list`,
        );
      }
      return { source: 'output', task: f.task, output: f.output, item: produced.spec.of };
    }
    default:
      return fail('PIPELINE_INVALID_FAN_OUT', { task, field }, `unknown fan-out source ${JSON.stringify(f)}`);
  }
}

/** The element type of literal items: strings become an enum of the values seen, so they fit enum inputs. */
function inferItemSpec(items: readonly unknown[], task: string): ValueSpec {
  const bad = (reason: string): never =>
    fail('PIPELINE_INVALID_FAN_OUT', { task, field: 'fanOut.items' }, reason);
  const scalar = (values: unknown[], where: string): ValueSpec => {
    if (values.every((v) => typeof v === 'string')) {
      return { type: 'enum', values: [...new Set(values as string[])] };
    }
    if (values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      return { type: values.every((v) => Number.isSafeInteger(v)) ? 'integer' : 'number' };
    }
    if (values.every((v) => typeof v === 'boolean')) return { type: 'boolean' };
    return bad(`${where} mix types or are not scalars (strings, numbers or booleans)`);
  };
  const first = items[0];
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    const keys = Object.keys(first).sort();
    const fields: Record<string, ValueSpec> = {};
    for (const [i, it] of items.entries()) {
      const k =
        it !== null && typeof it === 'object' && !Array.isArray(it)
          ? Object.keys(it).sort().join(',')
          : undefined;
      if (k !== keys.join(',')) bad(`item ${i} must have the fields ${keys.join(', ')} like item 0`);
    }
    for (const k of keys) {
      checkCamel('fan-out item field', k, { task, field: 'fanOut.items' });
      fields[k] = scalar(
        items.map((it) => (it as Record<string, unknown>)[k]),
        `values of field "${k}"`,
      );
    }
    return { type: 'record', fields: fields as never };
  }
  return scalar([...items], 'items');
}
