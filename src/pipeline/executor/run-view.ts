import type { AttemptRecord, NodeDetail, NodePhase, RunDetail } from '../../store/index.js';
import type { NodeOutputs } from './node-outputs.js';

/**
 * What `bookml run get` shows: the run's header and its nodes as a tree (fan-out children under their
 * parent, the exit handler last) with phases, durations, attempts, outputs and cache hits.
 */

/** One node of {@link RunView}. */
export interface RunViewNode {
  id: string;
  task: string;
  phase: NodePhase;
  startedAt: number | null;
  finishedAt: number | null;
  /** Milliseconds; to now for a node still running. */
  durationMs: number | null;
  attempts: number;
  message: string | null;
  /** Output parameters (typed) and artifacts (sha256). */
  outputs: { params: Record<string, unknown>; artifacts: Record<string, string> };
  /** For a Cached node: where its outputs come from. */
  cachedFrom: { runId: string; nodeId: string } | null;
  /** Why the last failed attempt failed. */
  lastError: { code: string | null; message: string | null } | null;
  children: RunViewNode[];
}

/** A run as `bookml run get` shows it. */
export interface RunView {
  id: string;
  pipeline: string;
  phase: string;
  message: string | null;
  parameters: Record<string, unknown>;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  retryOf: string | null;
  resubmitOf: string | null;
  codeVersion: Record<string, unknown> | null;
  /** How many nodes were served from the cache (or reused by a retry). */
  cacheHits: number;
  /** The run's labels (triggers record what started a run under `bookml.io/*`). */
  labels: Record<string, string>;
  /** What started it: `schedule recommender-nightly: tick 2026-12-04T02:00:00Z`, a sensor and event, or a person. */
  triggeredBy: string | null;
  /**
   * Pending or Running with no live executor for longer than the heartbeat timeout: nothing moves it
   * until one starts (`bookml run executor`). See `isRunStale`.
   */
  stale: boolean;
  nodes: RunViewNode[];
}

/**
 * Build the view of a run. `now` (epoch ms) measures what is still running; `stale` comes from
 * `isRunStale` (the view itself does not look at executors).
 */
export function runView(run: RunDetail, now: number, o: { stale?: boolean } = {}): RunView {
  const byId = new Map<string, RunViewNode>();
  const roots: RunViewNode[] = [];
  for (const n of run.nodes) byId.set(n.nodeId, viewNode(n, now));
  for (const n of run.nodes) {
    const v = byId.get(n.nodeId)!;
    const parent = n.parentNodeId === null ? undefined : byId.get(n.parentNodeId);
    if (parent !== undefined) parent.children.push(v);
    else roots.push(v);
  }
  for (const v of byId.values()) v.children.sort((a, b) => childIndex(a.id) - childIndex(b.id));
  // Timeline order: what started first comes first; nodes not started yet keep creation order at the end.
  const order = new Map(run.nodes.map((n, i) => [n.nodeId, i]));
  roots.sort(
    (a, b) => (a.startedAt ?? Infinity) - (b.startedAt ?? Infinity) || order.get(a.id)! - order.get(b.id)!,
  );
  return {
    id: run.id,
    pipeline: run.pipeline,
    phase: run.phase,
    message: run.message,
    parameters: run.parameters,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: span(run.startedAt, run.finishedAt, now),
    retryOf: run.retryOf,
    resubmitOf: run.resubmitOf,
    codeVersion: run.codeVersion,
    cacheHits: run.nodes.filter((n) => n.phase === 'Cached').length,
    labels: run.labels,
    triggeredBy: triggeredBy(run.labels, run.submittedBy),
    stale: o.stale === true,
    nodes: roots,
  };
}

function childIndex(id: string): number {
  const m = /\.(\d+)$/.exec(id);
  return m === null ? 0 : Number(m[1]);
}

function span(from: number | null, to: number | null, now: number): number | null {
  if (from === null) return null;
  return (to ?? now) - from;
}

function viewNode(n: NodeDetail, now: number): RunViewNode {
  const o = (n.outputs ?? { params: {}, artifacts: {} }) as unknown as NodeOutputs;
  const failed = [...n.attempts]
    .reverse()
    .find((a: AttemptRecord) => a.phase === 'Failed' || a.phase === 'Error');
  return {
    id: n.nodeId,
    task: n.task,
    phase: n.phase,
    startedAt: n.startedAt,
    finishedAt: n.finishedAt,
    durationMs: n.phase === 'Cached' ? 0 : span(n.startedAt, n.finishedAt, now),
    attempts: n.attempts.length,
    message: n.message,
    outputs: {
      params: o.params ?? {},
      artifacts: Object.fromEntries(Object.entries(o.artifacts ?? {}).map(([k, a]) => [k, a.sha256])),
    },
    cachedFrom: n.cachedFrom,
    lastError: failed === undefined ? null : { code: failed.errorCode, message: failed.errorMessage },
    children: [],
  };
}

