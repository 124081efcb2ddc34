import { describe, expect, it } from 'vitest';
import { checkAlias, checkModelName, checkVersion, parseModelRef } from './names.js';
import { parsePolicy } from './policy.js';

describe('names and refs', () => {
  it('accepts MLflow-style aliases and refuses reserved ones', () => {
    expect(checkAlias('production')).toBe('production');
    expect(checkAlias('canary-2')).toBe('canary-2');
    for (const bad of ['latest', 'LATEST', 'v1', 'V12', '', 'a b']) expect(() => checkAlias(bad)).toThrow();
  });

  it('checks model names and versions', () => {
    expect(() => checkModelName('../etc')).toThrow(/letters, digits/);
    expect(checkVersion('7')).toBe(7);
    expect(() => checkVersion('0')).toThrow(/positive/);
  });

  it('parses model references', () => {
    expect(parseModelRef('recommender@staging')).toEqual({ model: 'recommender', alias: 'staging' });
    expect(parseModelRef('recommender:3')).toEqual({ model: 'recommender', version: 3 });
    expect(parseModelRef('recommender')).toEqual({ model: 'recommender' });
  });

  it('validates policies, listing every bad key', () => {
    expect(() => parsePolicy({ gates: { coverage: { min: 2 } }, bogus: 1 })).toThrow(
      /gates\.coverage\.min.*; .*bogus|bogus.*gates\.coverage\.min/,
    );
    expect(parsePolicy({}).aliases.production?.approval).toBe(true);
  });
});
