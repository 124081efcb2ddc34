import { z } from 'zod';
import { runLineage } from '../../pipeline/executor/index.js';
import type { Registry, VersionRecord } from '../../registry/index.js';
import type { DbHandle, MetadataDb } from '../../store/index.js';

/** One box of a lineage graph; `kind` says which page a click opens. */
export const LineageGraphNode = z.object({
  id: z.string().describe('kind:key, unique in the graph'),
  kind: z.enum(['dataset', 'run', 'node', 'artifact', 'version', 'alias']),
  label: z.string(),
  detail: z.string().nullable().describe('a second line: a hash, a URI, a phase'),
  phase: z.string().nullable().describe('runs and nodes'),
  runId: z.string().nullable().describe('runs and nodes: the run to open'),
  model: z.string().nullable().describe('versions and aliases'),
  version: z.number().nullable().describe('versions and aliases: the version'),
  hash: z.string().nullable().describe('datasets and artifacts: the sha256'),
});

/** Dataset → run → nodes → artifacts → version → alias, with the box asked for as `focus`. */
export const LineageGraph = z.object({
  focus: z.string().describe('the id of the run or version asked for'),
  nodes: z.array(LineageGraphNode),
  edges: z.array(z.object({ from: z.string(), to: z.string() })),
});

export type LineageGraphNodePayload = z.infer<typeof LineageGraphNode>;
export type LineageGraphPayload = z.infer<typeof LineageGraph>;

const EMPTY = { detail: null, phase: null, runId: null, model: null, version: null, hash: null };

/** Collects boxes and edges once each, in insertion order. */
class GraphBuilder {
  readonly nodes = new Map<string, LineageGraphNodePayload>();
  readonly #edges = new Map<string, { from: string; to: string }>();

  add(n: Partial<LineageGraphNodePayload> & Pick<LineageGraphNodePayload, 'id' | 'kind' | 'label'>): string {
    if (!this.nodes.has(n.id)) this.nodes.set(n.id, { ...EMPTY, ...n });
    return n.id;
  }

  link(from: string, to: string): void {
    if (from !== to) this.#edges.set(`${from}\0${to}`, { from, to });
  }

