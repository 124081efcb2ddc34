import type { Updateable } from 'kysely';
import {
  type AttemptPhase,
  isTerminalNodePhase,
  isTerminalRunPhase,
  type NodePhase,
  type RunPhase,
} from '../core/index.js';
import { type DbHandle, withTransaction } from './db.js';
import { StoreError } from './errors.js';
import { newId } from './ids.js';
import { toJson } from './json-column.js';
import { nodePredecessors, runPredecessors } from './phases.js';
import { assertOwned } from './run-lease-store.js';
import {
  type AttemptKey,
  type AttemptRecord,
  type NodeDetail,
  type NodeKey,
  type NodeRecord,
  type RunDetail,
  type RunRecord,
  toAttemptRecord,
  toNodeRecord,
  toRunRecord,
} from './run-records.js';
import type { AttemptsTable, NodesTable, RunsTable } from './tables.js';
import { requireInt, requireText } from './validate.js';

/** What {@link RunStore.createRun} needs; the run starts Pending. */
export interface NewRun {
  pipeline: string;
  /** @default `<pipeline>-<10 random chars>` */
  id?: string;
  parameters?: Record<string, unknown>;
  labels?: Record<string, string>;
  parentRunId?: string;
  retryOf?: string;
  resubmitOf?: string;
  /** The named mutex the run must hold while it runs (see {@link MutexStore}). */
  mutex?: string;
  codeVersion?: Record<string, unknown>;
  submittedBy?: string;
  /** A second run with the same key fails with STORE_CONFLICT (field `idempotency_key`). */
  idempotencyKey?: string;
  message?: string;
}

/** A node to create (Pending). */
export interface NewNode {
  nodeId: string;
  task: string;
  /** The fan-out parent in the same run. */
  parentNodeId?: string;
  inputs?: Record<string, unknown>;
}

/** Fields a node transition may set along with the phase. */
export interface NodePatch {
  /** Narrows the phases the node may be in (each must be a legal predecessor of the target). */
  from?: readonly NodePhase[];
  message?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  cacheKey?: string;
  cacheKeyParts?: Record<string, unknown>;
  cachedFrom?: NodeKey;
}

/** How an attempt ended. */
export interface AttemptOutcome {
  phase: Exclude<AttemptPhase, 'Running'>;
  exitCode?: number;
  signal?: string;
  errorCode?: string;
  errorMessage?: string;
}

/** Filters of {@link RunStore.listRuns}; newest first. */
export interface RunFilter {
  pipeline?: string;
  phase?: RunPhase | readonly RunPhase[];
  /** @default 50 */
  limit?: number;
  /** @default 0 */
  offset?: number;
}

/**
 * Runs, their nodes and the attempts at each node. Every phase change is a guarded
 * `UPDATE … WHERE phase IN (<legal predecessors>)`: two writers racing (executor finishing a node,
 * user terminating the run) cannot both win, and the loser learns it from an `undefined` result.
 *
 * @example
 * const runs = new RunStore(mdb);
 * const run = await runs.createRun({ pipeline: 'recommender', parameters: { k: 20 } });
 * await runs.createNodes(run.id, [{ nodeId: 'ingest', task: 'ingest' }]);
 * await runs.transitionRun(run.id, 'Running');
 */
export class RunStore {
  readonly #h: DbHandle;
  readonly #fence: (() => number) | undefined;

  /**
   * @param options.fence the executor generation whose writes this store makes: every write to a run's
   * phase, nodes or attempts first checks, in its transaction, that this generation owns the run
   * (`STORE_FENCED` otherwise; see {@link RunLeaseStore}). Without it (the CLI, the API) writes are
   * not fenced.
   */
  constructor(handle: DbHandle, options: { fence?: () => number } = {}) {
    this.#h = handle;
    this.#fence = options.fence;
  }

