import type { ArtifactRecord, LineageStore, MetadataDb, NodeRecord } from '../../store/index.js';
import type { CacheKeyParts } from './cache-key.js';
import { ExecutorError } from './errors.js';
import type { NodeOutputs } from './node-outputs.js';
import { getRunDetail } from './run-ops.js';
import { loadStore } from './store-loader.js';

/**
 * `bookml lineage <run|artifact>`: for a run, the dataset(s) it read or made, its code version and
 * parameters, and every node's input and output artifacts with the node that produced each; for an
 * artifact, the chain of producing nodes back to the data, and who used it.
 */

/** An artifact in a lineage answer, with the node that produced it. */
export interface LineageArtifact {
  name: string;
  sha256: string;
  producedBy: { runId: string; nodeId: string } | null;
}

/** One node's lineage. */
export interface LineageNode {
  nodeId: string;
  task: string;
  phase: string;
  step: string | null;
  stepVersion: string | null;
  codeHash: string | null;
  params: Record<string, unknown>;
  cachedFrom: { runId: string; nodeId: string } | null;
  inputs: LineageArtifact[];
  outputs: LineageArtifact[];
}

/** A run's lineage. */
export interface RunLineage {
  run: {
    id: string;
    pipeline: string;
    phase: string;
    parameters: Record<string, unknown>;
    codeVersion: Record<string, unknown> | null;
    retryOf: string | null;
    resubmitOf: string | null;
  };
  datasets: { hash: string; uri: string; relation: string; nodeId: string | null }[];
  nodes: LineageNode[];
}

/** An artifact's lineage: its producer's chain back to the data, and its users. */
export interface ArtifactLineage {
  artifact: { sha256: string; size: number; kind: string; uri: string };
  producedBy: { runId: string | null; nodeId: string | null; name: string | null }[];
  /** The producing node, then the producers of its inputs, and so on. */
  chain: (LineageNode & { runId: string })[];
  datasets: { hash: string; uri: string }[];
  usedBy: { runId: string; nodeId: string | null; name: string | null }[];
}

async function producerOf(
  lineage: LineageStore,
  sha256: string,
): Promise<{ runId: string; nodeId: string } | null> {
  const [rec] = await lineage.findArtifacts({ sha256 });
  return rec?.runId != null && rec.nodeId != null ? { runId: rec.runId, nodeId: rec.nodeId } : null;
}

async function lineageNode(lineage: LineageStore, n: NodeRecord): Promise<LineageNode> {
  const parts = n.cacheKeyParts as unknown as CacheKeyParts | null;
  const inputs = (n.inputs ?? {}) as {
    params?: Record<string, unknown>;
    artifacts?: Record<string, { sha256: string }>;
  };
  const outputs = (n.outputs ?? {}) as unknown as Partial<NodeOutputs>;
  const toList = async (r: Record<string, { sha256: string }> | undefined, own: boolean) =>
    Promise.all(
      Object.entries(r ?? {}).map(async ([name, a]) => ({
        name,
        sha256: a.sha256,
        producedBy:
          own && n.phase === 'Succeeded'
            ? { runId: n.runId, nodeId: n.nodeId }
            : await producerOf(lineage, a.sha256),
      })),
    );
  return {
    nodeId: n.nodeId,
    task: n.task,
    phase: n.phase,
    step: parts?.step ?? null,
    stepVersion: parts?.stepVersion ?? null,
    codeHash: parts?.codeHash ?? null,
    params: inputs.params ?? {},
    cachedFrom: n.cachedFrom,
    inputs: await toList(inputs.artifacts, false),
    outputs: await toList(outputs.artifacts, true),
  };
}

/**
 * A run's lineage.
 * @example const l = await runLineage(db, '@latest'); l.datasets[0].uri;
 */
