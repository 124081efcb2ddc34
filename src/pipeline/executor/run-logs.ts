import { open, readFile, stat } from 'node:fs/promises';
import { type Clock, systemClock } from '../../core/index.js';
import type { MetadataDb, RunDetail, Workspace } from '../../store/index.js';
import { ExecutorError } from './errors.js';
import { logPathOf } from './run-paths.js';
import { isTerminalPhase, loadStore } from './store-loader.js';

/** Node logs: one file per node under the run's folder, written while the step runs. */

/** The nodes whose logs to read: one, or every node that has run, in run order. */
function nodesOf(run: RunDetail, nodeId?: string): string[] {
  if (nodeId !== undefined) {
    if (!run.nodes.some((n) => n.nodeId === nodeId)) {
      throw new ExecutorError(
        'RUN_NODE_NOT_FOUND',
        `run ${run.id} has no node "${nodeId}" (nodes: ${run.nodes.map((n) => n.nodeId).join(', ')})`,
        { field: 'node' },
      );
    }
    return [nodeId];
  }
  return run.nodes.filter((n) => n.attempts.length > 0).map((n) => n.nodeId);
}

/** Every log line of a run (or one node), each with its node. */
export async function readRunLogs(
  ws: Workspace,
  run: RunDetail,
  nodeId?: string,
): Promise<{ node: string; line: string }[]> {
  const out: { node: string; line: string }[] = [];
  for (const n of nodesOf(run, nodeId)) {
    const text = await readFile(logPathOf(ws, run.id, n), 'utf8').catch(() => '');
    for (const line of text.split('\n')) if (line !== '') out.push({ node: n, line });
  }
  return out;
}

/** Options of {@link followRunLogs}. */
export interface FollowLogsOptions {
  /** Only this node's log. @default every node that has run */
  nodeId?: string;
  /** Called with each complete line as it appears. */
  write: (node: string, line: string) => void;
  /** How often the files are read again, in ms. @default 250 */
  pollMs?: number;
  /** Stops following; what was read so far (a partial last line included) is written first. */
  signal?: AbortSignal;
  /** @default systemClock */
  clock?: Clock;
}

/**
 * Print log lines as they are written until the run ends (`--follow`). Polls the files every `pollMs`.
 * @example await followRunLogs(db, ws, run.id, { write: (node, line) => console.log(node, line) });
 */
export async function followRunLogs(
  db: MetadataDb,
  ws: Workspace,
  runId: string,
  o: FollowLogsOptions,
): Promise<void> {
  const clock = o.clock ?? systemClock;
  const { RunStore } = await loadStore();
  const runs = new RunStore(db);
  const offsets = new Map<string, number>();
  const partial = new Map<string, string>();
  for (;;) {
    const run = await runs.getRun(runId);
    if (run === undefined) return;
    const done = isTerminalPhase(run.phase);
    for (const n of nodesOf(run, o.nodeId)) {
      const path = logPathOf(ws, runId, n);
      const size = (await stat(path).catch(() => undefined))?.size ?? 0;
      const from = offsets.get(n) ?? 0;
      if (size <= from) continue;
      const fh = await open(path, 'r');
      const buf = Buffer.alloc(size - from);
      await fh.read(buf, 0, buf.length, from);
      await fh.close();
      offsets.set(n, size);
      const text = (partial.get(n) ?? '') + buf.toString('utf8');
      const lines = text.split('\n');
      partial.set(n, lines.pop() ?? '');
      for (const l of lines) o.write(n, l);
    }
    if (done || o.signal?.aborted) {
      for (const [n, rest] of partial) if (rest !== '') o.write(n, rest);
      return;
    }
    // An abort ends the wait early; the next round writes what is left and returns.
    await clock.sleep(o.pollMs ?? 250, o.signal).catch(() => {});
  }
}
