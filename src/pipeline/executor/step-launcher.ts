import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { JOB_END, type StepFailure, type StepJob, type StepMessage } from '../runner/step-protocol.js';
import { killProcessGroup } from './process-tree.js';

/**
 * Starts step processes. Each step runs in its own process (a crash or a hang cannot take the engine down),
 * spawned detached so a timeout can kill its whole tree. Node takes a good part of a second to start and
 * load a catalogue, so the launcher keeps `spares` processes warmed up ahead of need; a spare runs exactly
 * one step and exits, and a new spare starts as soon as one is taken.
 */

/** How a step process ended. */
export interface StepExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The step's own report, when it got as far as sending one. */
  result?: { ok: true } | { ok: false; error: StepFailure };
}

/** A step process running a job. */
export interface LaunchedStep {
  readonly pid: number;
  /** Resolves once the process has exited and its log is flushed (never rejects). */
  readonly exit: Promise<StepExit>;
  /** Signal the step's whole process group. */
  kill(signal?: NodeJS.Signals): void;
}

/** Options of {@link StepLauncher}. */
export interface StepLauncherOptions {
  /** The step process entry (`step-process.js`). */
  entry: string;
  /** URL of the pipeline catalogue module the step processes load. */
  catalogUrl: string;
  /** URL of the module that builds the steps' runtime (`openStepRuntime`); without it steps get no services. */
  runtimeUrl?: string | undefined;
  /** Processes kept warm. @default 2 */
  spares?: number;
  /** Environment of the step processes. @default process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * Give a step process that succeeded another step instead of letting it exit. Faster (no start-up per
   * step) but steps share module state and environment, so it is off unless asked for. A failed, killed
   * or timed-out step's process is never reused. @default false
   */
  reuseProcesses?: boolean;
}

interface Spare {
  child: ChildProcess;
  /** true once `ready`; a StepExit when it died (or failed to load) before getting a job. */
  ready: Promise<true | StepExit>;
  early: string[];
  exited: Promise<StepExit>;
  dead: boolean;
  /** Set while a job runs: called with the step's report. */
  onResult?: (r: NonNullable<StepExit['result']>) => void;
}

/** Launches step processes from a pool of warm spares. */
export class StepLauncher {
  readonly #o: Required<Omit<StepLauncherOptions, 'runtimeUrl'>> & Pick<StepLauncherOptions, 'runtimeUrl'>;
  readonly #spares: Spare[] = [];
  #closed = false;

  constructor(options: StepLauncherOptions) {
    this.#o = { spares: 2, env: process.env, reuseProcesses: false, ...options };
  }

