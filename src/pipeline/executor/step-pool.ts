import { type ChildProcess, spawn } from 'node:child_process';
import type { StepFailure, StepMessage } from '../runner/step-protocol.js';
import { killProcessGroup } from './process-tree.js';

/**
 * The warm pool: step processes started ahead of need, each with its modules loaded and waiting for exactly
 * one job on its IPC channel. Taking one out of the pool starts its replacement at once, and an idle one
 * that dies is replaced too, so the pool stays at its size. A process leaves the pool once and never comes
 * back (unless the launcher's opt-in reuse gives a succeeded one back): each step gets a fresh process.
 *
 * Pool processes are started with {@link bootEnv} only — never the executor's or a step's secrets — and
 * the job brings the step's environment and working directory (see `step-process.ts`).
 */

/** How a step process ended. */
export interface StepExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The step's own report, when it got as far as sending one. */
  result?: { ok: true } | { ok: false; error: StepFailure };
}

/** A step process of the pool. */
export interface PooledProcess {
  readonly child: ChildProcess;
  /** true once `ready`; a StepExit when it died (or failed to load) before getting a job. */
  readonly ready: Promise<true | StepExit>;
  /** What it printed before `ready` (shown in the log of the step it runs). */
  readonly early: string[];
  readonly exited: Promise<StepExit>;
  /** It has exited. */
  dead: boolean;
  /** It said `ready` at some point. */
  wasReady: boolean;
  /** Set while a job runs: called with the step's report. */
  onResult?: ((r: NonNullable<StepExit['result']>) => void) | undefined;
}

/**
 * The variables a pool process is started with: what Node itself reads only at start-up (its options,
 * extra CA certificates, the time zone and locale) and `PATH`. Nothing else of the executor's environment
 * reaches a process before its job does.
 */
export const BOOT_ENV_KEYS: readonly string[] = [
  'PATH',
  'NODE_OPTIONS',
  'NODE_EXTRA_CA_CERTS',
  'NODE_ICU_DATA',
  'TZ',
  'LANG',
  'LC_ALL',
];

/** The boot environment of a pool process: the {@link BOOT_ENV_KEYS} of `env`. */
export function bootEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const k of BOOT_ENV_KEYS) if (env[k] !== undefined) out[k] = env[k];
  return out;
}

/** Options of {@link StepPool}. */
export interface StepPoolOptions {
  /** The step process entry (`step-process.js`). */
  entry: string;
  /** Arguments after the entry (the catalogue URL, the runtime URL). */
  args: string[];
  /** Processes kept warm. */
  size: number;
  /** The environment the boot environment is taken from. */
  env: NodeJS.ProcessEnv;
}

/** The pool of warm step processes. */
export class StepPool {
  readonly #o: StepPoolOptions;
  readonly #idle: PooledProcess[] = [];
  #closed = false;
  /** Idle processes that died in a row after being ready; replacing stops past a bound (a crash loop). */
  #idleCrashes = 0;

  constructor(options: StepPoolOptions) {
    this.#o = options;
  }

  /** Processes in the pool (starting or ready). */
  get size(): number {
    return this.#idle.length;
  }

  /** The pids of the processes in the pool. */
  pids(): number[] {
    return this.#idle.map((p) => p.child.pid ?? -1);
  }

  /** Resolves once every process now in the pool is ready (or has died). */
  async ready(): Promise<void> {
    await Promise.all(this.#idle.map((p) => p.ready));
  }

  /** Fill the pool up to its size. */
  fill(): void {
    while (!this.#closed && this.#idle.length < this.#o.size) this.#idle.push(this.#spawn());
  }

  /**
   * A process for one job, out of the pool (its replacement starts as soon as this turn of the event loop
   * ends), or a new one when the pool is empty. The caller owns it from now on.
   */
  take(): PooledProcess {
    let p = this.#idle.shift();
    while (p?.dead) p = this.#idle.shift();
    p ??= this.#spawn();
    this.#idleCrashes = 0;
    // The replacement after the job: a spawn holds the event loop for 10–30 ms (fork of this process),
    // and the caller hands its job over within this turn.
    setImmediate(() => this.fill());
    return p;
  }

  /** Put back a process that may run another job (the launcher's opt-in reuse only). */
  giveBack(p: PooledProcess): void {
    if (this.#closed || p.dead) return;
    this.#idle.unshift(p);
  }

  /** Kill every idle process; nothing is started after this. */
  close(): void {
    this.#closed = true;
    for (const p of this.#idle.splice(0)) {
      if (p.child.pid !== undefined) killProcessGroup(p.child.pid, 'SIGKILL');
    }
  }

  /** An idle process died: drop it, and replace it if it had been ready (a load failure is left to the next take). */
  #died(p: PooledProcess): void {
    const at = this.#idle.indexOf(p);
    if (at < 0 || !p.wasReady) return;
    this.#idle.splice(at, 1);
    if (++this.#idleCrashes <= this.#o.size * 3) this.fill();
  }

  #spawn(): PooledProcess {
    const child = spawn(process.execPath, [this.#o.entry, ...this.#o.args], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: bootEnv(this.#o.env),
    });
    const early: string[] = [];
    const keepEarly = (d: Buffer) => early.push(d.toString());
    child.stdout?.on('data', keepEarly);
    child.stderr?.on('data', keepEarly);
    let result: StepExit['result'];
    let fatal: StepFailure | undefined;
    const p = { child, early, dead: false, wasReady: false } as PooledProcess & {
      ready: Promise<true | StepExit>;
      exited: Promise<StepExit>;
    };
    p.exited = new Promise<StepExit>((resolve) => {
      child.on('error', (e) => {
        early.push(`could not start the step process: ${e.message}\n`);
      });
      child.on('close', (code, signal) => {
        p.dead = true;
        const r = result ?? (fatal === undefined ? undefined : { ok: false as const, error: fatal });
        resolve(r === undefined ? { code, signal } : { code, signal, result: r });
        this.#died(p);
      });
    });
    p.ready = new Promise<true | StepExit>((resolve) => {
      child.on('message', (m: StepMessage) => {
        if (m.type === 'ready') {
          child.stdout?.off('data', keepEarly);
          child.stderr?.off('data', keepEarly);
          p.wasReady = true;
          resolve(true);
        } else if (m.type === 'fatal') fatal = m.error;
        else if (m.type === 'result') {
          result = m.ok ? { ok: true } : { ok: false, error: m.error };
          p.onResult?.(result);
        }
      });
      void p.exited.then(resolve);
    });
    // An idle process must not keep the executor alive; a launched one is ref'd again.
    setRef(child, false);
    return p;
  }
}

/** Let (or stop) a child's handles keep the event loop alive. */
export function setRef(child: ChildProcess, on: boolean): void {
  type Refable = { ref?: () => void; unref?: () => void } | null | undefined;
  for (const h of [child, child.stdout, child.stderr, child.channel] as Refable[]) {
    if (on) h?.ref?.();
    else h?.unref?.();
  }
}
