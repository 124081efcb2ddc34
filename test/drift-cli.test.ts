import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ksTwoSample } from '../src/monitor/index.js';
import { hasBuiltBin, runBuilt } from './fixtures/cli.js';

/**
 * `bookml drift test` through the built binary (`npm run build`): two JSON files in, the KS statistic,
 * p-value and method out; a bad file fails with MONITOR_BAD_SAMPLE_FILE naming it, exit status 2.
 */
describe.skipIf(!hasBuiltBin)('bookml drift test (built binary)', () => {
  let dir: string;
  const file = (name: string, content: string) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const reference = Array.from({ length: 60 }, (_, i) => Math.sin(i * 1.7) * 2);
  const current = Array.from({ length: 45 }, (_, i) => Math.sin(i * 2.3) * 2 + 0.8);
  let ref: string;
  let cur: string;
  const bookml = (args: string[]) => runBuilt(args, { home: join(dir, 'ws') });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bookml-drift-'));
    ref = file('ref.json', JSON.stringify(reference));
    cur = file('cur.json', JSON.stringify(current));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json: statistic, p_value and method, as ksTwoSample computes them', () => {
    const r = bookml(['drift', 'test', '--reference', ref, '--current', cur, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    const want = ksTwoSample(reference, current);
    expect(out).toMatchObject({
      statistic: want.statistic,
      p_value: want.pValue,
      method: 'exact',
      alternative: 'two-sided',
      reference_size: 60,
      current_size: 45,
    });
  });

  it('text: one aligned line per figure', () => {
    const r = bookml(['drift', 'test', '--reference', ref, '--current', cur, '--method', 'asymptotic']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual([
      'statistic',
      'p_value',
      'method',
      'alternative',
      'location',
      'samples',
    ]);
    const column = lines.map((l) => l.search(/\s\S/) + 1);
    expect(new Set(column).size).toBe(1);
    expect(lines[2]).toMatch(/^method\s+asymptotic$/);
    const want = ksTwoSample(reference, current, { method: 'asymptotic' });
    expect(Number(lines[0].split(/\s+/)[1])).toBeCloseTo(want.statistic, 5);
  });

  it('--alternative is passed to the test', () => {
    const r = bookml([
      'drift',
      'test',
      '--reference',
      ref,
      '--current',
      cur,
      '--alternative',
      'less',
      '--json',
    ]);
    expect(JSON.parse(r.stdout)).toMatchObject({
      alternative: 'less',
      statistic: ksTwoSample(reference, current, { alternative: 'less' }).statistic,
    });
  });

  it.each([
    ['a missing file', () => join(dir, 'nope.json'), /cannot read --reference .*nope\.json: no such file/],
    ['not JSON', () => file('bad.json', '[1, 2,'), /--reference .*bad\.json is not valid JSON/],
    ['an object', () => file('obj.json', '{"values":[1,2]}'), /obj\.json holds object, not an array/],
    ['a string in the array', () => file('str.json', '[1, "x", 3]'), /str\.json: element 1 is "x"/],
  ])('%s: MONITOR_BAD_SAMPLE_FILE naming the file, exit 2', (_, path, message) => {
    const r = bookml(['drift', 'test', '--reference', path(), '--current', cur]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error MONITOR_BAD_SAMPLE_FILE: /);
    expect(r.stderr).toMatch(message);
  });

  it('an empty current sample is MONITOR_EMPTY_SAMPLE; with --json the error is JSON on stdout', () => {
    const r = bookml(['drift', 'test', '--reference', ref, '--current', file('empty.json', '[]'), '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'MONITOR_EMPTY_SAMPLE', field: 'current' });
  });
});
