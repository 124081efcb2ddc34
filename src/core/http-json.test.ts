import { describe, expect, it } from 'vitest';
import { jsonNestingExceeds, valueNestingExceeds } from './http-json.js';

const arrays = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('jsonNestingExceeds and valueNestingExceeds', () => {
  it('counts arrays and objects inside one another, not side by side', () => {
    expect(jsonNestingExceeds(arrays(3), 3)).toBe(false);
    expect(jsonNestingExceeds(arrays(4), 3)).toBe(true);
    expect(jsonNestingExceeds('{"a":{"b":[1]}}', 2)).toBe(true);
    expect(jsonNestingExceeds('{"a":{"b":[1]}}', 3)).toBe(false);
    // 100 siblings: many brackets (past the quick count) but depth 2.
    expect(jsonNestingExceeds(JSON.stringify(Array.from({ length: 100 }, () => [])), 2)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ a: `${'['.repeat(100)}"\\${'{'.repeat(100)}`, b: [[1]] });
    expect(jsonNestingExceeds(text, 3)).toBe(false);
    expect(jsonNestingExceeds(text, 2)).toBe(true);
  });

  it('judges text that is not JSON without failing (the parser refuses it next)', () => {
    expect(jsonNestingExceeds('"unterminated [[[[[[[[', 2)).toBe(false);
    expect(jsonNestingExceeds(']]]]]][[[', 2)).toBe(false);
    expect(jsonNestingExceeds(`${'['.repeat(10)}"`, 5)).toBe(true);
    expect(jsonNestingExceeds('', 0)).toBe(false);
  });

  it('walks a parsed value no deeper than the limit, however deep it is', () => {
    const deep = JSON.parse(arrays(100_000));
    expect(valueNestingExceeds(deep, 64)).toBe(true);
    expect(valueNestingExceeds(5, 0)).toBe(false);
    expect(valueNestingExceeds({}, 0)).toBe(true);
    expect(valueNestingExceeds({ a: { b: [] } }, 3)).toBe(false);
  });

  it('agrees with the depth of every parsed value (random bodies)', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const depthOf = (v: unknown): number =>
      v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;
    const gen = (d: number): unknown => {
      const r = rand();
      if (d === 0 || r < 0.3) return r < 0.15 ? `s[{"\\${d}` : d;
      return r < 0.65
        ? Array.from({ length: 1 + Math.floor(rand() * 3) }, () => gen(d - 1))
        : { k: gen(d - 1), j: 1 };
    };
    for (let i = 0; i < 300; i++) {
      const v = gen(1 + Math.floor(rand() * 12));
      const text = JSON.stringify(v);
      const depth = depthOf(v);
      for (const max of [1, 3, 6, 10]) {
        expect(jsonNestingExceeds(text, max), text).toBe(depth > max);
        expect(valueNestingExceeds(JSON.parse(text), max), text).toBe(depth > max);
      }
    }
  });
});
