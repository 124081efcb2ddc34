import type { MetadataDb, NodeRecord } from '../../store/index.js';
import { type CacheKeyChange, type CacheKeyParts, diffCacheKeyParts, flatten } from './cache-key.js';
import { ExecutorError } from './errors.js';
import { getRunDetail } from './run-ops.js';
import { loadStore } from './store-loader.js';

/**
 * `bookml run explain <run> <node>`: the node's cache key, part by part, and what decided its fate — the
 * node it was served from on a hit; on a miss, the closest earlier node of the same task and which parts
 * changed against it.
 */

/** The stored parts of a node's key, with the executor's verdict. */
interface StoredParts extends CacheKeyParts {
  key: string;
  cacheable: boolean;
  why?: string;
}

/** What {@link explainNode} answers. */
export interface CacheExplanation {
  runId: string;
  nodeId: string;
  task: string;
  phase: string;
  /** `hit`: served from the cache; `reused`: reused by a retry; `miss`: ran; `not-cacheable`: ran, never cached; `not-started`. */
  outcome: 'hit' | 'reused' | 'miss' | 'not-cacheable' | 'not-started';
  /** Why the node is not cacheable (side effects, opt-out, --no-cache). */
  why: string | null;
  key: string | null;
  /** Each component of the key and its value. */
  components: { component: string; value: string | null }[];
  /** For a hit: the node whose outputs were reused. */
  source: { runId: string; nodeId: string } | null;
  /** For a miss: the closest earlier node of the same task, and what changed against it. */
  closest: { runId: string; nodeId: string; phase: string; changes: CacheKeyChange[] } | null;
}

/**
 * Explain one node's cache key.
 * @throws RUN_NOT_FOUND, RUN_NODE_NOT_FOUND
 */
export async function explainNode(db: MetadataDb, runRef: string, nodeId: string): Promise<CacheExplanation> {
  const run = await getRunDetail(db, runRef);
  const node = run.nodes.find((n) => n.nodeId === nodeId);
  if (node === undefined) {
    throw new ExecutorError(
      'RUN_NODE_NOT_FOUND',
      `run ${run.id} has no node "${nodeId}" (nodes: ${run.nodes.map((n) => n.nodeId).join(', ')})`,
      { field: 'node' },
    );
  }
  const parts = node.cacheKeyParts as StoredParts | null;
  const base = { runId: run.id, nodeId, task: node.task, phase: node.phase };
  if (parts === null) {
    return {
      ...base,
      outcome: 'not-started',
      why: node.message,
      key: null,
      components: [],
      source: null,
      closest: null,
    };
  }
  const components = Object.entries(flatten(parts)).map(([component, value]) => ({ component, value }));
  if (node.phase === 'Cached') {
    const reused = (node.message ?? '').includes('(retry)');
    return {
      ...base,
      outcome: reused ? 'reused' : 'hit',
      why: null,
      key: parts.key,
      components,
      source: node.cachedFrom,
      closest: null,
    };
  }
  const closest = await closestEarlier(db, run.pipeline, node, parts);
  return {
    ...base,
    outcome: parts.cacheable ? 'miss' : 'not-cacheable',
    why: parts.cacheable ? null : (parts.why ?? null),
    key: parts.key,
    components,
    source: null,
    closest,
  };
}

// Among earlier nodes of the same task (newest runs first), the one with the fewest changed components;
// on a tie, the one with the same node ID (a fan-out child's own earlier self before its siblings).
async function closestEarlier(
  db: MetadataDb,
  pipeline: string,
  node: NodeRecord,
  parts: StoredParts,
): Promise<CacheExplanation['closest']> {
  const { RunStore } = await loadStore();
  const runs = await new RunStore(db).listRuns({ pipeline, includeNodes: true, limit: 100 });
  let best: (NonNullable<CacheExplanation['closest']> & { rank: number }) | null = null;
  for (const r of runs) {
    for (const n of r.nodes) {
      if (n.task !== node.task || (n.runId === node.runId && n.nodeId === node.nodeId)) continue;
      if (n.createdAt > node.createdAt || n.cacheKeyParts === null) continue;
      const changes = diffCacheKeyParts(n.cacheKeyParts as unknown as CacheKeyParts, parts);
      const rank = changes.length * 2 + (n.nodeId === node.nodeId ? 0 : 1);
      if (best === null || rank < best.rank)
        best = { runId: n.runId, nodeId: n.nodeId, phase: n.phase, changes, rank };
    }
  }
  if (best === null) return null;
  const { rank: _rank, ...closest } = best;
  return closest;
}

/** The explanation as text. */
export function renderExplanation(e: CacheExplanation): string {
  const lines = [`Node:     ${e.runId}/${e.nodeId} (task ${e.task}, ${e.phase})`];
  const verdict = {
    hit: `cache hit — outputs reused from ${e.source?.runId}/${e.source?.nodeId}`,
    reused: `reused from ${e.source?.runId}/${e.source?.nodeId} by a retry`,
    miss: 'cache miss — the step ran',
    'not-cacheable': `not cached: ${e.why ?? 'caching is off'}`,
    'not-started': 'not started, so it has no cache key yet',
  }[e.outcome];
  lines.push(`Outcome:  ${verdict}`);
  if (e.key !== null) lines.push(`Key:      ${e.key}`);
  if (e.components.length > 0) {
    lines.push('', `${'COMPONENT'.padEnd(28)}VALUE`);
    for (const c of e.components) lines.push(`${c.component.padEnd(28)}${c.value ?? '(unset)'}`);
  }
  if (e.outcome === 'miss' || e.outcome === 'not-cacheable') {
    lines.push('');
    if (e.closest === null)
      lines.push('No earlier node of this task to compare with: this was its first run.');
    else if (e.closest.changes.length === 0) {
      lines.push(
        `Same key as ${e.closest.runId}/${e.closest.nodeId} (${e.closest.phase}), which was not a usable cache entry.`,
      );
    } else {
      lines.push(
        `Changed against the closest earlier node ${e.closest.runId}/${e.closest.nodeId} (${e.closest.phase}):`,
      );
      for (const c of e.closest.changes)
        lines.push(`  ${c.component}: ${c.before ?? '(none)'} → ${c.after ?? '(none)'}`);
    }
  }
  return lines.join('\n');
}
