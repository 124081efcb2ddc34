import { describe, expect, it } from 'vitest';
import type { WhenExpr } from '../definition/when.js';
import { compileWhen, decompileWhen } from './when.js';

const out = (task: string, output: string) => ({ from: 'output' as const, task, output });
const lit = (value: unknown) => ({ from: 'literal' as const, value });

describe('when ↔ Argo expression tags', () => {
  const cases: [WhenExpr, string][] = [
    [
      { op: 'eq', left: out('evaluate', 'gate'), right: lit('passed'), compare: 'text' },
      "{{= tasks['evaluate'].outputs.parameters['gate'] == 'passed' }}",
    ],
    [
      {
        op: 'ge',
        left: out('evaluate', 'ndcgAt10'),
        right: { from: 'param', param: 'minNdcg' },
        compare: 'number',
      },
      "{{= asFloat(tasks['evaluate'].outputs.parameters['ndcg-at10']) >= asFloat(workflow.parameters['min-ndcg']) }}",
    ],
    [
      {
        op: 'and',
        args: [
          { op: 'gt', left: out('ingest', 'rows'), right: lit(0), compare: 'number' },
          {
            op: 'not',
            arg: { op: 'eq', left: out('pick-best', 'similarity'), right: lit("it's"), compare: 'text' },
          },
        ],
      },
      "{{= (asFloat(tasks['ingest'].outputs.parameters['rows']) > 0 && !(tasks['pick-best'].outputs.parameters['similarity'] == 'it\\'s')) }}",
    ],
    [
      {
        op: 'or',
        args: [
          { op: 'eq', left: out('v', 'pass'), right: lit(true), compare: 'text' },
          { op: 'lt', left: out('e', 'drift'), right: lit(-0.5), compare: 'number' },
        ],
      },
      "{{= (tasks['v'].outputs.parameters['pass'] == 'true' || asFloat(tasks['e'].outputs.parameters['drift']) < -0.5) }}",
    ],
  ];

  it.each(cases)('compiles %# and reads it back', (e, text) => {
    expect(compileWhen(e, 't')).toBe(text);
    const back = decompileWhen(text);
    // Literals come back in text form (the compiled tag compares text), numbers as numbers.
    expect(JSON.stringify(back)).toBe(JSON.stringify(e).replace('"value":true', '"value":"true"'));
  });

  it('refuses text it did not write', () => {
    for (const text of [
      '{{tasks.evaluate.outputs.parameters.gate}} == passed',
      "{{= tasks['a'].outputs.parameters['x'] ~ 'y' }}",
      "{{= tasks['a'].outputs.result == 'y' }}",
      "{{= tasks['a'].outputs.parameters['x'] == 'y' && }}",
    ]) {
      expect(() => decompileWhen(text), text).toThrow(/cannot read when/);
    }
  });
});
