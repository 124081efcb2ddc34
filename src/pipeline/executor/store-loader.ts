import { isTerminalNodePhase, type NodePhase, type RunPhase } from '../../core/index.js';
/**
 * The store, loaded on first use. Everything that imports `pipeline/` — the catalogue module every step
 * process loads included — would otherwise pay for the query builder and both database drivers at start,
 * though only the executor and the run commands talk to the database.
 */
export type StoreModule = typeof import('../../store/index.js');

let loading: Promise<StoreModule> | undefined;

/** The store module (loaded once). */
export function loadStore(): Promise<StoreModule> {
  loading ??= import('../../store/index.js');
  return loading;
}

/** True when a run or node in this phase will never change again. */
export function isTerminalPhase(phase: RunPhase | NodePhase): boolean {
  return isTerminalNodePhase(phase);
}
