import { join } from 'node:path';
import type { Workspace } from '../../store/index.js';

/**
 * Where a run's files live in the workspace: `runs/<run>/logs/<node>.log` (one log per node, attempts
 * appended with a header line) and `runs/<run>/nodes/<node>/attempt-<n>/` (scratch outputs, removed once
 * the outputs are in the artifact store).
 */

/** The folder of a run's files. */
export function runDirOf(ws: Workspace, runId: string): string {
  return join(ws.root, 'runs', runId);
}

/** The log file of one node. */
export function logPathOf(ws: Workspace, runId: string, nodeId: string): string {
  return join(runDirOf(ws, runId), 'logs', `${nodeId}.log`);
}

/** The executor's own log (when started in the background). */
export function executorLogPath(ws: Workspace): string {
  return join(ws.root, 'logs', 'executor.log');
}
