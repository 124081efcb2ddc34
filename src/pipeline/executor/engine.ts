import { hostname as osHostname } from 'node:os';
import { type BookmlError, isBookmlError, type Timer } from '../../core/index.js';
import type {
  DbHandle,
  EventLog,
  ExecutorStore,
  MutexStore,
  RunLeaseStore,
  RunRecord,
  RunStore,
} from '../../store/index.js';
import { CONTROL_TOPIC, type RunControl } from './control.js';
import { type EngineOptions, type ResolvedEngineOptions, resolveEngineOptions } from './engine-options.js';
import { isProcessAlive } from './process-tree.js';
import { RunClaims } from './run-claims.js';
import type { ActiveRun } from './run-state.js';
import { RunScheduler } from './scheduler.js';
import { type StepExit, StepLauncher } from './step-launcher.js';
import { loadStore } from './store-loader.js';

export type { EngineOptions } from './engine-options.js';

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
  readonly #o: ResolvedEngineOptions;
  #scheduler!: RunScheduler;
  #runs!: RunStore;
  #executors!: ExecutorStore;
  #leases!: RunLeaseStore;
  #mutexes!: MutexStore;
  #claims!: RunClaims;
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
  /** The last store failure a pass was retried after (logged once, not at every poll). */
  #lastTransient: string | undefined;
  #stopped!: Promise<void>;
  #resolveStopped!: () => void;

  constructor(options: EngineOptions) {
    this.#o = resolveEngineOptions(options);
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
    this.#claims = new RunClaims({
      runs: this.#runs,
      leases: this.#leases,
      executors: this.#executors,
      catalog: this.#o.catalog,
      active: this.#active,
      generation: () => this.#generation,
      runningCount: () => this.#runningCount(),
      maxRuns: this.#o.maxRuns,
      leaseMs: this.#o.leaseMs,
      notify: (rec) => this.#notify(rec),
      log: this.#o.log,
    });
    const host = osHostname();
    const me = await this.#executors.register({ pid: process.pid, hostname: host });
    this.#generation = me.generation;
    // A dead executor of this host releases its runs at once, instead of when its leases run out.
    await this.#executors.reapDead(host, isProcessAlive, me.generation);
    const control = await this.#events.read({ topics: [CONTROL_TOPIC], limit: 100_000 });
    await this.#claims.claim();
    for (const e of control) this.#claims.applyControl(e.payload as RunControl);
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

  /** Resolves once the warm pool of step processes is up (a benchmark waits for it before timing). */
  poolReady(): Promise<void> {
    return this.#launcher.ready();
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
      await this.#claims.claim();
      const events = await this.#events.read({
        topics: [CONTROL_TOPIC],
        after: this.#lastEventId,
        limit: 1000,
      });
      for (const e of events) this.#claims.applyControl(e.payload as RunControl);
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
    this.#claims.drop(run, 'another executor took it over (fenced write refused)');
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
      for (const run of await this.#claims.renew()) {
        for (const r of run.running.values()) await this.#runs.heartbeatAttempt(r.attempt);
      }
    } catch (e) {
      this.#o.log?.(`heartbeat failed: ${(e as Error).message}`);
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
