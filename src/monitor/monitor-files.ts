import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DriftStatus } from './drift-status.js';
import { MonitorError } from './errors.js';

/** The files the drift monitor keeps under `<workspace>/monitor/`. */
export const MONITOR_FILES = Object.freeze({
  /** The status `bookml drift status` reads: small, rewritten after every pass. */
  status: 'status.json',
  /** What a restart needs to continue: windows, log cursor, event count, cool-down. */
  state: 'state.json',
});

/**
 * Write `value` as JSON to `path` atomically: a temp file beside it, fsync, rename. A reader sees the
 * old file or the new one, never half of one; a crash leaves at worst a stray temp file.
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(`${JSON.stringify(value)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new MonitorError('MONITOR_IO', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** The parsed JSON at `path`, or null when there is no such file. */
export async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new MonitorError('MONITOR_IO', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new MonitorError(
      'MONITOR_BAD_STATUS_FILE',
      `${path} is not JSON; delete it and let the monitor rewrite it`,
      {
        cause: e,
      },
    );
  }
}

/**
 * The status a drift monitor persisted under `monitorDir`, or null when none has run there.
 *
 * @throws MonitorError `MONITOR_BAD_STATUS_FILE` when the file is not a status this bookml writes.
 * @example
 * const status = await readDriftStatus(join(ws.root, 'monitor'));
 * if (status) console.log(status.version, status.decision?.reason);
 */
export async function readDriftStatus(monitorDir: string): Promise<DriftStatus | null> {
  const path = join(monitorDir, MONITOR_FILES.status);
  const v = (await readJson(path)) as DriftStatus | null;
  if (v === null) return null;
  if (typeof v !== 'object' || v.schema !== 1 || !Array.isArray(v.features) || !Array.isArray(v.events)) {
    throw new MonitorError(
      'MONITOR_BAD_STATUS_FILE',
      `${path} is not a drift status this bookml writes (schema 1); delete it and let the monitor rewrite it`,
    );
  }
  return v;
}
