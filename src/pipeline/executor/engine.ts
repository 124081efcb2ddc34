import { hostname as osHostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Clock, Timer } from '../../core/index.js';
import type {
  ArtifactStore,
  EventLog,
  ExecutorStore,
  MetadataDb,
  MutexStore,
  RunRecord,
  RunStore,
  Workspace,
} from '../../store/index.js';
import { toLocalPlan } from '../plan/local-plan.js';
import type { PipelineCatalog } from '../runner/catalog.js';
import { CONTROL_TOPIC, type RunControl } from './control.js';
import type { ExecutorErrorCode } from './errors.js';
import { EXECUTOR_HEARTBEAT_TIMEOUT_MS } from './executor-daemon.js';
import { isProcessAlive, killProcessGroup } from './process-tree.js';
import { ActiveRun } from './run-state.js';
import { RunScheduler } from './scheduler.js';
import { type StepExit, StepLauncher } from './step-launcher.js';
import { loadStore } from './store-loader.js';

/** Options of {@link Engine}. */
export interface EngineOptions {
  db: MetadataDb;
  artifacts: ArtifactStore;
  workspace: Workspace;
  /** The pipelines this executor runs. */
  catalog: PipelineCatalog;
  /** URL of the module the step processes load the same catalogue from. */
  catalogUrl: string;
  /**
   * URL of the module that builds each step's runtime (`openStepRuntime`, see `pipeline/runner`). The
   * composition root passes bookml's own; without one, steps that call `ctx.registry` & co. fail clearly.
   */
  runtimeUrl?: string | undefined;
  /** Time and timers: polls, heartbeats, retry wake-ups, kill grace, timeouts. @default the database's clock */
  clock?: Clock;
  /** The step process entry. @default step-process.js beside this file */
  stepEntry?: string;
  /** Most steps running at once, over all runs. @default 4 */
  parallelism?: number;
  /** Step processes kept warm. @default 2 */
  spares?: number;
  /**
   * Let a step process that succeeded run another step instead of exiting (see `StepLauncherOptions`).
   * Faster, but steps then share module state. @default false: one process per step
   */
  reuseProcesses?: boolean;
  /** How often to look for new runs and control requests, in ms. @default 200 */
  pollMs?: number;
  /** How often to heartbeat the executor and its attempts, in ms. @default 2000 */
  heartbeatMs?: number;
  /** A Running attempt whose heartbeat is older than this is orphaned (other hosts), in ms. @default 30000 */
  orphanAfterMs?: number;
  /** Between SIGTERM and SIGKILL when a step times out or is terminated, in ms. @default 2000 */
  killGraceMs?: number;
  /** Stop by itself after this long with nothing to do, in ms. @default never */
  idleExitMs?: number;
  /** Environment of the steps (and of their cache keys). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where diagnostics go. @default nowhere */
  log?: (line: string) => void;
}

const DEFAULT_STEP_ENTRY = fileURLToPath(new URL('../runner/step-process.js', import.meta.url));

/**
 * The local executor: runs every active run of the metadata store to a terminal phase, each step in its own
 * process. It is stateless between restarts — everything it knows is in the database — so a crash at any
 * point is recovered by starting a new one: the new generation declares the old one's attempts orphaned
 * (phase Error), retries them per their task's policy, and carries on. See ARCHITECTURE.md.
 *
 * @example
 * const engine = new Engine({ db, artifacts, workspace, catalog, catalogUrl });
 * await engine.start();
 * const run = await submitRun(db, catalog, { pipeline: 'recommender' });
 * engine.wake();
 * await engine.waitForRun(run.id);
 * await engine.close();
 */
