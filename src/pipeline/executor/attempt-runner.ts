import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttemptRecord, NewLineageEdge, NodePhase, RunStore } from '../../store/index.js';
import { encodeParamValue } from '../definition/param.js';
import { type FailureKind, nextRetryDelaySeconds } from '../definition/retry-policy.js';
import { formatStepArgs } from '../definition/step-io.js';
import { classifyExit } from './attempt-outcome.js';
import { collectOutputs, isArtifactValue, materializeArtifact, type NodeOutputs } from './node-outputs.js';
import { logPathOf, runDirOf } from './run-paths.js';
import type { ActiveRun, LiveNode, RunningAttempt } from './run-state.js';
import type { SchedulerDeps } from './scheduler.js';
import type { StepExit } from './step-launcher.js';

/** Moves a node to a phase and mirrors it in memory; false when the store's guard refused. */
export type SetPhase = (
  run: ActiveRun,
  node: LiveNode,
  to: NodePhase,
  patch?: Parameters<RunStore['transitionNode']>[2],
) => Promise<boolean>;

/**
 * Attempts: starting a node's step in a step process (inputs fetched from the artifact store, arguments as
 * `bookml step` takes them), and recording how it ended — outputs into the artifact store and the node
 * Succeeded in one transaction, or a failed attempt and the retry policy's decision.
 */
export class AttemptRunner {
  readonly #d: SchedulerDeps;
  readonly #setPhase: SetPhase;

  constructor(deps: SchedulerDeps, setPhase: SetPhase) {
    this.#d = deps;
    this.#setPhase = setPhase;
  }

  /** SIGTERM the step's process group now, SIGKILL after the grace period. */
  kill(r: RunningAttempt): void {
    r.step.kill('SIGTERM');
    this.#d.o.clock.setTimeout(() => r.step.kill('SIGKILL'), this.#d.o.killGraceMs, { unref: true });
  }

