import { StoreError } from './errors.js';

/** Phases of a run (Argo's workflow phases). */
export const RUN_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Error'] as const;
/** A run's phase. */
export type RunPhase = (typeof RUN_PHASES)[number];

/** Phases of a node (Argo's node phases). */
export const NODE_PHASES = [
  'Pending',
  'Running',
  'Succeeded',
  'Failed',
  'Error',
  'Skipped',
  'Omitted',
  'Cached',
] as const;
/** A node's phase. */
export type NodePhase = (typeof NODE_PHASES)[number];

/** Phases of one attempt at running a node's step. */
export const ATTEMPT_PHASES = ['Running', 'Succeeded', 'Failed', 'Error'] as const;
/** An attempt's phase. */
export type AttemptPhase = (typeof ATTEMPT_PHASES)[number];

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

/** True when a run in this phase will never change again. */
export function isTerminalRunPhase(phase: RunPhase): boolean {
  return phase !== 'Pending' && phase !== 'Running';
}

/** True when a node in this phase will never change again. */
export function isTerminalNodePhase(phase: NodePhase): boolean {
  return phase !== 'Pending' && phase !== 'Running';
}

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