  /** Start warming spares now (otherwise the first launch does). */
  warm(): void {
    while (!this.#closed && this.#spares.length < this.#o.spares) this.#spares.push(this.#spawn());
  }

  /**
   * Run `job` in a step process whose stdout and stderr are appended to `logPath` as they come (the log
   * is readable while the step runs).
   */
  async launch(job: Omit<StepJob, 'type' | 'reuse'>, logPath: string, header: string): Promise<LaunchedStep> {
    let spare = this.#spares.shift();
    while (spare?.dead) spare = this.#spares.shift();
    spare ??= this.#spawn();
    this.warm();
    mkdirSync(dirname(logPath), { recursive: true });
    const log = createWriteStream(logPath, { flags: 'a' });
    log.write(header);
    const state = await spare.ready;
    for (const chunk of spare.early) log.write(chunk);
    spare.early.length = 0;
    const pid = spare.child.pid ?? -1;
    const kill = (signal: NodeJS.Signals = 'SIGKILL') => {
      if (pid > 0) killProcessGroup(pid, signal);
    };
    if (state !== true || spare.dead) {
      const ended = state === true ? await spare.exited : state;
      return { pid, kill, exit: closeLog(log).then(() => ended) };
    }
    const s = spare;
    const reuse = this.#o.reuseProcesses;
    setRef(s.child, true);
    const ends = { out: !reuse, err: !reuse };
    const pipe = (stream: 'out' | 'err') => {
      let carry = '';
      return (d: Buffer) => {
        if (!reuse) {
          log.write(d);
          return;
        }
        const text = carry + d.toString();
        const at = text.indexOf(JOB_END);
        if (at >= 0) {
          log.write(text.slice(0, at));
          carry = '';
          ends[stream] = true;
          settle();
          return;
        }
        // Hold back what could be the start of the end marker split across chunks.
        const keep = Math.min(JOB_END.length - 1, text.length);
        log.write(text.slice(0, text.length - keep));
        carry = text.slice(text.length - keep);
      };
    };
    const onOut = pipe('out');
    const onErr = pipe('err');
    s.child.stdout?.on('data', onOut);
    s.child.stderr?.on('data', onErr);
    let report: StepExit['result'];
    let resolveJob!: (e: StepExit) => void;
    const exit = new Promise<StepExit>((resolve) => {
      resolveJob = resolve;
    });
    let done = false;
    const finish = async (e: StepExit, reusable: boolean) => {
      if (done) return;
      done = true;
      s.onResult = undefined;
      s.child.stdout?.off('data', onOut);
      s.child.stderr?.off('data', onErr);
      await closeLog(log);
      if (reusable && !this.#closed && !s.dead) {
        setRef(s.child, false);
        this.#spares.unshift(s);
      }
      resolveJob(e);
    };
    const settle = () => {
      if (reuse && report?.ok === true && ends.out && ends.err)
        void finish({ code: 0, signal: null, result: report }, true);
    };
    s.onResult = (r) => {
      report = r;
      settle();
    };
    void s.exited.then((e) => finish(e, false));
    s.child.send({ type: 'job', ...job, reuse } satisfies StepJob);
    return { pid, kill, exit };
  }

  /** Kill the warm spares (running steps are the engine's business). */
  close(): void {
    this.#closed = true;
    for (const s of this.#spares.splice(0)) {
      if (s.child.pid !== undefined) killProcessGroup(s.child.pid, 'SIGKILL');
    }
  }

  #spawn(): Spare {
    const args = [this.#o.entry, this.#o.catalogUrl];
    if (this.#o.runtimeUrl !== undefined) args.push(this.#o.runtimeUrl);
    const child = spawn(process.execPath, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: this.#o.env,
    });
    const early: string[] = [];
    const keepEarly = (d: Buffer) => early.push(d.toString());
    child.stdout?.on('data', keepEarly);
    child.stderr?.on('data', keepEarly);
    let result: StepExit['result'];
    let fatal: StepFailure | undefined;
    const spare = { child, early, dead: false } as Spare;
    spare.exited = new Promise<StepExit>((resolve) => {
      child.on('error', (e) => {
        early.push(`could not start the step process: ${e.message}\n`);
      });
      child.on('close', (code, signal) => {
        spare.dead = true;
        const r = result ?? (fatal === undefined ? undefined : { ok: false as const, error: fatal });
        resolve(r === undefined ? { code, signal } : { code, signal, result: r });
      });
    });
    spare.ready = new Promise<true | StepExit>((resolve) => {
      child.on('message', (m: StepMessage) => {
        if (m.type === 'ready') {
          child.stdout?.off('data', keepEarly);
          child.stderr?.off('data', keepEarly);
          resolve(true);
        } else if (m.type === 'fatal') fatal = m.error;
        else if (m.type === 'result') {
          result = m.ok ? { ok: true } : { ok: false, error: m.error };
          spare.onResult?.(result);
        }
      });
      void spare.exited.then(resolve);
    });
    // A spare nobody is waiting on must not keep the executor alive; a launched one is ref'd again.
    setRef(child, false);
    return spare;
  }
}

function setRef(child: ChildProcess, on: boolean): void {
  type Refable = { ref?: () => void; unref?: () => void } | null | undefined;
  for (const h of [child, child.stdout, child.stderr, child.channel] as Refable[]) {
    if (on) h?.ref?.();
    else h?.unref?.();
  }
}

function closeLog(log: WriteStream): Promise<void> {
  return new Promise((resolve) => log.end(() => resolve()));
}
