/**
 * The phase vocabulary of runs, nodes and attempts (Argo's, plus `Cached`): one definition shared by the
 * store (which guards every transition), the executor, the local plan, the CLI and the API.
 */

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

/** True when a run in this phase will never change again. */
export function isTerminalRunPhase(phase: RunPhase): boolean {
  return phase !== 'Pending' && phase !== 'Running';
}

/** True when a node in this phase will never change again. */
export function isTerminalNodePhase(phase: NodePhase): boolean {
  return phase !== 'Pending' && phase !== 'Running';
}