  get edges(): Array<{ from: string; to: string }> {
    return [...this.#edges.values()];
  }

  hasIncoming(id: string): boolean {
    return this.edges.some((e) => e.to === id);
  }

  graph(focus: string): LineageGraphPayload {
    return { focus, nodes: [...this.nodes.values()], edges: this.edges };
  }
}

const short = (hash: string) => hash.replace(/^sha256:/, '').slice(0, 12);

function addVersion(g: GraphBuilder, v: VersionRecord): string {
  const id = g.add({
    id: `version:${v.model}:${v.version}`,
    kind: 'version',
    label: `${v.model} v${v.version}`,
    detail: v.artifactHash === null ? v.artifactUri : `bundle ${short(v.artifactHash)}`,
    model: v.model,
    version: v.version,
  });
  for (const a of v.aliases) {
    g.link(
      id,
      g.add({
        id: `alias:${v.model}:${a}`,
        kind: 'alias',
        label: a,
        detail: `→ v${v.version}`,
        model: v.model,
        version: v.version,
      }),
    );
  }
  return id;
}

/** The dataset a version records, linked into `to`. */
function addRecordedDataset(g: GraphBuilder, v: VersionRecord, to: string): void {
  const ds = v.lineage.dataset;
  if (ds === undefined) return;
  const id = `dataset:${ds.hash}`;
  if (g.nodes.has(id)) return;
  g.link(
    g.add({ id, kind: 'dataset', label: `dataset ${short(ds.hash)}`, detail: ds.uri, hash: ds.hash }),
    to,
  );
}

/** The run's part of the graph: its datasets, nodes and their artifacts, and the versions it registered. */
async function addRun(g: GraphBuilder, db: DbHandle, registry: Registry, runId: string): Promise<string> {
  // runLineage reads through the handle's Kysely instance only; the control plane holds a DbHandle.
  const rl = await runLineage(db as MetadataDb, runId);
  const run = g.add({
    id: `run:${rl.run.id}`,
    kind: 'run',
    label: `run ${rl.run.id}`,
    detail: rl.run.pipeline,
    phase: rl.run.phase,
    runId: rl.run.id,
  });
  const nodeId = (n: string) => `node:${rl.run.id}/${n}`;
  for (const n of rl.nodes) {
    const id = g.add({
      id: nodeId(n.nodeId),
      kind: 'node',
      label: n.nodeId,
      detail: n.cachedFrom === null ? n.phase : `${n.phase} from ${n.cachedFrom.runId}`,
      phase: n.phase,
      runId: rl.run.id,
    });
    const artifact = (a: { name: string; sha256: string }) =>
      g.add({
        id: `artifact:${a.sha256}`,
        kind: 'artifact',
        label: a.name,
        detail: short(a.sha256),
        hash: a.sha256,
      });
    for (const a of n.inputs) g.link(artifact(a), id);
    for (const a of n.outputs) g.link(id, artifact(a));
  }
  for (const d of rl.datasets) {
    const id = g.add({
      id: `dataset:${d.hash}`,
      kind: 'dataset',
      label: `dataset ${short(d.hash)}`,
      detail: d.uri,
      hash: d.hash,
    });
    const at = d.nodeId !== null && g.nodes.has(nodeId(d.nodeId)) ? nodeId(d.nodeId) : run;
    if (d.relation === 'output' && at !== run) g.link(at, id);
    else g.link(id, at);
  }
  // The run holds its nodes: every node nothing else feeds hangs from the run.
  for (const n of rl.nodes) if (!g.hasIncoming(nodeId(n.nodeId))) g.link(run, nodeId(n.nodeId));
  const registered = (await registry.listVersions()).filter((v) => v.sourceRun === rl.run.id);
  for (const v of registered) {
    const id = addVersion(g, v);
    const bundle = v.artifactHash === null ? undefined : `artifact:${v.artifactHash.replace(/^sha256:/, '')}`;
    const from =
      bundle !== undefined && g.nodes.has(bundle)
        ? bundle
        : v.sourceNode !== null && g.nodes.has(nodeId(v.sourceNode))
          ? nodeId(v.sourceNode)
          : run;
    g.link(from, id);
    addRecordedDataset(g, v, run);
  }
  return run;
}

/**
 * A run's lineage as a graph: the datasets it read or made, the run, its nodes with their input and
 * output artifacts, the versions it registered and the aliases on them.
 * @example const g = await runLineageGraph(db, registry, 'recommender-abc'); g.nodes.filter((n) => n.kind === 'version')
 */
export async function runLineageGraph(
  db: DbHandle,
  registry: Registry,
  runId: string,
): Promise<LineageGraphPayload> {
  const g = new GraphBuilder();
  return g.graph(await addRun(g, db, registry, runId));
}

/**
 * A version's lineage as a graph: its run's graph (see {@link runLineageGraph}) when the run is known,
 * else the dataset and bundle it records, the version and its aliases.
 */
export async function versionLineageGraph(
  db: DbHandle,
  registry: Registry,
  model: string,
  ref: string,
): Promise<LineageGraphPayload> {
  const v = await registry.resolve(model, ref);
  const g = new GraphBuilder();
  const focus = addVersion(g, v);
  if (v.sourceRun !== null && (await registry.runSummary(v.sourceRun)) !== undefined) {
    await addRun(g, db, registry, v.sourceRun);
    return g.graph(focus);
  }
  if (v.artifactHash !== null) {
    const hash = v.artifactHash.replace(/^sha256:/, '');
    g.link(
      g.add({ id: `artifact:${hash}`, kind: 'artifact', label: 'bundle', detail: short(hash), hash }),
      focus,
    );
  }
  addRecordedDataset(
    g,
    v,
    v.artifactHash === null ? focus : `artifact:${v.artifactHash.replace(/^sha256:/, '')}`,
  );
  return g.graph(focus);
}