export async function runLineage(db: MetadataDb, ref: string): Promise<RunLineage> {
  const run = await getRunDetail(db, ref);
  const { LineageStore } = await loadStore();
  const lineage = new LineageStore(db);
  const edges = await lineage.edgesOf(run.id);
  const datasets: RunLineage['datasets'] = [];
  for (const e of edges.filter((x) => x.kind === 'dataset')) {
    const d = await lineage.getDataset(e.ref);
    datasets.push({ hash: e.ref, uri: d?.uri ?? e.uri ?? '', relation: e.relation, nodeId: e.nodeId });
  }
  const nodes: LineageNode[] = [];
  const timeline = [...run.nodes].sort((a, b) => (a.startedAt ?? Infinity) - (b.startedAt ?? Infinity));
  for (const n of timeline)
    if (n.phase === 'Succeeded' || n.phase === 'Cached') nodes.push(await lineageNode(lineage, n));
  return {
    run: {
      id: run.id,
      pipeline: run.pipeline,
      phase: run.phase,
      parameters: run.parameters,
      codeVersion: run.codeVersion,
      retryOf: run.retryOf,
      resubmitOf: run.resubmitOf,
    },
    datasets,
    nodes,
  };
}

/** Artifact records whose sha256 starts with `prefix` (at least 6 characters). */
async function findByPrefix(db: MetadataDb, prefix: string): Promise<ArtifactRecord[]> {
  const p = prefix.replace(/^sha256:/, '').toLowerCase();
  if (!/^[0-9a-f]{6,64}$/.test(p)) {
    throw new ExecutorError(
      'RUN_ARTIFACT_NOT_FOUND',
      `"${prefix}" is neither a run nor a sha256 (prefix of at least 6 hex digits)`,
      { field: 'ref' },
    );
  }
  const rows = await db.db
    .selectFrom('artifacts')
    .select('sha256')
    .where('sha256', 'like', `${p}%`)
    .limit(50)
    .execute();
  const shas = [...new Set(rows.map((r) => r.sha256))];
  if (shas.length === 0)
    throw new ExecutorError('RUN_ARTIFACT_NOT_FOUND', `no recorded artifact starts with ${p}`, {
      field: 'ref',
    });
  if (shas.length > 1)
    throw new ExecutorError(
      'RUN_ARTIFACT_NOT_FOUND',
      `${p} matches ${shas.length} artifacts; give more digits`,
      { field: 'ref' },
    );
  const { LineageStore } = await loadStore();
  return new LineageStore(db).findArtifacts({ sha256: shas[0] });
}