  /** After a failed attempt: the clock time of the next attempt, or undefined once the node has failed. */
  async decideRetry(
    run: ActiveRun,
    node: LiveNode,
    kind: FailureKind,
    message: string,
  ): Promise<number | undefined> {
    const attempts = node.attempts;
    const first = attempts[0]?.startedAt ?? this.#d.o.clock.now();
    const lastEnd = attempts.at(-1)?.finishedAt ?? this.#d.o.clock.now();
    const delay =
      run.shutdown !== undefined
        ? null
        : nextRetryDelaySeconds(node.task.options.retry, kind, {
            attempts: attempts.length,
            elapsedSeconds: (lastEnd - first) / 1000,
          });
    if (delay === null) {
      const phase = kind === 'error' ? 'Error' : 'Failed';
      await this.#setPhase(run, node, phase, { message });
      return undefined;
    }
    const due = lastEnd + delay * 1000;
    run.retryAt.set(node.rec.nodeId, due);
    this.#d.o.clock.setTimeout(() => this.#d.wake(), Math.max(0, due - this.#d.o.clock.now()), {
      unref: true,
    });
    return due;
  }

  /** Start the node's next attempt in a step process (in the background). */
  launch(
    run: ActiveRun,
    node: LiveNode,
    what: { inputs: RunningAttempt['inputs']; cacheable: boolean },
  ): void {
    const id = node.rec.nodeId;
    run.launching.add(id);
    void this.#launchAttempt(run, node, what)
      .catch(async (e) => {
        this.#d.o.log?.(`launch of ${run.id}/${id} failed: ${(e as Error).stack ?? e}`);
        await this.#setPhase(run, node, 'Error', {
          message: `could not launch: ${(e as Error).message}`,
        }).catch(() => {});
      })
      .finally(() => {
        run.launching.delete(id);
        this.#d.wake();
      });
  }

  async #launchAttempt(
    run: ActiveRun,
    node: LiveNode,
    what: { inputs: RunningAttempt['inputs']; cacheable: boolean },
  ): Promise<void> {
    const key = { runId: run.id, nodeId: node.rec.nodeId };
    const attempt = await this.#d.runs.startAttempt(key, { executorGeneration: this.#d.generation() });
    node.attempts.push(attempt);
    const outputsDir = join(
      runDirOf(this.#d.o.workspace, run.id),
      'nodes',
      node.rec.nodeId,
      `attempt-${attempt.attempt}`,
    );
    await rm(outputsDir, { recursive: true, force: true });
    await mkdir(outputsDir, { recursive: true });
    const artifactPaths: Record<string, string> = {};
    try {
      for (const [name, v] of Object.entries(what.inputs.artifacts)) {
        if (!isArtifactValue(v)) throw new Error(`input artifact "${name}" has no value`);
        artifactPaths[name] = await materializeArtifact(this.#d.o.artifacts, v);
      }
    } catch (e) {
      await this.#failAttempt(
        run,
        node,
        attempt,
        'non-retryable',
        'Error',
        'STEP_SETUP_FAILED',
        `cannot fetch inputs: ${(e as Error).message}`,
      );
      return;
    }
    const args = formatStepArgs({
      task: node.task.id,
      pipeline: run.pipeline.name,
      runId: run.id,
      params: Object.fromEntries(
        Object.entries(what.inputs.params).map(([k, v]) => [k, encodeParamValue(v)]),
      ),
      artifacts: artifactPaths,
      outputsDir,
      cache: what.cacheable,
    });
    const header = `--- ${node.rec.nodeId} attempt ${attempt.attempt} started ${new Date(this.#d.o.clock.now()).toISOString()} ---\n`;
    const step = await this.#d.launcher.launch(
      { args, attempt: attempt.attempt - 1, env: { BOOKML_RUN_ID: run.id, BOOKML_NODE_ID: node.rec.nodeId } },
      logPathOf(this.#d.o.workspace, run.id, node.rec.nodeId),
      header,
    );
    await this.#d.runs.heartbeatAttempt(attempt, { pid: step.pid });
    const timeoutMs = node.task.options.timeoutSeconds * 1000;
    run.running.set(node.rec.nodeId, {
      attempt,
      step,
      deadline: this.#d.o.clock.now() + timeoutMs,
      outputsDir,
      inputs: what.inputs,
      cacheable: what.cacheable,
    });
    void step.exit.then((exit) => this.#d.exited(run, node.rec.nodeId, exit));
  }

  async #failAttempt(
    run: ActiveRun,
    node: LiveNode,
    attempt: AttemptRecord,
    kind: FailureKind,
    phase: 'Failed' | 'Error',
    code: string,
    message: string,
    exit?: StepExit,
  ): Promise<void> {
    const done = await this.#d.runs.finishAttempt(attempt, {
      phase,
      errorCode: code,
      errorMessage: message,
      ...(exit?.code == null ? {} : { exitCode: exit.code }),
      ...(exit?.signal == null ? {} : { signal: exit.signal }),
    });
    if (done !== undefined) node.attempts[node.attempts.length - 1] = done;
    await this.decideRetry(run, node, kind, message);
  }

  /** A step process ended: record the attempt, then succeed the node or decide on a retry. */
  async onExit(run: ActiveRun, nodeId: string, exit: StepExit): Promise<void> {
    const live = run.running.get(nodeId);
    const node = run.nodes.get(nodeId);
    if (live === undefined || node === undefined) return;
    run.running.delete(nodeId);
    try {
      await this.#record(run, node, live, exit);
    } catch (e) {
      // Nothing was recorded (each write is one transaction): keep the exit for the engine's retry.
      run.running.set(nodeId, live);
      throw e;
    }
  }

  async #record(run: ActiveRun, node: LiveNode, live: RunningAttempt, exit: StepExit): Promise<void> {
    const verdict = classifyExit(exit, {
      ...(live.killedFor === undefined ? {} : { killedFor: live.killedFor }),
      timeoutSeconds: node.task.options.timeoutSeconds,
      ...(run.shutdownMessage === undefined ? {} : { shutdownMessage: run.shutdownMessage }),
    });
    if (verdict === undefined) {
      try {
        await this.#succeed(run, node, live);
        return;
      } catch (e) {
        const err = e as { code?: string; message: string };
        // A failed attempt's outputs are never used; removing them first also frees what a step
        // that filled the disk wrote, so the failure itself can be recorded.
        await rm(live.outputsDir, { recursive: true, force: true }).catch(() => {});
        await this.#failAttempt(
          run,
          node,
          live.attempt,
          'failure',
          'Failed',
          err.code ?? 'STEP_FAILED',
          err.message,
          exit,
        );
        return;
      }
    }
    await rm(live.outputsDir, { recursive: true, force: true }).catch(() => {});
    await this.#failAttempt(
      run,
      node,
      live.attempt,
      verdict.kind,
      verdict.phase,
      verdict.code,
      verdict.message,
      exit,
    );
  }

  async #succeed(run: ActiveRun, node: LiveNode, live: RunningAttempt): Promise<void> {
    const step = run.pipeline.stepFor(node.task.id);
    const collected = await collectOutputs(step.spec, live.outputsDir, this.#d.o.artifacts, node.task.id);
    const outputs: NodeOutputs = { params: collected.params, artifacts: collected.artifacts };
    const runId = run.id;
    const nodeId = node.rec.nodeId;
    await this.#d.o.db.transaction(async (tx) => {
      const runs = this.#d.runStore(tx);
      const lineage = new this.#d.store.LineageStore(tx);
      const done = await runs.finishAttempt(live.attempt, { phase: 'Succeeded', exitCode: 0 });
      if (done === undefined) throw new Error('the attempt was no longer Running');
      const rec = await runs.transitionNode({ runId, nodeId }, 'Succeeded', {
        outputs: outputs as unknown as Record<string, unknown>,
      });
      if (rec === undefined) throw new Error('the node was no longer Running');
      for (const [name, a] of Object.entries(outputs.artifacts)) {
        await lineage.recordArtifact({
          sha256: a.sha256,
          size: a.size,
          uri: a.uri,
          kind: a.kind,
          runId,
          nodeId,
          name,
        });
      }
      const edges = nodeEdges(runId, nodeId, live.inputs.artifacts, outputs);
      for (const d of collected.datasets) {
        await lineage.putDataset({ hash: d.hash, uri: d.uri, manifest: d.manifest ?? {} });
        edges.push({
          runId,
          nodeId,
          relation: d.relation ?? 'output',
          kind: 'dataset',
          ref: d.hash,
          uri: d.uri,
        });
      }
      await lineage.addEdges(edges);
      node.attempts[node.attempts.length - 1] = done;
      node.rec = rec;
    });
    await this.releaseNodeMutex(run, node);
    await rm(live.outputsDir, { recursive: true, force: true });
  }

  /** Release the task mutex the node holds, if any. */
  async releaseNodeMutex(run: ActiveRun, node: LiveNode): Promise<void> {
    const name = run.heldMutexes.get(node.rec.nodeId);
    if (name === undefined) return;
    run.heldMutexes.delete(node.rec.nodeId);
    if (![...run.heldMutexes.values()].includes(name) && name !== run.rec.mutex)
      await this.#d.mutexes.release(name, run.id);
  }
}

/** Lineage edges of a node: its input and output artifacts. */
export function nodeEdges(
  runId: string,
  nodeId: string,
  inputs: Record<string, unknown>,
  outputs: NodeOutputs,
): NewLineageEdge[] {
  const edges: NewLineageEdge[] = [];
  for (const [name, v] of Object.entries(inputs)) {
    if (isArtifactValue(v))
      edges.push({ runId, nodeId, relation: 'input', kind: 'artifact', ref: v.sha256, name, uri: v.uri });
  }
  for (const [name, v] of Object.entries(outputs.artifacts)) {
    edges.push({ runId, nodeId, relation: 'output', kind: 'artifact', ref: v.sha256, name, uri: v.uri });
  }
  return edges;
}
