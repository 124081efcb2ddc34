import type { Binding } from '../definition/ref.js';
import type { CompareOp, WhenExpr } from '../definition/when.js';
import { fail } from '../errors.js';
import { argoName, bookmlName } from './parameters.js';

/**
 * `when` on Argo: a bookml condition compiles to one expression tag, `{{= … }}` (expr-lang), which Argo
 * evaluates to `true`/`false` before its own `when` check (spec/argo.md §3.2). Expression tags need index
 * syntax for hyphenated names, and see every parameter as a string: numeric comparisons wrap references in
 * `asFloat(…)`; booleans, strings and enums compare as text, exactly like the local evaluator.
 */

const OPS: Record<CompareOp, string> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };

function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function operand(b: Binding, numeric: boolean, task: string): string {
  let ref: string;
  switch (b.from) {
    case 'literal': {
      const v = b.value;
      if (numeric)
        return typeof v === 'number'
          ? JSON.stringify(v)
          : fail(
              'PIPELINE_UNSUPPORTED_ON_TARGET',
              { task, field: 'when' },
              `when: ${JSON.stringify(v)} is not a number`,
            );
      return quote(typeof v === 'string' ? v : String(v));
    }
    case 'param':
      ref = `workflow.parameters[${quote(argoName(b.param))}]`;
      break;
    case 'output':
      ref = `tasks[${quote(b.task)}].outputs.parameters[${quote(argoName(b.output))}]`;
      break;
    default:
      return fail(
        'PIPELINE_UNSUPPORTED_ON_TARGET',
        { task, field: 'when' },
        `when: ${b.from} operands have no Argo form`,
      );
  }
  return numeric ? `asFloat(${ref})` : ref;
}

function expr(e: WhenExpr, task: string): string {
  switch (e.op) {
    case 'and':
    case 'or':
      return `(${e.args.map((a) => expr(a, task)).join(e.op === 'and' ? ' && ' : ' || ')})`;
    case 'not':
      return `!(${expr(e.arg, task)})`;
    default: {
      const numeric = e.compare === 'number';
      return `${operand(e.left, numeric, task)} ${OPS[e.op]} ${operand(e.right, numeric, task)}`;
    }
  }
}

/**
 * The Argo `when` text of a validated condition.
 * @example compileWhen(eq(evaluate.outputs.gate, 'passed')); // "{{= tasks['evaluate'].outputs.parameters['gate'] == 'passed' }}"
 */
export function compileWhen(e: WhenExpr, task: string): string {
  return `{{= ${expr(e, task)} }}`;
}

type Tok = { t: 'op' | 'str' | 'num' | 'ident' | 'punct'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ') {
      i++;
    } else if (c === "'") {
      let s = '';
      i++;
      while (i < src.length && src[i] !== "'") {
        if (src[i] === '\\') i++;
        s += src[i++];
      }
      i++;
      out.push({ t: 'str', v: s });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(src.slice(i))!;
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[a-zA-Z_]/.test(c)) {
      const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(src.slice(i))!;
      out.push({ t: 'ident', v: m[0] });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (['&&', '||', '==', '!=', '<=', '>='].includes(two)) {
        out.push({ t: 'op', v: two });
        i += 2;
      } else if ('<>!'.includes(c)) {
        out.push({ t: 'op', v: c });
        i++;
      } else if ('()[].'.includes(c)) {
        out.push({ t: 'punct', v: c });
        i++;
      } else {
        return fail(
          'PIPELINE_INVALID_MANIFEST',
          { field: 'when' },
          `cannot read when ${JSON.stringify(src)} at ${JSON.stringify(c)}`,
        );
      }
    }
  }
  return out;
}

const BY_SYMBOL = Object.fromEntries(Object.entries(OPS).map(([k, v]) => [v, k])) as Record<
  string,
  CompareOp
>;

/**
 * Read back a `when` that {@link compileWhen} wrote (and nothing else). Throws `PIPELINE_INVALID_MANIFEST`.
 * @example decompileWhen("{{= asFloat(tasks['evaluate'].outputs.parameters['ndcg']) >= 0.1 }}");
 */
export function decompileWhen(text: string): WhenExpr {
  const m = /^\{\{=\s(.*)\s\}\}$/s.exec(text);
  const bad = (why: string): never =>
    fail('PIPELINE_INVALID_MANIFEST', { field: 'when' }, `cannot read when ${JSON.stringify(text)}: ${why}`);
  if (!m) return bad('not a single expression tag');
  const toks = tokenize(m[1]);
  let i = 0;
  const peek = () => toks[i];
  const take = (v?: string): Tok => {
    const t = toks[i++];
    if (t === undefined || (v !== undefined && t.v !== v)) bad(`expected ${v ?? 'more'}`);
    return t;
  };
  const index = (): string => {
    take('[');
    const s = take();
    if (s.t !== 'str') bad('expected a quoted name');
    take(']');
    return s.v;
  };
  const ref = (): Binding => {
    const head = take();
    if (head.v === 'tasks') {
      const task = index();
      take('.');
      take('outputs');
      take('.');
      take('parameters');
      return { from: 'output', task, output: bookmlName(index()) };
    }
    if (head.v === 'workflow') {
      take('.');
      take('parameters');
      return { from: 'param', param: bookmlName(index()) };
    }
    return bad(`unexpected ${head.v}`);
  };
  const operandOf = (): { b: Binding; numeric: boolean } => {
    const t = peek();
    if (t?.t === 'str') return { b: { from: 'literal', value: take().v }, numeric: false };
    if (t?.t === 'num') return { b: { from: 'literal', value: Number(take().v) }, numeric: true };
    if (t?.v === 'asFloat') {
      take();
      take('(');
      const b = ref();
      take(')');
      return { b, numeric: true };
    }
    return { b: ref(), numeric: false };
  };
  const parseOr = (): WhenExpr => {
    const args = [parseAnd()];
    while (peek()?.v === '||') {
      take();
      args.push(parseAnd());
    }
    return args.length === 1 ? args[0] : { op: 'or', args };
  };
  const parseAnd = (): WhenExpr => {
    const args = [parseUnary()];
    while (peek()?.v === '&&') {
      take();
      args.push(parseUnary());
    }
    return args.length === 1 ? args[0] : { op: 'and', args };
  };
  const parseUnary = (): WhenExpr => {
    if (peek()?.v === '!') {
      take();
      return { op: 'not', arg: parseUnary() };
    }
    if (peek()?.v === '(') {
      take();
      const e = parseOr();
      take(')');
      return e;
    }
    const l = operandOf();
    const op = BY_SYMBOL[take().v];
    if (op === undefined) bad('expected a comparison');
    const r = operandOf();
    return { op, left: l.b, right: r.b, compare: l.numeric || r.numeric ? 'number' : 'text' };
  };
  const e = parseOr();
  if (i !== toks.length) bad('unexpected text at the end');
  return e;
}
