import { fail } from '../errors.js';
import { typeLabel, type ValueSpec } from './param.js';
import { type Binding, formatBinding } from './ref.js';
import { type Ctx, checkLiteral, produces } from './validate-bindings.js';
import type { CompareOp, WhenExpr } from './when.js';

/**
 * `when` conditions: operands exist and are scalars, both sides of a comparison have one type (numbers
 * compare numerically, text and booleans by equality), and an enum is only compared with its values.
 */

/** Where a condition is checked. @internal */
export interface WhenCtx {
  task: string;
  ctx: Ctx;
  deps: Set<string>;
}

type OperandType = { spec: ValueSpec; literal?: unknown };

/** Check a condition and return it with each comparison's kind filled in. @internal */
export function checkWhen(e: WhenExpr, c: WhenCtx): WhenExpr {
  const { task } = c;
  const bad = (reason: string): never =>
    fail('PIPELINE_INVALID_WHEN', { task, field: 'when' }, `when: ${reason}`);
  if (e === null || typeof e !== 'object') return bad('must be a condition built with eq(), ge(), and() …');
  switch (e.op) {
    case 'and':
    case 'or':
      if (!Array.isArray(e.args) || e.args.length === 0) bad(`${e.op}() needs at least one condition`);
      // One-argument and()/or() is its argument: the canonical form both targets print and read back.
      if (e.args.length === 1) return checkWhen(e.args[0], c);
      return { op: e.op, args: e.args.map((a) => checkWhen(a, c)) };
    case 'not':
      return { op: 'not', arg: checkWhen(e.arg, c) };
    case 'eq':
    case 'ne':
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge': {
      const l = operandType(e.left, c);
      const r = operandType(e.right, c);
      return { op: e.op, left: e.left, right: e.right, compare: compareKind(e.op, l, r, e, c) };
    }
    default:
      return bad(`unknown operator ${JSON.stringify((e as { op?: unknown }).op)}`);
  }
}

function operandType(b: Binding, c: WhenCtx): OperandType {
  const where = { task: c.task, field: 'when' };
  if (b.from === 'literal') {
    checkLiteral(b.value, where);
    const v = b.value;
    if (typeof v === 'number' && Number.isFinite(v)) return { spec: { type: 'number' }, literal: v };
    if (typeof v === 'boolean') return { spec: { type: 'boolean' }, literal: v };
    if (typeof v === 'string') return { spec: { type: 'string' }, literal: v };
    return fail(
      'PIPELINE_INVALID_WHEN',
      where,
      `when: literal ${JSON.stringify(v)} must be a string, a finite number or a boolean`,
    );
  }
  if (b.from === 'item' || b.from === 'run') {
    fail(
      'PIPELINE_INVALID_WHEN',
      where,
      `when: ${formatBinding(b)} cannot be used in a condition; compare parameters, outputs and literals`,
    );
  }
  const p = produces(b, {
    task: c.task,
    field: 'when',
    isExit: false,
    fanOut: undefined,
    ctx: c.ctx,
    deps: c.deps,
  });
  if (p.kind === 'artifact') {
    fail('PIPELINE_INVALID_WHEN', where, `when: ${formatBinding(b)} is an artifact; compare parameters`);
  }
  if (p.spec.type === 'list' || p.spec.type === 'record') {
    fail(
      'PIPELINE_INVALID_WHEN',
      where,
      `when: ${formatBinding(b)} is ${typeLabel(p.spec)}; only scalars can be compared`,
    );
  }
  return { spec: p.spec };
}

function compareKind(
  op: CompareOp,
  l: OperandType,
  r: OperandType,
  e: WhenExpr,
  c: WhenCtx,
): 'number' | 'text' {
  const where = { task: c.task, field: 'when' };
  const isNum = (t: OperandType) => t.spec.type === 'number' || t.spec.type === 'integer';
  const isText = (t: OperandType) => t.spec.type === 'string' || t.spec.type === 'enum';
  const show = (b: Binding, t: OperandType) =>
    t.literal === undefined ? `${formatBinding(b)} (${typeLabel(t.spec)})` : JSON.stringify(t.literal);
  const { left, right } = e as { left: Binding; right: Binding };
  const mismatch = (): never =>
    fail('PIPELINE_TYPE_MISMATCH', where, `when: ${op}() compares ${show(left, l)} with ${show(right, r)}`);
  if (isNum(l) || isNum(r)) {
    if (!(isNum(l) && isNum(r))) mismatch();
    return 'number';
  }
  if (op !== 'eq' && op !== 'ne') {
    fail(
      'PIPELINE_INVALID_WHEN',
      where,
      `when: ${op}() compares numbers only; ${show(left, l)} and ${show(right, r)} are not numbers`,
    );
  }
  if (!((isText(l) && isText(r)) || (l.spec.type === 'boolean' && r.spec.type === 'boolean'))) mismatch();
  const sides = [
    [l, left, r],
    [r, right, l],
  ] as const;
  for (const [t, b, other] of sides) {
    if (
      t.spec.type === 'enum' &&
      other.literal !== undefined &&
      !t.spec.values.includes(other.literal as string)
    ) {
      fail(
        'PIPELINE_INVALID_WHEN',
        where,
        `when: ${JSON.stringify(other.literal)} is not a value of ${formatBinding(b)} (${t.spec.values.join(', ')})`,
      );
    }
  }
  return 'text';
}
