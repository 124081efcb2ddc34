import { hostname as osHostname } from 'node:os';
import type { ExecutorStore, RunLeaseStore, RunRecord, RunStore } from '../../store/index.js';
import { toLocalPlan } from '../plan/local-plan.js';
import type { PipelineCatalog } from '../runner/catalog.js';
import type { RunControl } from './control.js';
import type { ExecutorErrorCode } from './errors.js';
import { killProcessGroup } from './process-tree.js';
import { ActiveRun } from './run-state.js';

/**
 * Which runs an executor works on, when several share one store (see ARCHITECTURE.md, "Durability and
 * resume"): claiming runs under leases, taking over what another generation left Running on them,
 * renewing the leases and dropping a run another executor took over, and the stop/terminate requests read
 * for a run this executor does not own yet — held, so they apply when it claims the run later.
 */

/** What {@link RunClaims} works with; the engine builds it at start. */
export interface RunClaimsDeps {
  /** The engine's fenced run store. */
  runs: RunStore;
  leases: RunLeaseStore;
  executors: ExecutorStore;
  catalog: PipelineCatalog;
  /** The runs this executor owns and advances, by id (the engine's own map). */
  active: Map<string, ActiveRun>;
  generation: () => number;
  /** Steps running or being launched now, over all runs. */
  runningCount: () => number;
  /** Most runs owned at once, and how long a claim lasts without renewal. */
  maxRuns: number;
  leaseMs: number;
  /** A run reached a terminal phase (it could not be loaded). */
  notify: (rec: RunRecord) => void;
  log?: ((line: string) => void) | undefined;
}

/** Most stop/terminate requests held for runs not owned (the oldest are forgotten past it). */
const MAX_HELD_CONTROL = 10_000;

/** Claims, takeover, lease renewal and held control requests of one executor. */
export class RunClaims {
  readonly #d: RunClaimsDeps;
  /** Stop/terminate requests read for runs this executor did not own then, by run id. */
  readonly #held = new Map<string, RunControl>();

  constructor(deps: RunClaimsDeps) {
    this.#d = deps;
  }

  /** Claims what this executor can take on (see `EngineOptions.maxRuns`) and loads new runs. */
  async claim(): Promise<void> {
    const d = this.#d;
    let room = d.maxRuns - d.active.size;
    // Every run held is waiting (a mutex, a backoff): take one more, so waiting runs never starve the store.
    if (room <= 0 && d.runningCount() === 0) room = 1;
    const owned = await d.leases.claim(d.generation(), { leaseMs: d.leaseMs, limit: Math.max(0, room) });
    for (const id of owned) {
      if (d.active.has(id)) continue;
      await this.#takeOver(id);
      await this.#load(id);
    }
  }

  /**
   * Renews this executor's leases; a run whose lease another executor took is dropped. Returns the runs
   * still owned.
   */
  async renew(): Promise<ActiveRun[]> {
    const kept = new Set(await this.#d.leases.renew(this.#d.generation(), this.#d.leaseMs));
    const owned: ActiveRun[] = [];
    for (const run of [...this.#d.active.values()]) {
      if (kept.has(run.id)) owned.push(run);
      else this.drop(run, 'its lease was taken over by another executor');
    }
    return owned;
  }

  /** Stops advancing a run another executor took over: its steps here are killed, their writes fenced. */
  drop(run: ActiveRun, why: string): void {
    if (!this.#d.active.delete(run.id)) return;
    for (const r of run.running.values()) r.step.kill('SIGKILL');
    this.#d.log?.(`run ${run.id}: ${why}; stopped working on it`);
  }

  /** A stop or terminate request: applied to an owned run, held for one not owned (yet). */
  applyControl(c: RunControl): void {
    const run = this.#d.active.get(c.runId);
    if (run === undefined) {
      // A run this executor does not own (yet): another executor may, or it waits to be claimed. Keep the
      // request, so it holds if this executor claims the run later (the log was read past it by then).
      const kept = this.#held.get(c.runId);
      if (kept?.action !== 'terminate') this.#held.set(c.runId, c);
      if (this.#held.size > MAX_HELD_CONTROL) this.#held.delete(this.#held.keys().next().value as string);
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

  /**
   * A run just claimed: the attempts another generation left Running on it are orphans now (that executor
   * stopped, or lost the lease and is fenced off). Kill what is left of them on this host, then fail them
   * with STEP_ORPHANED so the retry policy decides.
   */
  async #takeOver(runId: string): Promise<void> {
    const d = this.#d;
    const left = (await d.runs.listAttempts(runId)).filter(
      (a) => a.phase === 'Running' && a.executorGeneration !== d.generation(),
    );
    if (left.length === 0) return;
    const host = osHostname();
    const gens = new Map((await d.executors.list()).map((e) => [e.generation, e]));
    for (const a of left) {
      const launcher = a.executorGeneration === null ? undefined : gens.get(a.executorGeneration);
      // Its executor may be alive but stalled: its step must not go on beside the retry.
      if (a.pid !== null && launcher?.hostname === host) killProcessGroup(a.pid, 'SIGKILL');
      await d.runs.finishAttempt(a, {
        phase: 'Error',
        errorCode: 'STEP_ORPHANED' satisfies ExecutorErrorCode,
        errorMessage: `the executor that launched this attempt (generation ${a.executorGeneration ?? '?'}) stopped or lost the run`,
      });
    }
  }

  /** Rebuilds a claimed run from the store (nodes, fan-out children), then applies a request held for it. */
  async #load(runId: string): Promise<void> {
    const d = this.#d;
    const detail = await d.runs.getRun(runId);
    if (detail === undefined) return;
    let run: ActiveRun;
    try {
      const pipeline = d.catalog.get(detail.pipeline);
      run = new ActiveRun(detail, pipeline, toLocalPlan(pipeline.spec));
    } catch (e) {
      const ended = await d.runs.transitionRun(runId, 'Error', {
        message: `cannot run: ${(e as Error).message}`,
      });
      if (ended) d.notify(ended);
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
    d.active.set(runId, run);
    const control = this.#held.get(runId);
    if (control !== undefined) {
      this.#held.delete(runId);
      this.applyControl(control);
    }
  }
}