  /** Runs `fn` in a transaction that first checks the fence on `runId` (or directly, unfenced). */
  #fenced<T>(runId: string, fn: (h: DbHandle) => Promise<T>): Promise<T> {
    const fence = this.#fence;
    if (fence === undefined) return fn(this.#h);
    return withTransaction(this.#h, async (tx) => {
      await assertOwned(tx, runId, fence());
      return fn(tx);
    });
  }

  /** Creates a Pending run. @throws STORE_CONFLICT when the id or idempotency key is taken. */
  async createRun(input: NewRun): Promise<RunRecord> {
    const pipeline = requireText(input.pipeline, 'pipeline');
    const row = await this.#h.db
      .insertInto('runs')
      .values({
        id: input.id === undefined ? newId(pipeline) : requireText(input.id, 'id'),
        pipeline,
        phase: 'Pending',
        parameters: toJson(input.parameters ?? {}),
        labels: toJson(input.labels ?? {}),
        created_at: this.#h.clock.now(),
        parent_run_id: input.parentRunId ?? null,
        retry_of: input.retryOf ?? null,
        resubmit_of: input.resubmitOf ?? null,
        mutex: input.mutex ?? null,
        message: input.message ?? null,
        code_version: input.codeVersion === undefined ? null : toJson(input.codeVersion),
        submitted_by: input.submittedBy ?? null,
        idempotency_key: input.idempotencyKey ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRunRecord(row);
  }

  /** A run with its nodes and their attempts, or `undefined`. */
  async getRun(id: string): Promise<RunDetail | undefined> {
    const row = await this.#h.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) return undefined;
    const [detail] = await this.#withNodes([toRunRecord(row)]);
    return detail;
  }

  /** The run whose idempotency key is `key`, or `undefined`. */
  async getRunByIdempotencyKey(key: string): Promise<RunRecord | undefined> {
    const row = await this.#h.db
      .selectFrom('runs')
      .selectAll()
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    return row && toRunRecord(row);
  }

  /** Runs, newest first; with `includeNodes`, each with its nodes and attempts. */
  listRuns(filter: RunFilter & { includeNodes: true }): Promise<RunDetail[]>;
  listRuns(filter?: RunFilter & { includeNodes?: false }): Promise<RunRecord[]>;
  async listRuns(filter: RunFilter & { includeNodes?: boolean } = {}): Promise<RunRecord[] | RunDetail[]> {
    const limit = requireInt(filter.limit ?? 50, 'limit', 1);
    const offset = requireInt(filter.offset ?? 0, 'offset', 0);
    let q = this.#h.db.selectFrom('runs').selectAll();
    if (filter.pipeline !== undefined) q = q.where('pipeline', '=', filter.pipeline);
    if (filter.phase !== undefined) {
      const phases: readonly RunPhase[] = typeof filter.phase === 'string' ? [filter.phase] : filter.phase;
      q = q.where('phase', 'in', phases);
    }
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    const runs = rows.map(toRunRecord);
    return filter.includeNodes ? this.#withNodes(runs) : runs;
  }

  /**
   * Moves a run to `to` if it is in a legal predecessor phase (narrowed by `from`); stamps
   * `started_at` on Running and `finished_at` on a terminal phase, and releases any mutex the run
   * holds in the same transaction. Returns the updated run, or `undefined` when the guard failed.
   * @throws STORE_PHASE_INVALID for an edge the phase machine does not have.
   */
  async transitionRun(
    id: string,
    to: RunPhase,
    patch: { from?: readonly RunPhase[]; message?: string } = {},
  ): Promise<RunRecord | undefined> {
    const from = runPredecessors(to, patch.from);
    const now = this.#h.clock.now();
    const set: Updateable<RunsTable> = { phase: to };
    if (to === 'Running') set.started_at = now;
    if (isTerminalRunPhase(to)) set.finished_at = now;
    if (patch.message !== undefined) set.message = patch.message;
    return this.#fenced(id, (h) =>
      withTransaction(h, async (tx) => {
        const row = await tx.db
          .updateTable('runs')
          .set(set)
          .where('id', '=', id)
          .where('phase', 'in', from)
          .returningAll()
          .executeTakeFirst();
        if (row === undefined) return undefined;
        if (isTerminalRunPhase(to))
          await tx.db.deleteFrom('mutexes').where('holder_run_id', '=', id).execute();
        return toRunRecord(row);
      }),
    );
  }

  /** Deletes a run with its nodes, attempts, artifact records and lineage. Returns false if absent. */
  async deleteRun(id: string): Promise<boolean> {
    const r = await this.#h.db.deleteFrom('runs').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Creates Pending nodes in one statement per 200. @throws STORE_CONFLICT on a duplicate node id. */
  async createNodes(runId: string, nodes: readonly NewNode[]): Promise<NodeRecord[]> {
    const now = this.#h.clock.now();
    const rows = nodes.map((n) => ({
      run_id: runId,
      node_id: requireText(n.nodeId, 'nodeId'),
      task: requireText(n.task, 'task'),
      parent_node_id: n.parentNodeId ?? null,
      phase: 'Pending' as const,
      inputs: n.inputs === undefined ? null : toJson(n.inputs),
      created_at: now,
    }));
    return this.#fenced(runId, (h) =>
      withTransaction(h, async (tx) => {
        const out: NodeRecord[] = [];
        for (let i = 0; i < rows.length; i += 200) {
          const chunk = await tx.db
            .insertInto('nodes')
            .values(rows.slice(i, i + 200))
            .returningAll()
            .execute();
          out.push(...chunk.map(toNodeRecord));
        }
        return out;
      }),
    );
  }

  /** One node, or `undefined`. */
  async getNode(key: NodeKey): Promise<NodeRecord | undefined> {
    const row = await this.#h.db
      .selectFrom('nodes')
      .selectAll()
      .where('run_id', '=', key.runId)
      .where('node_id', '=', key.nodeId)
      .executeTakeFirst();
    return row && toNodeRecord(row);
  }

  /** The nodes of a run in creation order. */
  async listNodes(runId: string): Promise<NodeRecord[]> {
    const rows = await this.#h.db
      .selectFrom('nodes')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('created_at')
      .orderBy('node_id')
      .execute();
    return rows.map(toNodeRecord);
  }

  /**
   * Moves a node to `to` if it is in a legal predecessor phase, setting the patch's fields in the same
   * statement. Returns the updated node, or `undefined` when the guard failed.
   * @example await runs.transitionNode({ runId, nodeId: 'train' }, 'Cached', { cachedFrom: hit, outputs: hit.outputs });
   */
  async transitionNode(key: NodeKey, to: NodePhase, patch: NodePatch = {}): Promise<NodeRecord | undefined> {
    const from = nodePredecessors(to, patch.from);
    const now = this.#h.clock.now();
    const set: Updateable<NodesTable> = { phase: to };
    if (to === 'Running' || to === 'Cached') set.started_at = now;
    if (isTerminalNodePhase(to)) set.finished_at = now;
    if (patch.message !== undefined) set.message = patch.message;
    if (patch.inputs !== undefined) set.inputs = toJson(patch.inputs);
    if (patch.outputs !== undefined) set.outputs = toJson(patch.outputs);
    if (patch.cacheKey !== undefined) set.cache_key = patch.cacheKey;
    if (patch.cacheKeyParts !== undefined) set.cache_key_parts = toJson(patch.cacheKeyParts);
    if (patch.cachedFrom !== undefined) {
      set.cached_from_run_id = patch.cachedFrom.runId;
      set.cached_from_node_id = patch.cachedFrom.nodeId;
    }
    const row = await this.#fenced(key.runId, (h) =>
      h.db
        .updateTable('nodes')
        .set(set)
        .where('run_id', '=', key.runId)
        .where('node_id', '=', key.nodeId)
        .where('phase', 'in', from)
        .returningAll()
        .executeTakeFirst(),
    );
    return row && toNodeRecord(row);
  }

  /**
   * The newest Succeeded node with this cache key (never a Cached one, so hits point at the node that
   * really ran), or `undefined` on a miss.
   */
  async findCachedNode(
    cacheKey: string,
    options: { excludeRunId?: string } = {},
  ): Promise<NodeRecord | undefined> {
    let q = this.#h.db
      .selectFrom('nodes')
      .selectAll()
      .where('cache_key', '=', cacheKey)
      .where('phase', '=', 'Succeeded');
    if (options.excludeRunId !== undefined) q = q.where('run_id', '!=', options.excludeRunId);
    const row = await q.orderBy('finished_at', 'desc').limit(1).executeTakeFirst();
    return row && toNodeRecord(row);
  }

  /**
   * Starts the next attempt (numbered from 1) of a Running node.
   * @throws STORE_NOT_FOUND for an unknown node; STORE_PHASE_CONFLICT when the node is not Running or
   * an earlier attempt is still Running (the database also enforces one Running attempt per node).
   */
  async startAttempt(
    key: NodeKey,
    options: { pid?: number; executorGeneration?: number } = {},
  ): Promise<AttemptRecord> {
    return this.#fenced(key.runId, (h) =>
      withTransaction(h, async (tx) => {
        const node = await tx.db
          .selectFrom('nodes')
          .select('phase')
          .where('run_id', '=', key.runId)
          .where('node_id', '=', key.nodeId)
          .executeTakeFirst();
        if (node === undefined) {
          throw new StoreError('STORE_NOT_FOUND', `node ${key.nodeId} of run ${key.runId} does not exist`, {
            field: 'nodeId',
          });
        }
        if (node.phase !== 'Running') {
          throw new StoreError(
            'STORE_PHASE_CONFLICT',
            `node ${key.nodeId} of run ${key.runId} is ${node.phase}; move it to Running before starting an attempt`,
            { field: 'phase' },
          );
        }
        const previous = await tx.db
          .selectFrom('attempts')
          .select(['attempt', 'phase'])
          .where('run_id', '=', key.runId)
          .where('node_id', '=', key.nodeId)
          .orderBy('attempt', 'desc')
          .limit(1)
          .executeTakeFirst();
        if (previous?.phase === 'Running') {
          throw new StoreError(
            'STORE_PHASE_CONFLICT',
            `attempt ${previous.attempt} of node ${key.nodeId} is still Running; finish it first`,
            { field: 'attempt' },
          );
        }
        const now = tx.clock.now();
        const row = await tx.db
          .insertInto('attempts')
          .values({
            run_id: key.runId,
            node_id: key.nodeId,
            attempt: (previous?.attempt ?? 0) + 1,
            phase: 'Running',
            pid: options.pid ?? null,
            executor_generation: options.executorGeneration ?? null,
            started_at: now,
            heartbeat_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toAttemptRecord(row);
      }),
    );
  }

  /**
   * Records that a Running attempt is alive (and its pid once known). Returns false when the attempt
   * is no longer Running — e.g. a restarted executor declared it an orphan — and the caller must
   * then kill the step rather than let two copies run.
   */
  async heartbeatAttempt(key: AttemptKey, options: { pid?: number } = {}): Promise<boolean> {
    const set: Updateable<AttemptsTable> = { heartbeat_at: this.#h.clock.now() };
    if (options.pid !== undefined) set.pid = options.pid;
    const r = await this.#fenced(key.runId, (h) =>
      h.db
        .updateTable('attempts')
        .set(set)
        .where('run_id', '=', key.runId)
        .where('node_id', '=', key.nodeId)
        .where('attempt', '=', key.attempt)
        .where('phase', '=', 'Running')
        .executeTakeFirst(),
    );
    return Number(r.numUpdatedRows) > 0;
  }

  /** Ends a Running attempt. Returns the attempt, or `undefined` when it was not Running any more. */
  async finishAttempt(key: AttemptKey, outcome: AttemptOutcome): Promise<AttemptRecord | undefined> {
    if (!['Succeeded', 'Failed', 'Error'].includes(outcome.phase)) {
      throw new StoreError(
        'STORE_PHASE_INVALID',
        `an attempt ends Succeeded, Failed or Error, not ${outcome.phase}`,
        {
          field: 'phase',
        },
      );
    }
    const row = await this.#fenced(key.runId, (h) =>
      h.db
        .updateTable('attempts')
        .set({
          phase: outcome.phase,
          finished_at: this.#h.clock.now(),
          exit_code: outcome.exitCode ?? null,
          signal: outcome.signal ?? null,
          error_code: outcome.errorCode ?? null,
          error_message: outcome.errorMessage ?? null,
        })
        .where('run_id', '=', key.runId)
        .where('node_id', '=', key.nodeId)
        .where('attempt', '=', key.attempt)
        .where('phase', '=', 'Running')
        .returningAll()
        .executeTakeFirst(),
    );
    return row && toAttemptRecord(row);
  }

  /** Attempts of a run (or of one node), in node then attempt order. */
  async listAttempts(runId: string, nodeId?: string): Promise<AttemptRecord[]> {
    let q = this.#h.db.selectFrom('attempts').selectAll().where('run_id', '=', runId);
    if (nodeId !== undefined) q = q.where('node_id', '=', nodeId);
    const rows = await q.orderBy('node_id').orderBy('attempt').execute();
    return rows.map(toAttemptRecord);
  }

  /**
   * Running attempts nobody is watching any more: their heartbeat is older than `heartbeatTimeoutMs`,
   * or the executor generation that launched them is stopped or itself silent for that long
   * (see {@link ExecutorStore}). A restarted executor fails these (finishAttempt … 'Error') and
   * retries per policy.
   */
  async findOrphanedAttempts(options: { heartbeatTimeoutMs: number }): Promise<AttemptRecord[]> {
    const cutoff = this.#h.clock.now() - requireInt(options.heartbeatTimeoutMs, 'heartbeatTimeoutMs', 1);
    const rows = await this.#h.db
      .selectFrom('attempts as a')
      .leftJoin('executors as e', 'e.generation', 'a.executor_generation')
      .selectAll('a')
      .where('a.phase', '=', 'Running')
      .where((eb) =>
        eb.or([
          eb('a.heartbeat_at', '<', cutoff),
          eb('e.stopped_at', 'is not', null),
          eb('e.heartbeat_at', '<', cutoff),
        ]),
      )
      .orderBy('a.started_at')
      .execute();
    return rows.map(toAttemptRecord);
  }

  async #withNodes(runs: RunRecord[]): Promise<RunDetail[]> {
    if (runs.length === 0) return [];
    const ids = runs.map((r) => r.id);
    const [nodeRows, attemptRows] = await Promise.all([
      this.#h.db
        .selectFrom('nodes')
        .selectAll()
        .where('run_id', 'in', ids)
        .orderBy('created_at')
        .orderBy('node_id')
        .execute(),
      this.#h.db.selectFrom('attempts').selectAll().where('run_id', 'in', ids).orderBy('attempt').execute(),
    ]);
    const byNode = new Map<string, NodeDetail>();
    const byRun = new Map<string, NodeDetail[]>(ids.map((id) => [id, []]));
    for (const row of nodeRows) {
      const node: NodeDetail = { ...toNodeRecord(row), attempts: [] };
      byNode.set(`${row.run_id}\u0000${row.node_id}`, node);
      byRun.get(row.run_id)?.push(node);
    }
    for (const row of attemptRows)
      byNode.get(`${row.run_id}\u0000${row.node_id}`)?.attempts.push(toAttemptRecord(row));
    return runs.map((r) => ({ ...r, nodes: byRun.get(r.id) ?? [] }));
  }
}
