import { describe, expect, it } from 'vitest';
import { productionStack } from './alias-history.js';
import type { AliasEvent } from './types.js';

const ev = (action: AliasEvent['action'], to: number | null): AliasEvent => ({
  id: 0,
  model: 'm',
  alias: 'production',
  action,
  fromVersion: null,
  toVersion: to,
  actor: 'a',
  reason: null,
  gates: null,
  approvalId: null,
  runId: null,
  at: 0,
});

describe('productionStack', () => {
  it('pushes moves, pops rollbacks, clears on delete', () => {
    expect(productionStack([ev('set', 1), ev('set', 2), ev('set', 3)])).toEqual([1, 2, 3]);
    expect(productionStack([ev('set', 1), ev('set', 2), ev('set', 3), ev('rollback', 2)])).toEqual([1, 2]);
    expect(productionStack([ev('set', 1), ev('set', 2), ev('rollback', 1), ev('set', 4)])).toEqual([1, 4]);
    expect(productionStack([ev('set', 1), ev('delete', null), ev('set', 2)])).toEqual([2]);
    expect(productionStack([ev('set', 1), ev('set', 1)])).toEqual([1]);
  });
});
