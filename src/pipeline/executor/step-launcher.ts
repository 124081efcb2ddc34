import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { JOB_END, type StepJob } from '../runner/step-protocol.js';
import { killProcessGroup } from './process-tree.js';
import { type StepExit, StepPool, setRef } from './step-pool.js';

export type { StepExit } from './step-pool.js';

/**
 * Starts step processes. Each step runs in its own process (a crash or a hang cannot take the engine down),
 * spawned detached so a timeout can kill its whole tree. Node takes a good part of a second to start and
 * load a catalogue, so the launcher takes its processes from a {@link StepPool} kept warm ahead of need;
 * a process runs exactly one step and exits, and its replacement starts as soon as it is taken.
 */

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
  /** Processes kept warm (the engine sizes it to its parallelism). @default 2 */
  spares?: number;
  /**
   * Environment of the steps. Each job carries it (with the job's own variables); the warm processes
   * start with its boot part only (`bootEnv`). @default process.env
   */
  env?: NodeJS.ProcessEnv;
  /** Working directory of the steps, carried by each job. @default process.cwd() */
  cwd?: string;
  /**
   * Give a step process that succeeded another step instead of letting it exit. Faster (no start-up per
   * step) but steps share module state and environment, so it is off unless asked for. A failed, killed
   * or timed-out step's process is never reused. @default false
   */
  reuseProcesses?: boolean;
}

/** Launches step processes from a pool of warm ones. */
export class StepLauncher {
  readonly #o: Required<Omit<StepLauncherOptions, 'runtimeUrl'>> & Pick<StepLauncherOptions, 'runtimeUrl'>;
  readonly #pool: StepPool;
  #closed = false;

  constructor(options: StepLauncherOptions) {
    this.#o = { spares: 2, env: process.env, cwd: process.cwd(), reuseProcesses: false, ...options };
    const args = [this.#o.catalogUrl];
    if (this.#o.runtimeUrl !== undefined) args.push(this.#o.runtimeUrl);
    this.#pool = new StepPool({ entry: this.#o.entry, args, size: this.#o.spares, env: this.#o.env });
  }

  /** Start warming the pool now (otherwise the first launch does). */
  warm(): void {
    this.#pool.fill();
  }

  /** Resolves once every process now in the pool is ready (or has died). */
  ready(): Promise<void> {
    return this.#pool.ready();
  }

  /**
   * Run `job` in a step process whose stdout and stderr are appended to `logPath` as they come (the log
   * is readable while the step runs).
   */
  async launch(job: Omit<StepJob, 'type' | 'reuse'>, logPath: string, header: string): Promise<LaunchedStep> {
    const spare = this.#pool.take();
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
        this.#pool.giveBack(s);
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
    const env = stringEnv({ ...this.#o.env, ...job.env });
    s.child.send({ type: 'job', ...job, env, cwd: job.cwd ?? this.#o.cwd, reuse } satisfies StepJob);
    return { pid, kill, exit };
  }

  /** Kill the warm processes (running steps are the engine's business). */
  close(): void {
    this.#closed = true;
    this.#pool.close();
  }
}

/** The defined variables of `env` (an IPC message carries strings only). */
function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function closeLog(log: WriteStream): Promise<void> {
  return new Promise((resolve) => log.end(() => resolve()));
}