export class Engine {
  readonly #o: Required<Omit<EngineOptions, 'idleExitMs' | 'log' | 'runtimeUrl'>> &
    Pick<EngineOptions, 'idleExitMs' | 'log'>;
  #scheduler!: RunScheduler;
  #runs!: RunStore;
  #executors!: ExecutorStore;
  #mutexes!: MutexStore;
  #events!: EventLog;
  readonly #launcher: StepLauncher;
  readonly #active = new Map<string, ActiveRun>();
  readonly #waiters = new Map<string, Array<(r: RunRecord) => void>>();
  readonly #exits: Array<{ run: ActiveRun; nodeId: string; exit: StepExit }> = [];
  #generation = 0;
  #lastEventId = 0;
  #ticking = false;
  #again = false;
  /** Look for new runs and control requests on the next pass. */
  #pollDue = false;
  #closed = false;
  #pollTimer: Timer | undefined;
  #heartbeatTimer: Timer | undefined;
  /** The running pass loop, so close() can wait for it. */
  #passes: Promise<void> = Promise.resolve();
  #idleSince: number | undefined;
  #tickError: unknown;
  #stopped!: Promise<void>;
  #resolveStopped!: () => void;

  constructor(options: EngineOptions) {
    this.#o = {
      clock: options.db.clock,
      stepEntry: DEFAULT_STEP_ENTRY,
      parallelism: 4,
      spares: 2,
      reuseProcesses: false,
      pollMs: 200,
      heartbeatMs: 2000,
      orphanAfterMs: EXECUTOR_HEARTBEAT_TIMEOUT_MS,
      killGraceMs: 2000,
      env: process.env,
      ...options,
    };
    this.#launcher = new StepLauncher({
      entry: this.#o.stepEntry,
      catalogUrl: options.catalogUrl,
      runtimeUrl: options.runtimeUrl,
      spares: this.#o.spares,
      reuseProcesses: this.#o.reuseProcesses,
      // The step runtime resolves the workspace from the environment: it must be the executor's.
      env: { ...this.#o.env, BOOKML_HOME: options.workspace.root },
    });
    this.#stopped = new Promise((resolve) => {
      this.#resolveStopped = resolve;
    });
  }

  /** This executor's generation (0 before start). */
  get generation(): number {
    return this.#generation;
  }

  /** Resolves when the engine has stopped (closed, fenced, or idle with `idleExitMs`). */
  get stopped(): Promise<void> {
    return this.#stopped;
  }

  /**
   * Registers a generation, recovers what a previous executor left (orphaned attempts become Error and are
   * retried per policy) and starts working. Returns false, and stops, when another live executor already
   * serves this store: one executor per store.
   */
  async start(): Promise<boolean> {
    const s = await loadStore();
    this.#runs = new s.RunStore(this.#o.db);
    this.#executors = new s.ExecutorStore(this.#o.db);
    this.#mutexes = new s.MutexStore(this.#o.db);
    this.#events = new s.EventLog(this.#o.db);
    this.#scheduler = new RunScheduler({
      o: this.#o,
      store: s,
      runs: this.#runs,
      mutexes: this.#mutexes,
      launcher: this.#launcher,
      generation: () => this.#generation,
      runningCount: () => this.#runningCount(),
      exited: (run, nodeId, exit) => {
        this.#exits.push({ run, nodeId, exit });
        this.#pass();
      },
      wake: () => this.#pass(),
      forget: (id) => this.#active.delete(id),
      notify: (rec) => this.#notify(rec),
    });
    const host = osHostname();
    const me = await this.#executors.register({ pid: process.pid, hostname: host });
    this.#generation = me.generation;
    await this.#executors.reapDead(host, isProcessAlive, me.generation);
    const others = (
      await this.#executors.list({ live: true, heartbeatTimeoutMs: this.#o.orphanAfterMs })
    ).filter((e) => e.generation < me.generation && (e.hostname !== host || isProcessAlive(e.pid)));
    if (others.length > 0) {
      await this.#executors.markStopped(me.generation);
      this.#closed = true;
      this.#resolveStopped();
      return false;
    }
    await this.#recoverOrphans(host);
    const control = await this.#events.read({ topics: [CONTROL_TOPIC], limit: 100_000 });
    await this.#loadActiveRuns();
    for (const e of control) this.#applyControl(e.payload as RunControl);
    this.#lastEventId = control.at(-1)?.id ?? (await this.#events.latestId());
    // Runs and control requests were just read, so #pollDue stays false: the first pass does not poll again.
    this.#launcher.warm();
    // The poll keeps the executor process alive; the heartbeat alone must not.
    this.#pollTimer = this.#o.clock.setInterval(() => this.#poll(), this.#o.pollMs);
    this.#heartbeatTimer = this.#o.clock.setInterval(() => void this.#heartbeat(), this.#o.heartbeatMs, {
      unref: true,
    });
    this.#pass();
    return true;
  }

  /**
   * Look for new runs and control requests and make a scheduling pass now, instead of at the next poll
   * (after submitting a run, or advancing a test clock).
   */
  wake(): void {
    this.#poll();
  }

  /** A scheduling pass over what is already loaded (a step ended, a retry fell due). */
  #pass(): void {
    if (this.#closed) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#ticking = true;
    // setImmediate is a yield, not time: it lets the caller's synchronous work finish first.
    this.#passes = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#tickLoop());
  }

  /** Resolves with the run once it reaches a terminal phase. Picks the run up if it is new. */
  async waitForRun(runId: string): Promise<RunRecord> {
    const rec = await this.#runs.getRun(runId);
    if (rec !== undefined && rec.phase !== 'Pending' && rec.phase !== 'Running') return rec;
    return new Promise((resolve, reject) => {
      const list = this.#waiters.get(runId) ?? [];
      list.push(resolve);
      this.#waiters.set(runId, list);
      void this.#stopped.then(() =>
        reject(this.#tickError ?? new Error('the executor stopped before the run ended')),
      );
      this.#poll();
    });
  }

  /**
   * Stops the engine: no new work; running steps are killed and their attempts left Running, so the next
   * executor treats them as orphans (the same path as a crash). Marks the generation stopped.
   */
  async close(): Promise<void> {
    if (this.#closed) return this.#stopped;
    this.#stopWorking();
    for (const run of this.#active.values()) for (const r of run.running.values()) r.step.kill('SIGKILL');
    // A pass that failed calls close() itself after clearing #ticking, so this never waits on its caller.
    if (this.#ticking) await this.#passes;
    if (this.#generation > 0) await this.#executors.markStopped(this.#generation).catch(() => {});
    this.#resolveStopped();
  }

  #poll(): void {
    this.#pollDue = true;
    this.#pass();
  }

  async #tickLoop(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.#tick();
      } while (this.#again && !this.#closed);
    } catch (e) {
      this.#tickError = e;
      this.#o.log?.(`executor stopped on an internal error: ${(e as Error).stack ?? e}`);
      this.#ticking = false;
      await this.close();
      return;
    }
    this.#ticking = false;
  }

  async #tick(): Promise<void> {
    if (this.#pollDue) {
      this.#pollDue = false;
      await this.#loadActiveRuns();
      const events = await this.#events.read({
        topics: [CONTROL_TOPIC],
        after: this.#lastEventId,
        limit: 1000,
      });
      for (const e of events) this.#applyControl(e.payload as RunControl);
      if (events.length > 0) this.#lastEventId = events[events.length - 1].id;
    }
    for (const { run, nodeId, exit } of this.#exits.splice(0))
      await this.#scheduler.onExit(run, nodeId, exit);
    for (const run of [...this.#active.values()]) await this.#scheduler.advance(run);
    await this.#checkIdle();
  }

  async #checkIdle(): Promise<void> {
    if (this.#o.idleExitMs === undefined || this.#closed) return;
    if (this.#active.size > 0) {
      this.#idleSince = undefined;
      return;
    }
    const now = this.#o.clock.now();
    this.#idleSince ??= now;
    if (now - this.#idleSince < this.#o.idleExitMs) return;
    await this.#executors.markStopped(this.#generation);
    // A run submitted while we were deciding to leave would find this generation stopped but alive:
    // look once more after the fence, and come back as a new generation if there is work.
    const pending = await this.#runs.listRuns({ phase: ['Pending', 'Running'], limit: 1 });
    if (pending.length > 0) {
      const me = await this.#executors.register({ pid: process.pid, hostname: osHostname() });
      this.#generation = me.generation;
      this.#idleSince = undefined;
      this.#pollDue = true;
      this.#again = true;
      return;
    }
    this.#stopWorking();
    this.#resolveStopped();
  }

  /** No new passes, polls, heartbeats or step processes. */
  #stopWorking(): void {
    this.#closed = true;
    this.#pollTimer?.cancel();
    this.#heartbeatTimer?.cancel();
    this.#launcher.close();
  }

  async #heartbeat(): Promise<void> {
    if (this.#closed || this.#generation === 0) return;
    try {
      const alive = await this.#executors.heartbeat(this.#generation);
      if (!alive && !this.#closed) {
        // Another executor declared this one dead: it is retrying our attempts, so we must stop ours.
        this.#o.log?.(`generation ${this.#generation} was fenced off; stopping`);
        await this.close();
        return;
      }
      for (const run of this.#active.values()) {
        for (const r of run.running.values()) await this.#runs.heartbeatAttempt(r.attempt);
      }
    } catch (e) {
      this.#o.log?.(`heartbeat failed: ${(e as Error).message}`);
    }
  }

  async #recoverOrphans(host: string): Promise<void> {
    const orphans = await this.#runs.findOrphanedAttempts({ heartbeatTimeoutMs: this.#o.orphanAfterMs });
    const gens = new Map((await this.#executors.list()).map((e) => [e.generation, e]));
    for (const a of orphans) {
      if (a.executorGeneration === this.#generation) continue;
      const launcher = a.executorGeneration === null ? undefined : gens.get(a.executorGeneration);
      if (a.pid !== null && launcher?.hostname === host) killProcessGroup(a.pid, 'SIGKILL');
      await this.#runs.finishAttempt(a, {
        phase: 'Error',
        errorCode: 'STEP_ORPHANED' satisfies ExecutorErrorCode,
        errorMessage: `the executor that launched this attempt (generation ${a.executorGeneration ?? '?'}) stopped`,
      });
    }
  }

  async #loadActiveRuns(): Promise<void> {
    const runs = await this.#runs.listRuns({ phase: ['Pending', 'Running'], limit: 1000 });
    for (const rec of runs.reverse()) {
      if (this.#active.has(rec.id)) continue;
      await this.#load(rec.id);
    }
  }

  async #load(runId: string): Promise<void> {
    const detail = await this.#runs.getRun(runId);
    if (detail === undefined) return;
    let run: ActiveRun;
    try {
      const pipeline = this.#o.catalog.get(detail.pipeline);
      run = new ActiveRun(detail, pipeline, toLocalPlan(pipeline.spec));
    } catch (e) {
      const ended = await this.#runs.transitionRun(runId, 'Error', {
        message: `cannot run: ${(e as Error).message}`,
      });
      if (ended) this.#notify(ended);
      return;
    }
    const tasks = new Map(run.plan.tasks.map((t) => [t.id, t]));
    for (const n of detail.nodes) {
      const exit = run.plan.exitHandler?.id === n.task && n.parentNodeId === null;
      const task = exit ? run.plan.exitHandler : tasks.get(n.task);
      if (task === undefined) continue;
      run.nodes.set(n.nodeId, { rec: n, attempts: n.attempts, task, isExitHandler: exit });
    }
    for (const n of run.nodes.values()) {
      if (n.rec.parentNodeId === null) continue;
      const parent = run.nodes.get(n.rec.parentNodeId);
      if (parent === undefined) continue;
      const index = Number(n.rec.nodeId.slice(parent.rec.nodeId.length + 1));
      const items = (parent.rec.inputs as { items?: unknown[] } | null)?.items ?? [];
      n.item = items[index];
      parent.children ??= [];
      parent.children[index] = n.rec.nodeId;
    }
    this.#active.set(runId, run);
  }

  #applyControl(c: RunControl): void {
    const run = this.#active.get(c.runId);
    if (run === undefined) return;
    if (c.action === 'terminate') {
      run.shutdown = 'terminate';
      run.shutdownMessage = c.message ?? 'terminated';
    } else if (run.shutdown === undefined) {
      run.shutdown = 'stop';
      run.shutdownMessage = c.message ?? 'stopped';
    }
  }

  #notify(rec: RunRecord): void {
    for (const w of this.#waiters.get(rec.id) ?? []) w(rec);
    this.#waiters.delete(rec.id);
  }

  #runningCount(): number {
    let n = 0;
    for (const r of this.#active.values()) n += r.running.size + r.launching.size;
    return n;
  }
}