const SYMBOL: Record<string, string> = {
  Pending: '◷',
  Running: '●',
  Succeeded: '✔',
  Cached: '✔',
  Failed: '✖',
  Error: '⚠',
  Skipped: '○',
  Omitted: '○',
};

/** A duration as `1.2s`, `3m04s`, `-` when unknown. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

function short(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 32 ? `${s.slice(0, 29)}…` : s;
}

function details(n: RunViewNode): string {
  if (n.phase === 'Cached' && n.cachedFrom !== null) {
    return `from ${n.cachedFrom.runId}/${n.cachedFrom.nodeId}`;
  }
  if ((n.phase === 'Failed' || n.phase === 'Error') && n.children.length === 0) {
    const e = n.lastError;
    return e?.code ? `${e.code}: ${e.message ?? ''}` : (n.message ?? '');
  }
  if (n.children.length > 0) return n.message ?? '';
  const parts = [
    ...Object.entries(n.outputs.params).map(([k, v]) => `${k}=${short(v)}`),
    ...Object.entries(n.outputs.artifacts).map(([k, sha]) => `${k}=${sha.slice(0, 12)}`),
  ];
  return parts.length > 0 ? parts.join(' ') : (n.message ?? '');
}

/** The tree as text lines: `STEP PHASE DURATION ATTEMPTS DETAILS`. */
export function renderNodeTree(nodes: readonly RunViewNode[]): string[] {
  const rows: string[][] = [];
  const walk = (list: readonly RunViewNode[], prefix: string, top: boolean) => {
    list.forEach((n, i) => {
      const last = i === list.length - 1;
      const branch = top ? '' : last ? '└─' : '├─';
      rows.push([
        `${prefix}${branch}${SYMBOL[n.phase] ?? '?'} ${n.id}`,
        n.phase,
        formatDuration(n.durationMs),
        n.attempts > 1 ? String(n.attempts) : '',
        details(n),
      ]);
      walk(n.children, top ? ' ' : `${prefix}${last ? '  ' : '│ '}`, false);
    });
  };
  walk(nodes, '', true);
  const head = ['STEP', 'PHASE', 'DURATION', 'ATTEMPTS', 'DETAILS'];
  const all = [head, ...rows];
  const widths = head.map((_, c) => Math.max(...all.map((r) => [...r[c]].length)));
  return all.map((r) =>
    r
      .map((v, c) => (c === r.length - 1 ? v : v + ' '.repeat(widths[c] - [...v].length)))
      .join('  ')
      .trimEnd(),
  );
}

/** The whole `run get` text. */
export function renderRunView(v: RunView): string {
  const params = Object.entries(v.parameters)
    .map(([k, val]) => `${k}=${typeof val === 'string' ? val : JSON.stringify(val)}`)
    .join(' ');
  const head: [string, string | null][] = [
    ['Name', v.id],
    ['Pipeline', v.pipeline],
    ['Phase', v.stale ? `${v.phase} (no executor; resume with \`bookml run executor\`)` : v.phase],
    ['Message', v.message],
    ['Created', new Date(v.createdAt).toISOString()],
    ['Duration', formatDuration(v.durationMs)],
    ['Parameters', params || null],
    ['Cache hits', v.cacheHits > 0 ? String(v.cacheHits) : null],
    ['Trigger', v.triggeredBy],
    ['Retry of', v.retryOf],
    ['Resubmit of', v.resubmitOf],
  ];
  // A task its condition skipped (register when the evaluation gate failed) is said on its own line:
  // the run still Succeeded, and a reader must not have to find it in the tree's message column.
  const skipped = flatten(v.nodes)
    .filter((n) => n.phase === 'Skipped' && n.message?.startsWith('when '))
    .map((n) => `Skipped:     ${n.id} — ${n.message}`);
  return [
    ...head.filter(([, val]) => val !== null && val !== '').map(([k, val]) => `${`${k}:`.padEnd(13)}${val}`),
    ...skipped,
    '',
    ...renderNodeTree(v.nodes),
  ].join('\n');
}

function flatten(nodes: readonly RunViewNode[]): RunViewNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

/** What started a run, from the labels the triggers put on it (`bookml.io/trigger`, …) or its submitter. */
function triggeredBy(labels: Record<string, string>, submittedBy: string | null): string | null {
  const kind = labels['bookml.io/trigger'];
  if (kind === undefined) return submittedBy === null ? null : `${submittedBy} (manual)`;
  const name = labels['bookml.io/schedule'] ?? labels['bookml.io/sensor'] ?? '';
  const event = labels['bookml.io/event-id'];
  const reason = labels['bookml.io/trigger-reason'];
  return `${kind} ${name}${event ? ` (event ${event})` : ''}${reason ? `: ${reason}` : ''}`;
}
