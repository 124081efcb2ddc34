import { hostname as osHostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type BookmlError, type Clock, isBookmlError, type Timer } from '../../core/index.js';
import type {
  ArtifactStore,
  DbHandle,
  EventLog,
  ExecutorStore,
  MetadataDb,
  MutexStore,
  RunLeaseStore,
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
  /** Step processes kept warm (started ahead of need, one job each). @default parallelism */
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
  /**
   * How long a claimed run stays this executor's without a heartbeat renewing it, in ms: after that another
   * executor on the same store takes the run over (and this one's writes to it are fenced off). @default 15000
   */
  leaseMs?: number;
  /**
   * Most runs this executor owns at once; the rest are left for other executors on the store (it takes
   * one more when every run it owns is waiting, e.g. on a mutex). @default parallelism × 2
   */
  maxRuns?: number;
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
  readonly #o: Required<Omit<EngineOptions, 'idleExitMs' | 'log' | 'runtimeUrl' | 'maxRuns'>> & {
    maxRuns: number;
  } & Pick<EngineOptions, 'idleExitMs' | 'log'>;
  #scheduler!: RunScheduler;
  #runs!: RunStore;
  #executors!: ExecutorStore;
  #leases!: RunLeaseStore;
  #mutexes!: MutexStore;
  #events!: EventLog;
  readonly #launcher: StepLauncher;
  readonly #active = new Map<string, ActiveRun>();
  /** Stop/terminate requests read for runs this executor did not own then, by run id. */
  readonly #laterControl = new Map<string, RunControl>();
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
  /** The last store failure a pass was retried after (logged once, not at every poll). */
  #lastTransient: string | undefined;
  #stopped!: Promise<void>;
  #resolveStopped!: () => void;

  constructor(options: EngineOptions) {
    this.#o = {
      clock: options.db.clock,
      stepEntry: DEFAULT_STEP_ENTRY,
      parallelism: 4,
      spares: options.parallelism ?? 4,
      reuseProcesses: false,
      pollMs: 200,
      heartbeatMs: 2000,
      orphanAfterMs: EXECUTOR_HEARTBEAT_TIMEOUT_MS,
      leaseMs: 15_000,
      killGraceMs: 2000,
      env: process.env,
      ...options,
      maxRuns: options.maxRuns ?? (options.parallelism ?? 4) * 2,
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
   * Registers a generation and starts working: it claims runs (leases), takes over what a stopped or
   * silent executor left on them (orphaned attempts become Error and are retried per policy), and renews
   * its leases with its heartbeat. Several executors may serve one store; each advances only the runs it
   * owns, and every write it makes is fenced by its generation.
   */
  async start(): Promise<void> {
    const s = await loadStore();
    // Every engine write to a run is fenced: it must still own the run (see RunLeaseStore).
    const fenced = (h: DbHandle) => new s.RunStore(h, { fence: () => this.#generation });
    this.#runs = fenced(this.#o.db);
    this.#leases = new s.RunLeaseStore(this.#o.db);
    this.#executors = new s.ExecutorStore(this.#o.db);
    this.#mutexes = new s.MutexStore(this.#o.db);
    this.#events = new s.EventLog(this.#o.db);
    this.#scheduler = new RunScheduler({
      o: this.#o,
      store: s,
      runs: this.#runs,
      runStore: fenced,
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
    // A dead executor of this host releases its runs at once, instead of when its leases run out.
    await this.#executors.reapDead(host, isProcessAlive, me.generation);
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
      if (isTransientStoreError(e)) {
        // A write the store refused for now (a full disk, a lock, a dropped connection) rolled back
        // whole: the same pass runs again at the next poll, and the executor lives on.
        const what = `${e.code}: ${e.message}`;
        if (what !== this.#lastTransient)
          this.#o.log?.(`a store write failed (${what}); retrying at the next poll`);
        this.#lastTransient = what;
        this.#ticking = false;
        return;
      }
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
    const exits = this.#exits.splice(0);
    while (exits.length > 0) {
      const { run, nodeId, exit } = exits[0];
      try {
        if (this.#active.get(run.id) === run) await this.#scheduler.onExit(run, nodeId, exit);
      } catch (e) {
        if (!this.#fenced(run, e)) {
          this.#exits.unshift(...exits);
          throw e;
        }
      }
      exits.shift();
    }
    this.#lastTransient = undefined;
    for (const run of [...this.#active.values()]) {
      try {
        await this.#scheduler.advance(run);
      } catch (e) {
        if (!this.#fenced(run, e)) throw e;
      }
    }
    await this.#checkIdle();
  }

  /** True (and the run dropped) when `e` says another executor owns the run now. */
  #fenced(run: ActiveRun, e: unknown): boolean {
    if (!isBookmlError(e, 'STORE_FENCED')) return false;
    this.#drop(run, 'another executor took it over (fenced write refused)');
    return true;
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
    if ((await this.#leases.claimable(this.#generation)) > 0) {
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
      // A dead executor of this host gives its runs up now, not when its leases run out.
      await this.#executors.reapDead(osHostname(), isProcessAlive, this.#generation);
      const kept = new Set(await this.#leases.renew(this.#generation, this.#o.leaseMs));
      for (const run of [...this.#active.values()]) {
        if (!kept.has(run.id)) {
          this.#drop(run, 'its lease was taken over by another executor');
          continue;
        }
        for (const r of run.running.values()) await this.#runs.heartbeatAttempt(r.attempt);
      }
    } catch (e) {
      this.#o.log?.(`heartbeat failed: ${(e as Error).message}`);
    }
  }

  /**
   * A run just claimed: the attempts another generation left Running on it are orphans now (that executor
   * stopped, or lost the lease and is fenced off). Kill what is left of them on this host, then fail them
   * with STEP_ORPHANED so the retry policy decides.
   */
  async #recoverRun(runId: string): Promise<void> {
    const left = (await this.#runs.listAttempts(runId)).filter(
      (a) => a.phase === 'Running' && a.executorGeneration !== this.#generation,
    );
    if (left.length === 0) return;
    const host = osHostname();
    const gens = new Map((await this.#executors.list()).map((e) => [e.generation, e]));
    for (const a of left) {
      const launcher = a.executorGeneration === null ? undefined : gens.get(a.executorGeneration);
      // Its executor may be alive but stalled: its step must not go on beside the retry.
      if (a.pid !== null && launcher?.hostname === host) killProcessGroup(a.pid, 'SIGKILL');
      await this.#runs.finishAttempt(a, {
        phase: 'Error',
        errorCode: 'STEP_ORPHANED' satisfies ExecutorErrorCode,
        errorMessage: `the executor that launched this attempt (generation ${a.executorGeneration ?? '?'}) stopped or lost the run`,
      });
    }
  }

  /** Claims what this executor can take on (see {@link EngineOptions.maxRuns}) and loads new runs. */
  async #loadActiveRuns(): Promise<void> {
    let room = this.#o.maxRuns - this.#active.size;
    // Every run held is waiting (a mutex, a backoff): take one more, so waiting runs never starve the store.
    if (room <= 0 && this.#runningCount() === 0) room = 1;
    const owned = await this.#leases.claim(this.#generation, {
      leaseMs: this.#o.leaseMs,
      limit: Math.max(0, room),
    });
    for (const id of owned) {
      if (this.#active.has(id)) continue;
      await this.#recoverRun(id);
      await this.#load(id);
    }
  }

  /** Stops advancing a run another executor took over: its steps here are killed, their writes fenced. */
  #drop(run: ActiveRun, why: string): void {
    if (!this.#active.delete(run.id)) return;
    for (const r of run.running.values()) r.step.kill('SIGKILL');
    this.#o.log?.(`run ${run.id}: ${why}; stopped working on it`);
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
    const control = this.#laterControl.get(runId);
    if (control !== undefined) {
      this.#laterControl.delete(runId);
      this.#applyControl(control);
    }
  }

  #applyControl(c: RunControl): void {
    const run = this.#active.get(c.runId);
    if (run === undefined) {
      // A run this executor does not own (yet): another executor may, or it waits to be claimed. Keep the
      // request, so it holds if this executor claims the run later (the log was read past it by then).
      const kept = this.#laterControl.get(c.runId);
      if (kept?.action !== 'terminate') this.#laterControl.set(c.runId, c);
      if (this.#laterControl.size > 10_000)
        this.#laterControl.delete(this.#laterControl.keys().next().value as string);
      return;
    }
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

/**
 * A store failure that rolled back whole and may pass later: a full disk (once space is freed), a
 * lock, a dropped connection. The executor retries the pass instead of stopping.
 */
function isTransientStoreError(e: unknown): e is BookmlError {
  return isBookmlError(e) && e.code.startsWith('STORE_') && (e.retryable || e.code === 'STORE_DISK_FULL');
}
