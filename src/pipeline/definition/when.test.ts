import { describe, expect, it } from 'vitest';
import {
  and,
  type Binding,
  eq,
  evaluateWhen,
  formatWhen,
  ge,
  gt,
  ne,
  not,
  or,
  Ref,
  type WhenExpr,
} from '../index.js';

const out = <T = string>(task: string, output: string) => new Ref<T>({ from: 'output', task, output });
const lit = (value: unknown): Binding => ({ from: 'literal', value });
const typed = (e: WhenExpr, compare: 'number' | 'text'): WhenExpr => ('left' in e ? { ...e, compare } : e);

describe('when conditions', () => {
  const values: Record<string, unknown> = {
    'evaluate.gate': 'passed',
    'evaluate.ndcg': '0.31',
    'v.pass': true,
  };
  const resolve = (b: Binding) =>
    b.from === 'output' ? values[`${b.task}.${b.output}`] : (b as { value: unknown }).value;

  it('compare text by canonical form and numbers numerically (text-form numbers too, as on Argo)', () => {
    expect(evaluateWhen(typed(eq(out('evaluate', 'gate'), 'passed'), 'text'), resolve)).toBe(true);
    expect(evaluateWhen(typed(ne(out('evaluate', 'gate'), 'passed'), 'text'), resolve)).toBe(false);
    expect(evaluateWhen(typed(ge(out<number>('evaluate', 'ndcg'), 0.3), 'number'), resolve)).toBe(true);
    expect(evaluateWhen(typed(gt(out<number>('evaluate', 'ndcg'), 0.31), 'number'), resolve)).toBe(false);
    // A boolean output compared with the literal true matches its text form 'true'.
    expect(evaluateWhen(typed(eq(out<unknown>('v', 'pass'), 'true'), 'text'), resolve)).toBe(true);
  });

  it('combine with and/or/not and print one canonical text', () => {
    const gate = typed(eq(out('evaluate', 'gate'), 'passed'), 'text');
    const good = typed(ge(out<number>('evaluate', 'ndcg'), 0.5), 'number');
    expect(evaluateWhen(and(gate, good), resolve)).toBe(false);
    expect(evaluateWhen(or(gate, good), resolve)).toBe(true);
    expect(evaluateWhen(not(good), resolve)).toBe(true);
    expect(formatWhen(and(gate, not(good)))).toBe(
      'and(eq[text](output:evaluate.gate, literal:"passed"), not(ge[number](output:evaluate.ndcg, literal:"0.5")))',
    );
    expect(eq(1, 2)).toEqual({ op: 'eq', left: lit(1), right: lit(2) });
  });
});
