import { isTerminalRunPhase, type NodePhase, RUN_PHASES, type RunPhase } from '../core/index.js';
import { StoreError } from './errors.js';

// The only legal edges of each phase machine, as "to ← from". A terminal phase has no way out:
// retrying a run creates a new run (retry_of), retrying a node creates a new attempt.
const RUN_FROM: Record<RunPhase, readonly RunPhase[]> = {
  Pending: [],
  Running: ['Pending'],
  Succeeded: ['Running'],
  Failed: ['Pending', 'Running'],
  Error: ['Pending', 'Running'],
};
const NODE_FROM: Record<NodePhase, readonly NodePhase[]> = {
  Pending: [],
  Running: ['Pending'],
  Succeeded: ['Running'],
  Failed: ['Pending', 'Running'],
  Error: ['Pending', 'Running'],
  Skipped: ['Pending'],
  Omitted: ['Pending'],
  Cached: ['Pending'],
};

/** The terminal run phases, for SQL guards. */
export const TERMINAL_RUN_PHASES: readonly RunPhase[] = RUN_PHASES.filter(isTerminalRunPhase);

/**
 * The phases a run may move to `to` from, narrowed to `from` when given.
 * Throws STORE_PHASE_INVALID for an edge the machine does not have.
 */
export function runPredecessors(to: RunPhase, from?: readonly RunPhase[]): readonly RunPhase[] {
  return predecessors('run', RUN_FROM, to, from);
}

/** The phases a node may move to `to` from, narrowed to `from` when given. */
export function nodePredecessors(to: NodePhase, from?: readonly NodePhase[]): readonly NodePhase[] {
  return predecessors('node', NODE_FROM, to, from);
}

function predecessors<P extends string>(
  what: string,
  table: Record<P, readonly P[]>,
  to: P,
  from?: readonly P[],
): readonly P[] {
  const legal = table[to];
  if (legal === undefined) {
    throw new StoreError('STORE_PHASE_INVALID', `"${to}" is not a ${what} phase`, { field: 'phase' });
  }
  if (legal.length === 0) {
    throw new StoreError('STORE_PHASE_INVALID', `a ${what} can never move back to ${to}`, { field: 'phase' });
  }
  if (from === undefined) return legal;
  const bad = from.find((p) => !legal.includes(p));
  if (bad !== undefined) {
    throw new StoreError(
      'STORE_PHASE_INVALID',
      `a ${what} cannot move from ${bad} to ${to}; it can reach ${to} only from ${legal.join(' or ')}`,
      { field: 'from' },
    );
  }
  return from;
}
