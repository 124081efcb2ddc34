import type { Clock } from '../../core/index.js';
import type {
  ArtifactStore,
  DbHandle,
  MetadataDb,
  MutexStore,
  NodePhase,
  RunRecord,
  RunStore,
  Workspace,
} from '../../store/index.js';
import type { FailureKind } from '../definition/retry-policy.js';
import { explainSkip, fanOutItems, resolveInputs, shouldRun, taskReadiness } from '../plan/local-plan.js';
import { AttemptRunner } from './attempt-runner.js';
import { cacheKeyRecord, NodeCache } from './node-cache.js';
import { isArtifactValue, type NodeOutputs } from './node-outputs.js';
import { type ActiveRun, type LiveNode, type RunningAttempt, splitInputs } from './run-state.js';
import type { StepExit, StepLauncher } from './step-launcher.js';
import { isTerminalPhase, type StoreModule } from './store-loader.js';

/** The engine's options the scheduler reads (defaults filled in). */
export interface SchedulerOptions {
  db: MetadataDb;
  artifacts: ArtifactStore;
  workspace: Workspace;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  /** Most steps running at once, over all runs. */
  parallelism: number;
  killGraceMs: number;
  log?: (line: string) => void;
}

/** What the scheduler needs from the engine that owns it. */
export interface SchedulerDeps {
  o: SchedulerOptions;
  store: StoreModule;
  runs: RunStore;
  /** The run store over a handle (a transaction), fenced by this executor's generation like `runs`. */
  runStore(h: DbHandle): RunStore;
  mutexes: MutexStore;
  launcher: StepLauncher;
  /** The engine's current generation (attempts record it). */
  generation(): number;
  /** Steps running or being launched, over all runs. */
  runningCount(): number;
  /** A step process ended: queue it for the next pass. */
  exited(run: ActiveRun, nodeId: string, exit: StepExit): void;
  /** Ask for another pass. */
  wake(): void;
  /** The run ended (or vanished): stop tracking it. */
  forget(runId: string): void;
  /** Tell whoever waits on the run that it ended. */
  notify(rec: RunRecord): void;
}

/**
 * Advances runs: one pass decides, for every node of a run, whether it starts (from the cache, by reuse
 * in a retried run, or as a new attempt in a step process), times out, is retried after its backoff, or
 * ends; then the exit handler and the run's own phase. Every decision is written to the store before it
 * is acted on, so a pass can be interrupted anywhere (see ARCHITECTURE.md).
 */
export class RunScheduler {
  readonly #d: SchedulerDeps;
  readonly #attempts: AttemptRunner;
  readonly #cache: NodeCache;

  constructor(deps: SchedulerDeps) {
    this.#d = deps;
    this.#cache = new NodeCache(deps);
    this.#attempts = new AttemptRunner(deps, (run, node, to, patch) => this.#setPhase(run, node, to, patch));
  }

  /** A step process ended (see {@link AttemptRunner.onExit}). */
  onExit(run: ActiveRun, nodeId: string, exit: StepExit): Promise<void> {
    return this.#attempts.onExit(run, nodeId, exit);
  }

  #slotFree(run: ActiveRun): boolean {
    if (this.#d.runningCount() >= this.#d.o.parallelism) return false;
    const limit = run.plan.parallelism;
    return limit === undefined || run.running.size + run.launching.size < limit;
  }

