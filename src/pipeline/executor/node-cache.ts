import { nodeEdges } from './attempt-runner.js';
import { cacheKeyOf, cacheKeyParts } from './cache-key.js';
import type { NodeOutputs } from './node-outputs.js';
import type { ActiveRun, LiveNode } from './run-state.js';
import type { SchedulerDeps } from './scheduler.js';

/**
 * Serving a node without running it (see ARCHITECTURE.md, "Cache key"): from the run a retry was made of
 * (same key: side-effect steps included, so a retried run never registers twice) or from the cache (a
 * pure, cacheable task whose earlier node's artifacts are still in the store). The node then ends Cached.
 */

/** A node's inputs as the scheduler resolved them. */
export type NodeInputs = {
  params: Record<string, unknown>;
  artifacts: Record<string, unknown>;
};

/** A node's cache key, whether it may be looked up and stored, and the record kept on the node. */
export function cacheKeyRecord(
  run: ActiveRun,
  node: LiveNode,
  params: Record<string, unknown>,
  shas: Record<string, string>,
  env: NodeJS.ProcessEnv,
): { key: string; cacheable: boolean; record: Record<string, unknown> } {
  const task = node.task;
  const step = run.pipeline.stepFor(task.id);
  const parts = cacheKeyParts(step, params, shas, env);
  const key = cacheKeyOf(parts);
  const cacheable = task.options.cache && !run.noCache;
  const why = !task.options.cache
    ? step.spec.pure
      ? 'caching is off for this task'
      : 'the step has side effects'
    : 'the run was submitted with --no-cache';
  return { key, cacheable, record: { ...parts, key, cacheable, ...(cacheable ? {} : { why }) } };
}

/** Looks a node up in the run it retries and in the cache, and records the hit. */
export class NodeCache {
  readonly #d: SchedulerDeps;

  constructor(deps: SchedulerDeps) {
    this.#d = deps;
  }

  /** True when the node was served (it is Cached now); false when it must run. */
  async serve(
    run: ActiveRun,
    node: LiveNode,
    c: { inputs: NodeInputs; key: string; cacheable: boolean; record: Record<string, unknown> },
  ): Promise<boolean> {
    const { inputs, key, cacheable, record } = c;
    if (run.rec.retryOf !== null && !node.isExitHandler) {
      const old = await this.#d.runs.getNode({ runId: run.rec.retryOf, nodeId: node.rec.nodeId });
      if (
        old !== undefined &&
        (old.phase === 'Succeeded' || old.phase === 'Cached') &&
        (old.cacheKeyParts as { key?: string } | null)?.key === key
      ) {
        await this.#record(run, node, {
          inputs,
          parts: record,
          key: cacheable ? key : undefined,
          source: old.cachedFrom ?? { runId: old.runId, nodeId: old.nodeId },
          outputs: old.outputs as unknown as NodeOutputs,
          message: `reused from run ${run.rec.retryOf} (retry)`,
        });
        return true;
      }
    }
    if (!cacheable) return false;
    const hit = await this.#d.runs.findCachedNode(key);
    if (hit === undefined || !(await this.#artifactsPresent(hit.outputs as NodeOutputs | null))) return false;
    await this.#record(run, node, {
      inputs,
      parts: record,
      key,
      source: { runId: hit.runId, nodeId: hit.nodeId },
      outputs: hit.outputs as unknown as NodeOutputs,
      message: `cache hit: run ${hit.runId} node ${hit.nodeId}`,
    });
    return true;
  }

  async #artifactsPresent(outputs: NodeOutputs | null): Promise<boolean> {
    for (const a of Object.values(outputs?.artifacts ?? {}))
      if (!(await this.#d.o.artifacts.has(a.sha256))) return false;
    return true;
  }

  async #record(
    run: ActiveRun,
    node: LiveNode,
    c: {
      inputs: NodeInputs;
      parts: Record<string, unknown>;
      key: string | undefined;
      source: { runId: string; nodeId: string };
      outputs: NodeOutputs;
      message: string;
    },
  ): Promise<void> {
    await this.#d.o.db.transaction(async (tx) => {
      const rec = await this.#d
        .runStore(tx)
        .transitionNode({ runId: run.id, nodeId: node.rec.nodeId }, 'Cached', {
          inputs: c.inputs,
          outputs: c.outputs as unknown as Record<string, unknown>,
          cacheKeyParts: c.parts,
          cachedFrom: c.source,
          message: c.message,
          ...(c.key === undefined ? {} : { cacheKey: c.key }),
        });
      if (rec !== undefined) node.rec = rec;
      await new this.#d.store.LineageStore(tx).addEdges(
        nodeEdges(run.id, node.rec.nodeId, c.inputs.artifacts, c.outputs),
      );
    });
  }
}
