import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { MetadataDb } from '../../store/index.js';
import { isProcessAlive } from './process-tree.js';
import { loadStore } from './store-loader.js';

/**
 * The background executor: `bookml run submit` starts one when none is serving the workspace (as Argo's
 * controller is always there), and it exits by itself once idle.
 */

/** A live executor serving the store, or undefined. */
export async function liveExecutor(
  db: MetadataDb,
  heartbeatTimeoutMs = 30_000,
): Promise<{ generation: number; pid: number } | undefined> {
  const host = hostname();
  const { ExecutorStore } = await loadStore();
  const live = await new ExecutorStore(db).list({ live: true, heartbeatTimeoutMs });
  const found = live.find((e) => e.hostname !== host || isProcessAlive(e.pid));
  return found === undefined ? undefined : { generation: found.generation, pid: found.pid };
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
