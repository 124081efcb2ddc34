import { encodeParamValue } from './param.js';
import { type Bindable, type Binding, formatBinding, toBinding } from './ref.js';

/** Comparison operators of a `when` condition. */
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/**
 * A `when` condition as plain JSON (IR). Operands are bindings to upstream outputs, pipeline parameters or
 * literals. `compare` is filled in by validation from the operand types: `number` compares numerically
 * (Argo: `asFloat(…)`), `text` compares the canonical text forms (booleans, strings, enums; `eq`/`ne` only).
 */
export type WhenExpr =
  | {
      readonly op: CompareOp;
      readonly left: Binding;
      readonly right: Binding;
      readonly compare?: 'number' | 'text';
    }
  | { readonly op: 'and' | 'or'; readonly args: readonly WhenExpr[] }
  | { readonly op: 'not'; readonly arg: WhenExpr };

function compare(op: CompareOp, a: unknown, b: unknown): WhenExpr {
  return { op, left: toBinding(a), right: toBinding(b) };
}

/**
 * `a == b`. Booleans, strings and enums compare by text; numbers numerically.
 * @example b.task('register', registerStep, {...}).when(eq(evaluate.outputs.gate, 'passed'))
 */
export function eq<T>(a: Bindable<T>, b: NoInfer<Bindable<T>>): WhenExpr {
  return compare('eq', a, b);
}
/** `a != b`. @example .when(ne(validate.outputs.status, 'empty')) */
export function ne<T>(a: Bindable<T>, b: NoInfer<Bindable<T>>): WhenExpr {
  return compare('ne', a, b);
}
/** `a < b`, numbers only. @example .when(lt(evaluate.outputs.drift, 0.2)) */
export function lt(a: Bindable<number>, b: Bindable<number>): WhenExpr {
  return compare('lt', a, b);
}
/** `a ≤ b`, numbers only. @example .when(le(evaluate.outputs.latencyMs, 50)) */
export function le(a: Bindable<number>, b: Bindable<number>): WhenExpr {
  return compare('le', a, b);
}
/** `a > b`, numbers only. @example .when(gt(ingest.outputs.rows, 0)) */
export function gt(a: Bindable<number>, b: Bindable<number>): WhenExpr {
  return compare('gt', a, b);
}
/** `a ≥ b`, numbers only. @example .when(ge(evaluate.outputs.ndcg, p.minNdcg)) */
export function ge(a: Bindable<number>, b: Bindable<number>): WhenExpr {
  return compare('ge', a, b);
}
/** All conditions hold. @example .when(and(eq(v.outputs.pass, true), gt(i.outputs.rows, 0))) */
export function and(...args: WhenExpr[]): WhenExpr {
  return { op: 'and', args };
}
/** Any condition holds. @example .when(or(eq(e.outputs.gate, 'passed'), eq(p.force, true))) */
export function or(...args: WhenExpr[]): WhenExpr {
  return { op: 'or', args };
}
/** The condition does not hold. @example .when(not(eq(e.outputs.gate, 'passed'))) */
export function not(arg: WhenExpr): WhenExpr {
  return { op: 'not', arg };
}

/**
 * Canonical text of a condition, e.g. `and(ge[number](output:evaluate.ndcg, param:minNdcg), …)`; two
 * conditions with the same text behave the same on both targets.
 */
export function formatWhen(e: WhenExpr): string {
  switch (e.op) {
    case 'and':
    case 'or':
      return `${e.op}(${e.args.map(formatWhen).join(', ')})`;
    case 'not':
      return `not(${formatWhen(e.arg)})`;
    default:
      return `${e.op}[${e.compare ?? '?'}](${formatBinding(e.left)}, ${formatBinding(e.right)})`;
  }
}

/**
 * Evaluate a validated condition locally. `resolve` returns each operand's value (typed or text form).
 * Same semantics as the compiled Argo expression.
 *
 * @example
 * evaluateWhen(task.when, (b) => resolveBinding(b)); // true → run, false → Skipped
 */
export function evaluateWhen(e: WhenExpr, resolve: (b: Binding) => unknown): boolean {
  switch (e.op) {
    case 'and':
      return e.args.every((a) => evaluateWhen(a, resolve));
    case 'or':
      return e.args.some((a) => evaluateWhen(a, resolve));
    case 'not':
      return !evaluateWhen(e.arg, resolve);
  }
  const a = resolve(e.left);
  const b = resolve(e.right);
  if (e.compare === 'number') {
    const x = Number(a);
    const y = Number(b);
    switch (e.op) {
      case 'eq':
        return x === y;
      case 'ne':
        return x !== y;
      case 'lt':
        return x < y;
      case 'le':
        return x <= y;
      case 'gt':
        return x > y;
      case 'ge':
        return x >= y;
    }
  }
  const same = encodeParamValue(a) === encodeParamValue(b);
  return e.op === 'eq' ? same : !same;
}