  async advance(run: ActiveRun): Promise<void> {
    const now = this.#d.o.clock.now();
    if (run.rec.phase === 'Pending') {
      if (run.shutdown !== undefined) {
        await this.#finishRun(run, 'Failed', `${run.shutdownMessage} before it started`);
        return;
      }
      if (run.rec.mutex !== null) {
        const got = await this.#d.mutexes.acquire(run.rec.mutex, run.id);
        if (!got.acquired) return;
      }
      // Running and its nodes in one transaction: a crash can leave neither half alone.
      const missing = run.plan.tasks.filter((t) => !run.nodes.has(t.id));
      const started = await this.#d.o.db.transaction(async (tx) => {
        const runs = this.#d.runStore(tx);
        const rec = await runs.transitionRun(run.id, 'Running', { from: ['Pending'] });
        if (rec === undefined) return undefined;
        const nodes = await runs.createNodes(
          run.id,
          missing.map((t) => ({ nodeId: t.id, task: t.id })),
        );
        return { rec, nodes };
      });
      if (started === undefined) {
        this.#d.forget(run.id);
        return;
      }
      run.rec = started.rec;
      for (const [i, rec] of started.nodes.entries()) {
        run.nodes.set(rec.nodeId, { rec, attempts: [], task: missing[i], isExitHandler: false });
      }
    }
    const deadline = run.plan.timeoutSeconds;
    if (deadline !== undefined && run.rec.startedAt !== null && now - run.rec.startedAt > deadline * 1000) {
      if (run.shutdown !== 'terminate') {
        run.shutdown = 'terminate';
        run.shutdownMessage = `deadline of ${deadline}s exceeded`;
      }
    }
    if (run.shutdown === 'terminate') {
      await this.#terminate(run);
      return;
    }
    const holding = run.shutdown === 'stop' || run.hasFailure();
    for (const task of run.plan.tasks) {
      const node = run.nodes.get(task.id);
      if (node === undefined) continue;
      if (node.rec.phase === 'Pending' && !holding) await this.#startTask(run, node);
      else if (node.rec.phase === 'Running') {
        if (node.task.fanOut !== undefined) await this.#advanceFanOut(run, node, holding, now);
        else await this.#advanceLeaf(run, node, now);
      }
    }
    if (run.running.size > 0 || run.launching.size > 0) return;
    const top = run.topNodes();
    if (top.some((n) => n.rec.phase === 'Running')) return;
    if (top.some((n) => n.rec.phase === 'Pending')) {
      if (!(run.shutdown === 'stop' || run.hasFailure())) return;
      const why = holdReason(run);
      for (const n of top)
        if (n.rec.phase === 'Pending') await this.#setPhase(run, n, 'Omitted', { message: why });
    }
    await this.#finishDag(run, now);
  }

  async #finishDag(run: ActiveRun, now: number): Promise<void> {
    const exitTask = run.plan.exitHandler;
    if (exitTask !== undefined) {
      let exit = run.nodes.get(exitTask.id);
      if (exit === undefined) {
        const [rec] = await this.#d.runs.createNodes(run.id, [{ nodeId: exitTask.id, task: exitTask.id }]);
        exit = { rec, attempts: [], task: exitTask, isExitHandler: true };
        run.nodes.set(rec.nodeId, exit);
      }
      if (exit.rec.phase === 'Pending') {
        await this.#startLeaf(run, exit, { exit: run.exitFacts() });
        return;
      }
      if (exit.rec.phase === 'Running') {
        await this.#advanceLeaf(run, exit, now);
        return;
      }
    }
    const failed = run.failedNodes();
    if (failed.length > 0) {
      const phase = failed.every((n) => n.rec.phase === 'Error') ? 'Error' : 'Failed';
      await this.#finishRun(
        run,
        phase,
        `${failed.map((n) => n.rec.nodeId).join(', ')} ${failed.length === 1 ? 'has' : 'have'} not succeeded`,
      );
    } else if (run.shutdown === 'stop') {
      await this.#finishRun(run, 'Failed', `run ${run.shutdownMessage}`);
    } else {
      await this.#finishRun(run, 'Succeeded');
    }
  }

  async #finishRun(run: ActiveRun, phase: 'Succeeded' | 'Failed' | 'Error', message?: string): Promise<void> {
    const done = await this.#d.runs.transitionRun(run.id, phase, message === undefined ? {} : { message });
    this.#d.forget(run.id);
    const rec = done ?? (await this.#d.runs.getRun(run.id));
    if (rec !== undefined) this.#d.notify(rec);
  }

  async #terminate(run: ActiveRun): Promise<void> {
    for (const r of run.running.values()) {
      if (r.killedFor === undefined) {
        r.killedFor = 'terminate';
        this.#attempts.kill(r);
      }
    }
    if (run.running.size > 0 || run.launching.size > 0) return;
    const message = `run ${run.shutdownMessage}`;
    for (const n of run.nodes.values()) {
      if (n.rec.phase === 'Pending') await this.#setPhase(run, n, 'Omitted', { message });
      else if (n.rec.phase === 'Running') await this.#setPhase(run, n, 'Failed', { message });
    }
    await this.#finishRun(run, 'Failed', message);
  }

  async #setPhase(
    run: ActiveRun,
    node: LiveNode,
    to: NodePhase,
    patch: Parameters<RunStore['transitionNode']>[2] = {},
  ): Promise<boolean> {
    const rec = await this.#d.runs.transitionNode({ runId: run.id, nodeId: node.rec.nodeId }, to, patch);
    if (rec === undefined) return false;
    node.rec = rec;
    if (isTerminalPhase(to)) await this.#attempts.releaseNodeMutex(run, node);
    return true;
  }

  async #startTask(run: ActiveRun, node: LiveNode): Promise<void> {
    const task = node.task;
    const readiness = taskReadiness(task, (id) => run.nodes.get(id)?.rec.phase);
    if (readiness === 'wait') return;
    if (readiness === 'omit') {
      await this.#setPhase(run, node, 'Omitted', { message: 'a dependency did not succeed' });
      return;
    }
    try {
      if (!shouldRun(task, run.values())) {
        await this.#setPhase(run, node, 'Skipped', { message: explainSkip(task, run.values()) });
        return;
      }
      if (task.fanOut === undefined) {
        await this.#startLeaf(run, node, {});
        return;
      }
      const items = fanOutItems(task, run.values());
      if (items.length === 0) {
        await this.#setPhase(run, node, 'Skipped', { message: 'nothing to fan out over' });
        return;
      }
      // The children and the parent's move to Running (with the items a restart needs) commit together.
      const made = await this.#d.o.db.transaction(async (tx) => {
        const runs = this.#d.runStore(tx);
        const children = await runs.createNodes(
          run.id,
          items.map((_, i) => ({ nodeId: `${task.id}.${i}`, task: task.id, parentNodeId: task.id })),
        );
        const parent = await runs.transitionNode({ runId: run.id, nodeId: node.rec.nodeId }, 'Running', {
          inputs: { items: [...items] },
        });
        return { children, parent };
      });
      if (made.parent !== undefined) node.rec = made.parent;
      node.children = made.children.map((c) => c.nodeId);
      for (const [i, rec] of made.children.entries()) {
        run.nodes.set(rec.nodeId, { rec, attempts: [], task, isExitHandler: false, item: items[i] });
      }
    } catch (e) {
      await this.#setPhase(run, node, 'Error', { message: (e as Error).message });
    }
  }

  async #advanceFanOut(run: ActiveRun, parent: LiveNode, holding: boolean, now: number): Promise<void> {
    const children = (parent.children ?? []).map((id) => run.nodes.get(id)).filter((c): c is LiveNode => !!c);
    for (const c of children) {
      if (c.rec.phase === 'Pending' && !holding) await this.#startLeaf(run, c, { item: c.item });
      else if (c.rec.phase === 'Running') await this.#advanceLeaf(run, c, now);
    }
    if (children.some((c) => c.rec.phase === 'Running' || run.launching.has(c.rec.nodeId))) return;
    if (children.some((c) => c.rec.phase === 'Pending')) {
      if (!holding) return;
      const why = holdReason(run);
      for (const c of children)
        if (c.rec.phase === 'Pending') await this.#setPhase(run, c, 'Omitted', { message: why });
    }
    const ok = children.filter((c) => c.rec.phase === 'Succeeded' || c.rec.phase === 'Cached');
    if (ok.length === children.length) {
      const names = Object.keys(run.pipeline.stepFor(parent.task.id).spec.outputs.params);
      const params = Object.fromEntries(
        names.map((o) => [o, children.map((c) => (c.rec.outputs as NodeOutputs | null)?.params?.[o])]),
      );
      await this.#setPhase(run, parent, 'Succeeded', { outputs: { params, artifacts: {} } });
    } else {
      await this.#setPhase(run, parent, 'Failed', {
        message: `${children.length - ok.length} of ${children.length} children did not succeed`,
      });
    }
  }

  /** A Pending leaf: serve it from cache (or from the run it retries), or start its first attempt. */
  async #startLeaf(
    run: ActiveRun,
    node: LiveNode,
    ctx: { item?: unknown; exit?: { status: string; failures: string } },
  ): Promise<void> {
    if (run.launching.has(node.rec.nodeId) || !this.#slotFree(run)) return;
    const task = node.task;
    const step = run.pipeline.stepFor(task.id);
    let params: Record<string, unknown>;
    let artifacts: Record<string, unknown>;
    try {
      ({ params, artifacts } = splitInputs(
        resolveInputs(task, run.values(ctx)),
        Object.keys(step.spec.inputs.artifacts),
      ));
      for (const [k, v] of Object.entries(artifacts)) {
        if (!isArtifactValue(v))
          throw new Error(`input artifact "${k}" has no value (its producer did not run)`);
      }
    } catch (e) {
      await this.#setPhase(run, node, 'Error', { message: `cannot resolve inputs: ${(e as Error).message}` });
      return;
    }
    const shas = Object.fromEntries(
      Object.entries(artifacts).map(([k, v]) => [k, (v as { sha256: string }).sha256]),
    );
    const { key, cacheable, record } = cacheKeyRecord(run, node, params, shas, this.#d.o.env);
    const inputs = { params, artifacts };
    if (await this.#cache.serve(run, node, { inputs, key, cacheable, record })) return;
    if (task.options.mutex !== undefined) {
      const got = await this.#d.mutexes.acquire(task.options.mutex, run.id);
      if (!got.acquired) return;
      // Re-entrant per run in the store; hold it per node here so two nodes of one run also queue.
      if ([...run.heldMutexes.values()].includes(task.options.mutex)) return;
      run.heldMutexes.set(node.rec.nodeId, task.options.mutex);
    }
    const ok = await this.#setPhase(run, node, 'Running', {
      inputs,
      cacheKeyParts: record,
      ...(cacheable ? { cacheKey: key } : {}),
    });
    if (!ok) return;
    this.#attempts.launch(run, node, { inputs, cacheable });
  }

  async #advanceLeaf(run: ActiveRun, node: LiveNode, now: number): Promise<void> {
    const id = node.rec.nodeId;
    const live = run.running.get(id);
    if (live !== undefined) {
      if (live.killedFor === undefined && now >= live.deadline) {
        live.killedFor = 'timeout';
        this.#attempts.kill(live);
      }
      return;
    }
    if (run.launching.has(id)) return;
    const last = node.attempts.at(-1);
    if (last?.phase === 'Running') return; // another executor's, or being recovered
    if (last === undefined) {
      if (this.#slotFree(run)) this.#attempts.launch(run, node, relaunchInputs(node));
      return;
    }
    if (last.phase === 'Succeeded') return;
    let due = run.retryAt.get(id);
    if (due === undefined) {
      // Recovery: decide from the attempts alone, as after a restart.
      const kind: FailureKind =
        last.phase === 'Error' ? 'error' : last.exitCode === 2 ? 'non-retryable' : 'failure';
      const decided = await this.#attempts.decideRetry(
        run,
        node,
        kind,
        last.errorMessage ?? `attempt ${last.attempt} ${last.phase}`,
      );
      if (decided === undefined) return;
      due = decided;
    }
    if (now < due || !this.#slotFree(run) || run.shutdown !== undefined) return;
    run.retryAt.delete(id);
    this.#attempts.launch(run, node, relaunchInputs(node));
  }
}

// Why Pending nodes of a held run (stopped, or after a failure) are omitted.
function holdReason(run: ActiveRun): string {
  return run.shutdown === 'stop' ? `run ${run.shutdownMessage}` : 'an earlier task failed';
}

// A Running node's next attempt takes the inputs recorded when the node started.
function relaunchInputs(node: LiveNode): { inputs: RunningAttempt['inputs']; cacheable: boolean } {
  const inputs = (node.rec.inputs ?? { params: {}, artifacts: {} }) as RunningAttempt['inputs'];
  return { inputs, cacheable: node.rec.cacheKey !== null };
}
