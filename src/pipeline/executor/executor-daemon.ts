import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { MetadataDb, RunRecord } from '../../store/index.js';
import { isProcessAlive } from './process-tree.js';
import { isTerminalPhase, loadStore } from './store-loader.js';

/**
 * The background executor: `bookml run submit` starts one when none is serving the workspace (as Argo's
 * controller is always there), and it exits by itself once idle.
 */

/**
 * An executor whose heartbeat is older than this is gone (it heartbeats every 2 s by default), in ms.
 * On this host a dead pid tells sooner; the timeout is what other hosts, and a hung process, go by.
 */
export const EXECUTOR_HEARTBEAT_TIMEOUT_MS = 30_000;

/** A live executor serving the store, or undefined. */
export async function liveExecutor(
  db: MetadataDb,
  heartbeatTimeoutMs = EXECUTOR_HEARTBEAT_TIMEOUT_MS,
): Promise<{ generation: number; pid: number } | undefined> {
  const host = hostname();
  const { ExecutorStore } = await loadStore();
  const live = await new ExecutorStore(db).list({ live: true, heartbeatTimeoutMs });
  const found = live.find((e) => e.hostname !== host || isProcessAlive(e.pid));
  return found === undefined ? undefined : { generation: found.generation, pid: found.pid };
}

/** Whether an executor serves the store now, and when one last did. */
export interface ExecutorPresence {
  /** The live executor, if any. */
  live: { generation: number; pid: number } | undefined;
  /** The last moment an executor was known to serve the store (a heartbeat or a clean stop), epoch ms; null when none ever ran. */
  lastSeenAt: number | null;
}

/**
 * Who serves the store: the live executor (as {@link liveExecutor}) and when any executor was last seen,
 * which {@link isRunStale} measures from.
 * @example const presence = await executorPresence(db);
 */
export async function executorPresence(
  db: MetadataDb,
  heartbeatTimeoutMs = EXECUTOR_HEARTBEAT_TIMEOUT_MS,
): Promise<ExecutorPresence> {
  const { ExecutorStore } = await loadStore();
  // Every generation: the last one seen may be stopped, and there is one row per executor start.
  const all = await new ExecutorStore(db).list();
  const host = hostname();
  const cutoff = db.clock.now() - heartbeatTimeoutMs;
  const live = all.find(
    (e) => e.stoppedAt === null && e.heartbeatAt >= cutoff && (e.hostname !== host || isProcessAlive(e.pid)),
  );
  let lastSeenAt: number | null = null;
  for (const e of all) lastSeenAt = Math.max(lastSeenAt ?? e.heartbeatAt, e.heartbeatAt, e.stoppedAt ?? 0);
  return {
    live: live === undefined ? undefined : { generation: live.generation, pid: live.pid },
    lastSeenAt,
  };
}

/**
 * True when a run still going (Pending or Running) has had no live executor for at least `timeoutMs`:
 * counted from when an executor was last seen, or from the run's creation if that is later. Nothing
 * moves such a run until an executor starts (`bookml run executor`), which takes over its lost attempts.
 * @example const stale = isRunStale(run, await executorPresence(db), clock.now());
 */
export function isRunStale(
  run: Pick<RunRecord, 'phase' | 'createdAt'>,
  presence: ExecutorPresence,
  now: number,
  timeoutMs = EXECUTOR_HEARTBEAT_TIMEOUT_MS,
): boolean {
  if (isTerminalPhase(run.phase) || presence.live !== undefined) return false;
  const since = Math.max(presence.lastSeenAt ?? run.createdAt, run.createdAt);
  return now - since >= timeoutMs;
}

/**
 * Start `node <args…>` in the background (detached, output appended to `logPath`) unless an executor is
 * already live. Returns the pid of the one serving the store, and whether it was started now.
 */
export async function ensureExecutor(
  db: MetadataDb,
  o: { args: string[]; logPath: string; env?: NodeJS.ProcessEnv },
): Promise<{ started: boolean; pid: number }> {
  const live = await liveExecutor(db);
  if (live !== undefined) return { started: false, pid: live.pid };
  mkdirSync(dirname(o.logPath), { recursive: true });
  const fd = openSync(o.logPath, 'a');
  const child = spawn(process.execPath, o.args, {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: o.env ?? process.env,
  });
  child.unref();
  return { started: true, pid: child.pid ?? -1 };
}
