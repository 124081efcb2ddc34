import type { Selectable } from 'kysely';
import type { DbHandle } from './db.js';
import { fromJson, toJson } from './json-column.js';
import type { ArtifactsTable, LineageEdgesTable } from './tables.js';
import { requireInt, requireText } from './validate.js';

/** A dataset snapshot known to the metadata DB. */
export interface DatasetRecord {
  hash: string;
  uri: string;
  manifest: unknown;
  createdAt: number;
}

/** A record that a blob was produced (by a run's node) under a name. */
export interface ArtifactRecord {
  id: number;
  sha256: string;
  size: number;
  uri: string;
  kind: 'file' | 'dir';
  mediaType: string | null;
  runId: string | null;
  nodeId: string | null;
  name: string | null;
  createdAt: number;
}

/** What {@link LineageStore.recordArtifact} needs. */
export type NewArtifactRecord = Omit<
  ArtifactRecord,
  'id' | 'createdAt' | 'mediaType' | 'runId' | 'nodeId' | 'name'
> & {
  mediaType?: string;
  runId?: string;
  nodeId?: string;
  name?: string;
};

/** A run or node used (`input`) or made (`output`) a dataset, an artifact or a run's result. */
export interface LineageEdge {
  id: number;
  runId: string;
  nodeId: string | null;
  relation: 'input' | 'output';
  kind: 'dataset' | 'artifact' | 'run';
  /** Dataset hash, artifact sha256 or run id. */
  ref: string;
  name: string | null;
  uri: string | null;
  createdAt: number;
}

/** What {@link LineageStore.addEdges} needs per edge. */
export type NewLineageEdge = Pick<LineageEdge, 'runId' | 'relation' | 'kind' | 'ref'> & {
  nodeId?: string;
  name?: string;
  uri?: string;
};

/**
 * Datasets, artifact records and lineage edges: enough to walk from a model version back to the
 * dataset, code and parameters that made it (`bookml lineage <run|artifact>`).
 *
 * @example
 * const lineage = new LineageStore(mdb);
 * await lineage.putDataset({ hash, uri: 'file:///data/orders.csv', manifest: { rows: 1200 } });
 * await lineage.addEdges([{ runId, nodeId: 'ingest', relation: 'output', kind: 'dataset', ref: hash }]);
 */
export class LineageStore {
  readonly #h: DbHandle;

  constructor(handle: DbHandle) {
    this.#h = handle;
  }

  /** Records a dataset; a hash already known keeps its first URI and manifest (the content is the same). */
  async putDataset(input: { hash: string; uri: string; manifest: unknown }): Promise<DatasetRecord> {
    await this.#h.db
      .insertInto('datasets')
      .values({
        hash: requireText(input.hash, 'hash'),
        uri: requireText(input.uri, 'uri', 4096),
        manifest: toJson(input.manifest),
        created_at: this.#h.clock.now(),
      })
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute();
    const got = await this.getDataset(input.hash);
    if (got === undefined) throw new Error(`dataset ${input.hash} vanished after insert`);
    return got;
  }

  /** A dataset by hash, or `undefined`. */
  async getDataset(hash: string): Promise<DatasetRecord | undefined> {
    const r = await this.#h.db.selectFrom('datasets').selectAll().where('hash', '=', hash).executeTakeFirst();
    return r && { hash: r.hash, uri: r.uri, manifest: fromJson(r.manifest), createdAt: r.created_at };
  }

  /** Records that a blob was produced; the node, when given, must exist. */
  async recordArtifact(input: NewArtifactRecord): Promise<ArtifactRecord> {
    const row = await this.#h.db
      .insertInto('artifacts')
      .values({
        sha256: requireText(input.sha256, 'sha256', 64),
        size: requireInt(input.size, 'size', 0),
        uri: requireText(input.uri, 'uri', 4096),
        kind: input.kind,
        media_type: input.mediaType ?? null,
        run_id: input.runId ?? null,
        node_id: input.nodeId ?? null,
        name: input.name ?? null,
        created_at: this.#h.clock.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toArtifact(row);
  }

  /** Artifact records by content or by producer, oldest first. */
  async findArtifacts(filter: {
    sha256?: string;
    runId?: string;
    nodeId?: string;
  }): Promise<ArtifactRecord[]> {
    let q = this.#h.db.selectFrom('artifacts').selectAll();
    if (filter.sha256 !== undefined) q = q.where('sha256', '=', filter.sha256);
    if (filter.runId !== undefined) q = q.where('run_id', '=', filter.runId);
    if (filter.nodeId !== undefined) q = q.where('node_id', '=', filter.nodeId);
    const rows = await q.orderBy('id').execute();
    return rows.map(toArtifact);
  }

  /** Adds lineage edges in one statement. */
  async addEdges(edges: readonly NewLineageEdge[]): Promise<LineageEdge[]> {
    if (edges.length === 0) return [];
    const now = this.#h.clock.now();
    const rows = await this.#h.db
      .insertInto('lineage_edges')
      .values(
        edges.map((e) => ({
          run_id: requireText(e.runId, 'runId'),
          node_id: e.nodeId ?? null,
          relation: e.relation,
          kind: e.kind,
          ref: requireText(e.ref, 'ref'),
          name: e.name ?? null,
          uri: e.uri ?? null,
          created_at: now,
        })),
      )
      .returningAll()
      .execute();
    return rows.map(toEdge);
  }

  /** Edges of a run (or one of its nodes), in insertion order. */
  async edgesOf(runId: string, nodeId?: string): Promise<LineageEdge[]> {
    let q = this.#h.db.selectFrom('lineage_edges').selectAll().where('run_id', '=', runId);
    if (nodeId !== undefined) q = q.where('node_id', '=', nodeId);
    return (await q.orderBy('id').execute()).map(toEdge);
  }

  /** Every edge that mentions a dataset, artifact or run: who made it and who used it. */
  async edgesTo(kind: LineageEdge['kind'], ref: string): Promise<LineageEdge[]> {
    const rows = await this.#h.db
      .selectFrom('lineage_edges')
      .selectAll()
      .where('kind', '=', kind)
      .where('ref', '=', ref)
      .orderBy('id')
      .execute();
    return rows.map(toEdge);
  }
}

function toArtifact(r: Selectable<ArtifactsTable>): ArtifactRecord {
  return {
    id: r.id,
    sha256: r.sha256,
    size: r.size,
    uri: r.uri,
    kind: r.kind,
    mediaType: r.media_type,
    runId: r.run_id,
    nodeId: r.node_id,
    name: r.name,
    createdAt: r.created_at,
  };
}

function toEdge(r: Selectable<LineageEdgesTable>): LineageEdge {
  return {
    id: r.id,
    runId: r.run_id,
    nodeId: r.node_id,
    relation: r.relation,
    kind: r.kind,
    ref: r.ref,
    name: r.name,
    uri: r.uri,
    createdAt: r.created_at,
  };
}