/** An artifact's lineage, by sha256 or a unique prefix of it. */
export async function artifactLineage(db: MetadataDb, ref: string): Promise<ArtifactLineage> {
  const records = await findByPrefix(db, ref);
  const first = records[0];
  const { LineageStore, RunStore } = await loadStore();
  const lineage = new LineageStore(db);
  const runs = new RunStore(db);
  const chain: ArtifactLineage['chain'] = [];
  const datasets = new Map<string, string>();
  const seen = new Set<string>();
  const queue: { runId: string; nodeId: string }[] = [];
  const producer =
    first.runId !== null && first.nodeId !== null ? { runId: first.runId, nodeId: first.nodeId } : null;
  if (producer) queue.push(producer);
  while (queue.length > 0) {
    const k = queue.shift()!;
    const id = `${k.runId}/${k.nodeId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = await runs.getNode(k);
    if (node === undefined) continue;
    const ln = await lineageNode(lineage, node);
    chain.push({ ...ln, runId: node.runId });
    for (const e of await lineage.edgesOf(node.runId, node.nodeId)) {
      if (e.kind === 'dataset') datasets.set(e.ref, (await lineage.getDataset(e.ref))?.uri ?? e.uri ?? '');
    }
    for (const i of ln.inputs) if (i.producedBy) queue.push(i.producedBy);
  }
  const usedBy = (await lineage.edgesTo('artifact', first.sha256))
    .filter((e) => e.relation === 'input')
    .map((e) => ({ runId: e.runId, nodeId: e.nodeId, name: e.name }));
  return {
    artifact: { sha256: first.sha256, size: first.size, kind: first.kind, uri: first.uri },
    producedBy: records.map((r) => ({ runId: r.runId, nodeId: r.nodeId, name: r.name })),
    chain,
    datasets: [...datasets].map(([hash, uri]) => ({ hash, uri })),
    usedBy,
  };
}

function artifactLine(a: LineageArtifact, dir: '←' | '→'): string {
  const from = a.producedBy === null ? '' : `  (made by ${a.producedBy.runId}/${a.producedBy.nodeId})`;
  return `    ${dir} ${a.name.padEnd(12)} ${a.sha256.slice(0, 16)}${from}`;
}

function nodeLines(n: LineageNode, runId?: string): string[] {
  const where = runId === undefined ? n.nodeId : `${runId}/${n.nodeId}`;
  const code = n.step === null ? '' : `  step ${n.step}@${n.stepVersion} code ${n.codeHash?.slice(0, 12)}`;
  const cached = n.cachedFrom === null ? '' : `  cached from ${n.cachedFrom.runId}/${n.cachedFrom.nodeId}`;
  const params = Object.entries(n.params)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return [
    `  ${where} [${n.phase}]${code}${cached}`,
    ...(params === '' ? [] : [`    params ${params}`]),
    ...n.inputs.map((a) => artifactLine(a, '←')),
    ...n.outputs.map((a) => artifactLine(a, '→')),
  ];
}

/** A run's lineage as text. */
export function renderRunLineage(l: RunLineage): string {
  const cv = l.run.codeVersion ?? {};
  return [
    `Run:         ${l.run.id} (${l.run.pipeline}, ${l.run.phase})`,
    `Code:        git ${cv.gitSha ?? 'unknown'} · bookml ${cv.packageVersion ?? 'unknown'}`,
    ...(cv.image ? [`Image:       ${cv.image} · digest ${cv.imageDigest ?? 'not pinned'}`] : []),
    `Parameters:  ${
      Object.entries(l.run.parameters)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ') || '(none)'
    }`,
    ...(l.run.retryOf ? [`Retry of:    ${l.run.retryOf}`] : []),
    ...(l.run.resubmitOf ? [`Resubmit of: ${l.run.resubmitOf}`] : []),
    'Datasets:',
    ...(l.datasets.length === 0
      ? ['  (none recorded)']
      : l.datasets.map(
          (d) =>
            `  ${d.relation === 'output' ? 'made' : 'read'} ${d.hash.slice(0, 16)} ${d.uri}${d.nodeId ? ` by ${d.nodeId}` : ''}`,
        )),
    'Nodes:',
    ...l.nodes.flatMap((n) => nodeLines(n)),
  ].join('\n');
}

/** An artifact's lineage as text. */
export function renderArtifactLineage(l: ArtifactLineage): string {
  return [
    `Artifact:    ${l.artifact.sha256} (${l.artifact.kind}, ${l.artifact.size} bytes)`,
    `Stored at:   ${l.artifact.uri}`,
    `Made by:     ${l.producedBy.map((p) => `${p.runId}/${p.nodeId} as ${p.name}`).join(', ') || '(registered by hand)'}`,
    'Datasets:',
    ...(l.datasets.length === 0
      ? ['  (none recorded)']
      : l.datasets.map((d) => `  ${d.hash.slice(0, 16)} ${d.uri}`)),
    'Chain (producer first, then the producers of its inputs):',
    ...l.chain.flatMap((n) => nodeLines(n, n.runId)),
    'Used by:',
    ...(l.usedBy.length === 0
      ? ['  (no run read it yet)']
      : l.usedBy.map((u) => `  ${u.runId}/${u.nodeId} as ${u.name}`)),
  ].join('\n');
}
