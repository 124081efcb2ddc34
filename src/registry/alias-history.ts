import type { AliasEvent } from './types.js';

/**
 * Replays an alias's audit trail (oldest first) into the stack of versions it served: a move pushes,
 * a rollback pops back to the version below, a delete clears. The top is the current version and the
 * one under it is where a rollback goes — so two rollbacks in a row walk back two versions, they do
 * not flip between the last two.
 * @example productionStack(await registry.audit({ model, alias: 'production', order: 'asc' })) // [3, 5, 7]
 */
export function productionStack(eventsOldestFirst: readonly AliasEvent[]): number[] {
  const stack: number[] = [];
  for (const e of eventsOldestFirst) {
    if (e.action === 'delete') {
      stack.length = 0;
    } else if (e.action === 'rollback') {
      while (stack.length > 0 && stack[stack.length - 1] !== e.toVersion) stack.pop();
      if (stack.length === 0 && e.toVersion !== null) stack.push(e.toVersion);
    } else if (e.toVersion !== null && stack[stack.length - 1] !== e.toVersion) {
      stack.push(e.toVersion);
    }
  }
  return stack;
}
