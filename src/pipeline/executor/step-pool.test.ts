import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from './process-tree.js';
import { BOOT_ENV_KEYS, bootEnv, type PooledProcess, StepPool } from './step-pool.js';

/**
 * The warm pool on real processes: a tiny entry that speaks the step protocol (says `ready` with what its
 * environment holds, runs one job by echoing it, exits), so the pool's own rules are what is tested.
 */
const ENTRY = `
process.send({ type: 'ready' });
process.send({ type: 'env', keys: Object.keys(process.env) });
process.once('message', (job) => {
  process.stdout.write('job ' + job.args.join(' ') + '\\n');
  process.send({ type: 'result', ok: true }, () => process.exit(0));
});
`;

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe('StepPool', () => {
  let dir: string;
  let entry: string;
  let pool: StepPool | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bookml-pool-'));
    entry = join(dir, 'entry.cjs');
    await writeFile(entry, ENTRY);
  });
  afterEach(async () => {
    pool?.close();
    pool = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  function open(size: number, env: NodeJS.ProcessEnv = process.env): StepPool {
    pool = new StepPool({ entry, args: [], size, env });
    return pool;
  }

  async function ready(p: PooledProcess): Promise<void> {
    expect(await p.ready).toBe(true);
  }

  it('hands each process out once, and starts its replacement right after', async () => {
    const pool = open(2);
    pool.fill();
    const first = pool.pids();
    expect(first).toHaveLength(2);
    const a = pool.take();
    // Taken out; the replacement starts once this turn (where the caller sends the job) ends.
    expect(pool.size).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(pool.size).toBe(2);
    expect(pool.pids()).not.toContain(a.child.pid);
    await ready(a);
    a.child.send({ type: 'job', args: ['one'] });
    await a.exited;
    expect(a.dead).toBe(true);
    const seen = new Set([a.child.pid]);
    for (let i = 0; i < 4; i++) {
      const p = pool.take();
      expect(seen.has(p.child.pid)).toBe(false);
      seen.add(p.child.pid);
      await ready(p);
      p.child.send({ type: 'job', args: [String(i)] });
      await p.exited;
    }
  });

  it('replaces an idle process that dies, and keeps its size', async () => {
    const pool = open(2);
    pool.fill();
    await pool.ready();
    const [victim, other] = pool.pids();
    // Killed from outside while it waits for a job: the pool drops it and starts another.
    process.kill(victim, 'SIGKILL');
    await until(() => !pool.pids().includes(victim) && pool.size === 2, 'the dead process is replaced');
    expect(pool.pids()).toContain(other);
    await pool.ready();
    const p = pool.take();
    expect(p.child.pid).toBe(other);
  });

  it('kills its idle processes on close, and starts none after', async () => {
    const pool = open(3);
    pool.fill();
    const pids = pool.pids();
    expect(pids).toHaveLength(3);
    pool.close();
    await until(() => pids.every((pid) => !isProcessAlive(pid)), 'the idle processes are gone');
    pool.fill();
    expect(pool.size).toBe(0);
  });

  it('starts its processes with the boot environment only, never the secrets of the executor', async () => {
    const pool = open(1, {
      ...process.env,
      BOOKML_DATABASE_URL: 'postgres://u:secret@db/x',
      MY_TOKEN: 's3cr3t',
    });
    const p = pool.take();
    const keys = await new Promise<string[]>((resolve) => {
      p.child.on('message', (m: { type: string; keys?: string[] }) => {
        if (m.type === 'env' && m.keys !== undefined) resolve(m.keys);
      });
    });
    expect(keys).not.toContain('BOOKML_DATABASE_URL');
    expect(keys).not.toContain('MY_TOKEN');
    for (const k of keys) {
      // Node may add a few of its own; nothing of the executor's beyond the boot keys.
      if (k in process.env) expect(BOOT_ENV_KEYS).toContain(k);
    }
    p.child.send({ type: 'job', args: ['x'] });
    await p.exited;
  });

  it('keeps only the boot keys', () => {
    expect(bootEnv({ PATH: '/bin', TZ: 'UTC', AWS_SECRET_ACCESS_KEY: 'x', HOME: '/root' })).toEqual({
      PATH: '/bin',
      TZ: 'UTC',
    });
  });
});
