/**
 * One suite for every metadata database: SQLite (`metadata-db.sqlite.test.ts`) and PostgreSQL
 * (`metadata-db.postgres.test.ts`). Each test gets its own database (temp folder / fresh schema).
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import {
  type DbHandle,
  EventLog,
  ExecutorStore,
  fromJson,
  LineageStore,
  type MetadataDb,
  MutexStore,
  NODE_PHASES,
  RUN_PHASES,
  RunLeaseStore,
  RunStore,
  SCHEMA_VERSION,
  toJson,
} from './index.js';
import { MIGRATIONS } from './migrations/index.js';
import { spawnStoreChild } from './test-children.js';
import type { TestDatabase } from './test-databases.js';

// Schema versions may skip numbers (migrations are numbered as they are planned), so the number of
// applied migrations is the count of the history, not the newest version.
const MIGRATION_COUNT = Object.keys(MIGRATIONS).length;

/** Runs the metadata-DB contract against `createDb()`; `skip` names why this backend cannot run here. */
export function metadataDbContract(name: string, createDb: () => Promise<TestDatabase>, skip?: string): void {
  describe.skipIf(skip !== undefined)(skip === undefined ? name : `${name} — skipped: ${skip}`, () => {
    let t: TestDatabase;
    let mdb: MetadataDb;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock(1_700_000_000_000);
      t = await createDb();
      mdb = await t.open({ clock });
    });
    afterEach(async () => {
      await t.dispose();
    });

    // Races need two connections. PostgreSQL gets a second pool; SQLite keeps one connection per
    // process (better-sqlite3 waits for a lock synchronously, so two in one process would deadlock),
    // and its cross-process behaviour is covered by the child-process test.
    const secondConnection = async (): Promise<MetadataDb> =>
      t.dialect === 'postgres' ? t.open({ clock }) : mdb;

    describe('migrations', () => {
      it('opens at the latest schema version, and reopening migrates nothing', async () => {
        expect(mdb.schemaVersion).toBe(SCHEMA_VERSION);
        const again = await t.open({ clock });
        expect(again.schemaVersion).toBe(SCHEMA_VERSION);
        const { rows } = await sql<{ n: number }>`select count(*) as n from bookml_migration`.execute(mdb.db);
        expect(Number(rows[0]?.n)).toBe(MIGRATION_COUNT);
      });

      it('refuses a database migrated by a newer bookml, naming both versions', async () => {
        await sql`insert into bookml_migration (name, timestamp) values ('0999-from-the-future', '2030-01-01T00:00:00.000Z')`.execute(
          mdb.db,
        );
        const err = await t.open({ clock }).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'STORE_SCHEMA_TOO_NEW', retryable: false });
        expect(String((err as Error).message)).toMatch(
          new RegExp(`version 999 .*\\(${SCHEMA_VERSION}\\); upgrade bookml`),
        );
      });

      it('two processes migrating the same empty database at once both succeed, once', async () => {
        const fresh = await createDbForProcesses(t);
        try {
          // Both children load the store first, then open at the same instant, so the migrations overlap.
          const body = [
            `await new Promise((r) => setTimeout(r, args.startAt - Date.now()));`,
            `const m = await store.openMetadataDb(args.options);`,
            `console.log('version', m.schemaVersion);`,
            `await m.close();`,
          ].join('\n');
          const startAt = Date.now() + 4000;
          const children = await Promise.all(
            [1, 2].map(() => spawnStoreChild(body, { options: fresh.options, startAt })),
          );
          const exits = await Promise.all(children.map((c) => c.exit));
          for (const e of exits) expect(e, e.stderr).toMatchObject({ code: 0 });
          for (const e of exits) expect(e.stdout).toContain(`version ${SCHEMA_VERSION}`);
          const check = await fresh.t.open();
          const { rows } = await sql<{ n: number }>`select count(*) as n from bookml_migration`.execute(
            check.db,
          );
          expect(Number(rows[0]?.n)).toBe(MIGRATION_COUNT);
        } finally {
          await fresh.t.dispose();
        }
      }, 60_000);

      it('the database accepts exactly the phases the code knows', async () => {
        const runs = new RunStore(mdb);
        for (const phase of RUN_PHASES) {
          await mdb.db
            .insertInto('runs')
            .values({
              id: `r-${phase}`,
              pipeline: 'p',
              phase,
              parameters: toJson({}),
              labels: toJson({}),
              created_at: 1,
            })
            .execute();
        }
        const run = await runs.createRun({ pipeline: 'p' });
        await runs.createNodes(
          run.id,
          NODE_PHASES.map((p) => ({ nodeId: p, task: 't' })),
        );
        for (const phase of NODE_PHASES) {
          await mdb.db.updateTable('nodes').set({ phase }).where('node_id', '=', phase).execute();
        }
        const bad = await mdb.db
          .insertInto('runs')
          .values({
            id: 'bad',
            pipeline: 'p',
            phase: 'Paused' as never,
            parameters: toJson({}),
            labels: toJson({}),
            created_at: 1,
          })
          .execute()
          .catch((e: unknown) => e);
        expect(bad).toMatchObject({ code: 'STORE_CONSTRAINT_VIOLATION', retryable: false });
      });
    });

    describe('query layer', () => {
      it('round-trips JSON exactly (key order, nesting, unicode) and returns epoch ms as numbers', async () => {
        const parameters = { zeta: 1, alpha: { b: [1, 'x', null, true], a: 2.5 }, ключ: '書' };
        const run = await new RunStore(mdb).createRun({ pipeline: 'p', parameters });
        const row = await mdb.db
          .selectFrom('runs')
          .selectAll()
          .where('id', '=', run.id)
          .executeTakeFirstOrThrow();
        expect(typeof row.parameters).toBe('string');
        expect(Object.keys(fromJson(row.parameters))).toEqual(['zeta', 'alpha', 'ключ']);
        expect(fromJson(row.parameters)).toEqual(parameters);
        expect(row.created_at).toBe(1_700_000_000_000);
        expect(typeof row.created_at).toBe('number');
      });

      it('maps driver errors to codes that name the column', async () => {
        const runs = new RunStore(mdb);
        await runs.createRun({ pipeline: 'p', id: 'same' });
        await expect(runs.createRun({ pipeline: 'p', id: 'same' })).rejects.toMatchObject({
          code: 'STORE_CONFLICT',
          field: 'id',
          status: 409,
        });
        await expect(runs.createNodes('no-such-run', [{ nodeId: 'a', task: 't' }])).rejects.toMatchObject({
          code: 'STORE_REFERENCE_VIOLATION',
        });
      });

      it('a failed transaction leaves nothing behind', async () => {
        const err = await mdb
          .transaction(async (tx) => {
            const run = await new RunStore(tx).createRun({ pipeline: 'p', id: 'doomed' });
            await new RunStore(tx).createNodes(run.id, [{ nodeId: 'a', task: 't' }]);
            throw new Error('boom');
          })
          .catch((e: unknown) => e);
        expect(err).toMatchObject({ message: 'boom' });
        expect(await new RunStore(mdb).getRun('doomed')).toBeUndefined();
        expect(await mdb.db.selectFrom('nodes').selectAll().execute()).toEqual([]);
      });
    });

    describe('RunStore', () => {
      let runs: RunStore;
      beforeEach(() => {
        runs = new RunStore(mdb);
      });

      it('creates Pending runs with defaults and lists them newest first', async () => {
        const a = await runs.createRun({
          pipeline: 'recommender',
          parameters: { k: 20 },
          submittedBy: 'alice',
        });
        clock.advance(10);
        const b = await runs.createRun({ pipeline: 'recommender', labels: { trigger: 'cron' } });
        clock.advance(10);
        await runs.createRun({ pipeline: 'other' });
        expect(a).toMatchObject({
          pipeline: 'recommender',
          phase: 'Pending',
          parameters: { k: 20 },
          labels: {},
          createdAt: 1_700_000_000_000,
          startedAt: null,
          finishedAt: null,
          submittedBy: 'alice',
        });
        expect(a.id).toMatch(/^recommender-[0-9a-z]{10}$/);
        const listed = await runs.listRuns({ pipeline: 'recommender' });
        expect(listed.map((r) => r.id)).toEqual([b.id, a.id]);
        expect(await runs.listRuns({ limit: 1 })).toHaveLength(1);
        expect(await runs.listRuns({ phase: ['Running'] })).toEqual([]);
      });

      it('refuses a second run with the same idempotency key', async () => {
        await runs.createRun({ pipeline: 'p', idempotencyKey: 'webhook:42' });
        await expect(runs.createRun({ pipeline: 'p', idempotencyKey: 'webhook:42' })).rejects.toMatchObject({
          code: 'STORE_CONFLICT',
          field: 'idempotency_key',
        });
        expect(await runs.getRunByIdempotencyKey('webhook:42')).toMatchObject({ pipeline: 'p' });
      });

      it('guards run transitions in SQL and stamps times', async () => {
        const run = await runs.createRun({ pipeline: 'p' });
        clock.advance(5);
        expect(await runs.transitionRun(run.id, 'Running')).toMatchObject({
          phase: 'Running',
          startedAt: clock.now(),
        });
        expect(await runs.transitionRun(run.id, 'Running')).toBeUndefined();
        clock.advance(5);
        const done = await runs.transitionRun(run.id, 'Succeeded', { message: 'ok' });
        expect(done).toMatchObject({ phase: 'Succeeded', finishedAt: clock.now(), message: 'ok' });
        expect(await runs.transitionRun(run.id, 'Failed')).toBeUndefined();
        await expect(runs.transitionRun(run.id, 'Pending')).rejects.toMatchObject({
          code: 'STORE_PHASE_INVALID',
        });
        await expect(runs.transitionRun(run.id, 'Succeeded', { from: ['Pending'] })).rejects.toMatchObject({
          code: 'STORE_PHASE_INVALID',
          field: 'from',
        });
      });

      it('lets exactly one of two racing transitions win', async () => {
        const run = await runs.createRun({ pipeline: 'p' });
        await runs.transitionRun(run.id, 'Running');
        const results = await Promise.all([
          runs.transitionRun(run.id, 'Succeeded'),
          new RunStore(await secondConnection()).transitionRun(run.id, 'Failed', { message: 'terminated' }),
        ]);
        expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      });

      it('gets a run with its nodes, fan-out children and attempts', async () => {
        const run = await runs.createRun({ pipeline: 'p' });
        await runs.createNodes(run.id, [
          { nodeId: 'ingest', task: 'ingest' },
          { nodeId: 'train', task: 'train', inputs: { grid: [10, 20] } },
        ]);
        clock.advance(1);
        await runs.createNodes(run.id, [
          { nodeId: 'train(0)', task: 'train', parentNodeId: 'train', inputs: { k: 10 } },
          { nodeId: 'train(1)', task: 'train', parentNodeId: 'train', inputs: { k: 20 } },
        ]);
        await expect(
          runs.createNodes(run.id, [{ nodeId: 'orphan', task: 't', parentNodeId: 'nope' }]),
        ).rejects.toMatchObject({ code: 'STORE_REFERENCE_VIOLATION' });
        await runs.transitionNode({ runId: run.id, nodeId: 'ingest' }, 'Running');
        await runs.startAttempt({ runId: run.id, nodeId: 'ingest' }, { pid: 4242 });
        const got = await runs.getRun(run.id);
        expect(got?.nodes.map((n) => [n.nodeId, n.parentNodeId, n.phase])).toEqual([
          ['ingest', null, 'Running'],
          ['train', null, 'Pending'],
          ['train(0)', 'train', 'Pending'],
          ['train(1)', 'train', 'Pending'],
        ]);
        expect(got?.nodes[0]?.attempts).toMatchObject([{ attempt: 1, phase: 'Running', pid: 4242 }]);
        expect(got?.nodes[2]?.inputs).toEqual({ k: 10 });
        const listed = await runs.listRuns({ includeNodes: true });
        expect(listed[0]?.nodes).toHaveLength(4);
        expect(await runs.getRun('missing')).toBeUndefined();
      });

      it('guards node transitions and records cache hits that point at their source', async () => {
        const first = await runs.createRun({ pipeline: 'p' });
        await runs.createNodes(first.id, [{ nodeId: 'train', task: 'train' }]);
        const key = { runId: first.id, nodeId: 'train' };
        await runs.transitionNode(key, 'Running', { cacheKey: 'ck1', cacheKeyParts: { code: 'abc', k: 20 } });
        clock.advance(3);
        const ok = await runs.transitionNode(key, 'Succeeded', { outputs: { model: 'sha' } });
        expect(ok).toMatchObject({ phase: 'Succeeded', finishedAt: clock.now(), cacheKey: 'ck1' });
        expect(await runs.transitionNode(key, 'Failed')).toBeUndefined();

        const second = await runs.createRun({ pipeline: 'p' });
        await runs.createNodes(second.id, [{ nodeId: 'train', task: 'train' }]);
        const hit = await runs.findCachedNode('ck1', { excludeRunId: second.id });
        expect(hit).toMatchObject({
          runId: first.id,
          nodeId: 'train',
          cacheKeyParts: { code: 'abc', k: 20 },
        });
        const cached = await runs.transitionNode({ runId: second.id, nodeId: 'train' }, 'Cached', {
          cacheKey: 'ck1',
          cachedFrom: { runId: first.id, nodeId: 'train' },
          outputs: hit?.outputs ?? {},
        });
        expect(cached).toMatchObject({ phase: 'Cached', cachedFrom: { runId: first.id, nodeId: 'train' } });
        // The hit is still the node that really ran, never the Cached copy.
        expect(await runs.findCachedNode('ck1')).toMatchObject({ runId: first.id });
        expect(await runs.findCachedNode('ck1', { excludeRunId: first.id })).toBeUndefined();
        expect(await runs.findCachedNode('other')).toBeUndefined();
      });

      it('numbers attempts, allows one Running attempt per node, and fences heartbeats', async () => {
        const run = await runs.createRun({ pipeline: 'p' });
        await runs.createNodes(run.id, [{ nodeId: 'n', task: 't' }]);
        const node = { runId: run.id, nodeId: 'n' };
        await expect(runs.startAttempt(node)).rejects.toMatchObject({ code: 'STORE_PHASE_CONFLICT' });
        await expect(runs.startAttempt({ runId: run.id, nodeId: 'x' })).rejects.toMatchObject({
          code: 'STORE_NOT_FOUND',
        });
        await runs.transitionNode(node, 'Running');
        const a1 = await runs.startAttempt(node);
        expect(a1).toMatchObject({
          attempt: 1,
          phase: 'Running',
          startedAt: clock.now(),
          heartbeatAt: clock.now(),
        });
        await expect(runs.startAttempt(node)).rejects.toMatchObject({ code: 'STORE_PHASE_CONFLICT' });
        clock.advance(100);
        expect(await runs.heartbeatAttempt(a1, { pid: 77 })).toBe(true);
        const failed = await runs.finishAttempt(a1, {
          phase: 'Failed',
          exitCode: 1,
          errorCode: 'DATA_BAD_ROW',
        });
        expect(failed).toMatchObject({ phase: 'Failed', exitCode: 1, pid: 77, heartbeatAt: clock.now() });
        expect(await runs.heartbeatAttempt(a1)).toBe(false);
        expect(await runs.finishAttempt(a1, { phase: 'Succeeded' })).toBeUndefined();
        const a2 = await runs.startAttempt(node);
        expect(a2.attempt).toBe(2);
        // The database itself refuses a second Running attempt, whatever the caller checked.
        await expect(
          mdb.db
            .insertInto('attempts')
            .values({
              run_id: run.id,
              node_id: 'n',
              attempt: 3,
              phase: 'Running',
              started_at: 0,
              heartbeat_at: 0,
            })
            .execute(),
        ).rejects.toMatchObject({ code: 'STORE_CONFLICT' });
        expect((await runs.listAttempts(run.id)).map((a) => [a.attempt, a.phase])).toEqual([
          [1, 'Failed'],
          [2, 'Running'],
        ]);
      });

      it('finds orphaned attempts by stale heartbeat or gone executor generation', async () => {
        const executors = new ExecutorStore(mdb);
        const old = await executors.register({ pid: 1001, hostname: 'h1' });
        const live = await executors.register({ pid: 1002, hostname: 'h1' });
        expect(live.generation).toBeGreaterThan(old.generation);
        const run = await runs.createRun({ pipeline: 'p' });
        await runs.createNodes(run.id, [
          { nodeId: 'a', task: 't' },
          { nodeId: 'b', task: 't' },
          { nodeId: 'c', task: 't' },
        ]);
        for (const nodeId of ['a', 'b', 'c']) await runs.transitionNode({ runId: run.id, nodeId }, 'Running');
        const a = await runs.startAttempt(
          { runId: run.id, nodeId: 'a' },
          { executorGeneration: old.generation },
        );
        await runs.startAttempt({ runId: run.id, nodeId: 'b' }, { executorGeneration: live.generation });
        const c = await runs.startAttempt({ runId: run.id, nodeId: 'c' });
        expect(await runs.findOrphanedAttempts({ heartbeatTimeoutMs: 30_000 })).toEqual([]);

        // The restarted executor finds generation `old` dead on this host: its attempts are orphans at once.
        expect(await executors.reapDead('h1', (pid) => pid === 1002, live.generation)).toEqual([
          old.generation,
        ]);
        expect(
          (await runs.findOrphanedAttempts({ heartbeatTimeoutMs: 30_000 })).map((x) => x.nodeId),
        ).toEqual(['a']);
        expect(await executors.heartbeat(old.generation)).toBe(false);

        // Silence: everything whose heartbeat is older than the timeout.
        clock.advance(20_000);
        await runs.heartbeatAttempt({ ...c, attempt: 1 });
        await executors.heartbeat(live.generation);
        clock.advance(20_000);
        expect(
          (await runs.findOrphanedAttempts({ heartbeatTimeoutMs: 30_000 })).map((x) => x.nodeId),
        ).toEqual(['a', 'b']);
        await runs.finishAttempt(a, { phase: 'Error', errorCode: 'STEP_ORPHANED' });
        expect(
          (await runs.findOrphanedAttempts({ heartbeatTimeoutMs: 30_000 })).map((x) => x.nodeId),
        ).toEqual(['b']);
        expect((await executors.list({ live: true })).map((e) => e.generation)).toEqual([live.generation]);
      });

      it('deletes a run with everything under it, unless a model version still needs it', async () => {
        const run = await runs.createRun({ pipeline: 'p' });
        await runs.createNodes(run.id, [{ nodeId: 'n', task: 't' }]);
        await runs.transitionNode({ runId: run.id, nodeId: 'n' }, 'Running');
        await runs.startAttempt({ runId: run.id, nodeId: 'n' });
        await new LineageStore(mdb).addEdges([
          { runId: run.id, nodeId: 'n', relation: 'input', kind: 'dataset', ref: 'd1' },
        ]);
        expect(await runs.deleteRun(run.id)).toBe(true);
        expect(await runs.deleteRun(run.id)).toBe(false);
        expect(await mdb.db.selectFrom('attempts').selectAll().execute()).toEqual([]);
        expect(await mdb.db.selectFrom('lineage_edges').selectAll().execute()).toEqual([]);

        const kept = await runs.createRun({ pipeline: 'p' });
        await insertModelVersion(mdb, 'recommender', 1, kept.id);
        await expect(runs.deleteRun(kept.id)).rejects.toMatchObject({ code: 'STORE_REFERENCE_VIOLATION' });
      });
    });

    describe('RunLeaseStore', () => {
      const active = async (n: number) => {
        const runs = new RunStore(mdb);
        const ids: string[] = [];
        for (let i = 0; i < n; i++) {
          ids.push((await runs.createRun({ pipeline: 'p' })).id);
          clock.advance(1);
        }
        return ids;
      };

      it('claims up to the limit, oldest first; a lease that ran out or a stopped owner frees the run', async () => {
        const ids = await active(3);
        const executors = new ExecutorStore(mdb);
        const a = (await executors.register({ pid: 1, hostname: 'h' })).generation;
        const b = (await executors.register({ pid: 2, hostname: 'h' })).generation;
        const leases = new RunLeaseStore(mdb);
        expect(await leases.claim(a, { leaseMs: 1000, limit: 2 })).toEqual(ids.slice(0, 2));
        expect(await leases.claim(b, { leaseMs: 1000, limit: 5 })).toEqual([ids[2]]);
        expect(await leases.claimable(b)).toBe(1);
        clock.advance(1001);
        expect(await leases.renew(b, 1000)).toEqual([ids[2]]);
        expect(await leases.claim(b, { leaseMs: 1000, limit: 1 })).toEqual([ids[0], ids[2]]);
        await executors.markStopped(b);
        expect(await leases.claim(a, { leaseMs: 1000, limit: 5 })).toEqual(ids);
        expect((await leases.owner(ids[2]))?.generation).toBe(a);
      });

      it('fences a store opened for a generation that lost the run: its writes are refused, whole', async () => {
        const [id] = await active(1);
        const leases = new RunLeaseStore(mdb);
        await leases.claim(1, { leaseMs: 1000, limit: 1 });
        const mine = new RunStore(mdb, { fence: () => 1 });
        const stale = new RunStore(mdb, { fence: () => 2 });
        await mine.createNodes(id, [{ nodeId: 'n', task: 'n' }]);
        expect(await mine.transitionRun(id, 'Running')).toBeDefined();
        await expect(stale.transitionNode({ runId: id, nodeId: 'n' }, 'Running')).rejects.toMatchObject({
          code: 'STORE_FENCED',
        });
        await expect(stale.createNodes(id, [{ nodeId: 'm', task: 'm' }])).rejects.toMatchObject({
          code: 'STORE_FENCED',
        });
        expect((await mine.listNodes(id)).map((n) => [n.nodeId, n.phase])).toEqual([['n', 'Pending']]);
        expect(await mine.transitionNode({ runId: id, nodeId: 'n' }, 'Running')).toBeDefined();
      });
    });

    describe('MutexStore', () => {
      it('is held by one run at a time, re-entrant, and released by its holder only', async () => {
        const runs = new RunStore(mdb);
        const mutexes = new MutexStore(mdb);
        const a = await runs.createRun({ pipeline: 'p', mutex: 'promote' });
        const b = await runs.createRun({ pipeline: 'p', mutex: 'promote' });
        expect(await mutexes.acquire('promote', a.id)).toEqual({ acquired: true });
        expect(await mutexes.acquire('promote', a.id)).toEqual({ acquired: true });
        expect(await mutexes.acquire('promote', b.id)).toMatchObject({
          acquired: false,
          holder: { name: 'promote', holderRunId: a.id, acquiredAt: clock.now() },
        });
        expect(await mutexes.release('promote', b.id)).toBe(false);
        expect(await mutexes.release('promote', a.id)).toBe(true);
        expect(await mutexes.acquire('promote', b.id)).toEqual({ acquired: true });
        expect(await mutexes.list()).toMatchObject([{ name: 'promote', holderRunId: b.id }]);
        expect(await mutexes.releaseAll(b.id)).toBe(1);
        expect(await mutexes.holder('promote')).toBeUndefined();
      });

      it('is released when its run ends, and taken over when its holder ended without releasing', async () => {
        const runs = new RunStore(mdb);
        const mutexes = new MutexStore(mdb);
        const a = await runs.createRun({ pipeline: 'p' });
        const b = await runs.createRun({ pipeline: 'p' });
        await mutexes.acquire('m', a.id);
        await runs.transitionRun(a.id, 'Running');
        await runs.transitionRun(a.id, 'Succeeded');
        expect(await mutexes.holder('m')).toBeUndefined();

        await mutexes.acquire('m', b.id);
        // A crash between "run finished" and "mutex released": simulate by finishing b behind the store's back.
        await mdb.db.updateTable('runs').set({ phase: 'Error' }).where('id', '=', b.id).execute();
        const c = await runs.createRun({ pipeline: 'p' });
        expect(await mutexes.acquire('m', c.id)).toEqual({ acquired: true });
      });

      it('gives a contended mutex to exactly one of many racing runs', async () => {
        const runs = new RunStore(mdb);
        const ids: string[] = [];
        for (let i = 0; i < 6; i++) ids.push((await runs.createRun({ pipeline: 'p' })).id);
        const other = await secondConnection();
        const results = await Promise.all(
          ids.map((id, i) => new MutexStore(i % 2 ? other : mdb).acquire('hot', id)),
        );
        expect(results.filter((r) => r.acquired)).toHaveLength(1);
      });
    });

    describe('EventLog', () => {
      it('appends with growing ids, reads from an offset, filters topics', async () => {
        const log = new EventLog(mdb);
        const e1 = await log.append('dataset.ready', { uri: 'file:///d.csv' });
        const e2 = await log.append('drift.detected', { ks: 0.3 });
        const e3 = await log.append('dataset.ready', { uri: 'file:///e.csv' });
        expect(e1).toMatchObject({
          topic: 'dataset.ready',
          payload: { uri: 'file:///d.csv' },
          createdAt: clock.now(),
        });
        expect(e2.id).toBeGreaterThan(e1.id);
        expect(e3.id).toBeGreaterThan(e2.id);
        expect((await log.read()).map((e) => e.id)).toEqual([e1.id, e2.id, e3.id]);
        expect((await log.read({ after: e1.id })).map((e) => e.id)).toEqual([e2.id, e3.id]);
        expect((await log.read({ topics: ['dataset.ready'] })).map((e) => e.id)).toEqual([e1.id, e3.id]);
        expect(await log.read({ topics: [] })).toEqual([]);
        expect(await log.read({ limit: 1 })).toHaveLength(1);
        expect(await log.latestId()).toBe(e3.id);
      });

      it('acks per consumer, and offsets never move back', async () => {
        const log = new EventLog(mdb);
        const ids = [];
        for (let i = 0; i < 3; i++) ids.push((await log.append('t', { i })).id);
        expect(await log.ackedId('sensor')).toBe(0);
        expect(await log.ack('sensor', ids[1] ?? 0)).toBe(ids[1]);
        expect(await log.ack('sensor', ids[0] ?? 0)).toBe(ids[1]);
        expect((await log.readFor('sensor')).map((e) => e.payload)).toEqual([{ i: 2 }]);
        expect((await log.readFor('monitor')).map((e) => e.payload)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
      });

      it('appends a deduplicated event once', async () => {
        const log = new EventLog(mdb);
        const a = await log.append('webhook', { n: 1 }, { dedupeKey: 'delivery-9' });
        const b = await log.append('webhook', { n: 2 }, { dedupeKey: 'delivery-9' });
        expect(b).toEqual(a);
        expect(await log.read()).toHaveLength(1);
      });

      it('makes an append wait for an earlier uncommitted one, so ids commit in order', async () => {
        const other = await secondConnection();
        let release: () => void = () => {};
        const gate = new Promise<void>((r) => {
          release = r;
        });
        let firstId = 0;
        const first = mdb.transaction(async (tx) => {
          firstId = (await new EventLog(tx).append('t', { n: 1 })).id;
          await gate;
        });
        while (firstId === 0) await new Promise((r) => setTimeout(r, 5));
        let secondId = 0;
        const second = new EventLog(other).append('t', { n: 2 }).then((e) => {
          secondId = e.id;
        });
        await new Promise((r) => setTimeout(r, 200));
        const secondBeforeCommit = secondId;
        release();
        await Promise.all([first, second]);
        expect(secondBeforeCommit).toBe(0);
        expect(secondId).toBeGreaterThan(firstId);
      });

      it('gives concurrent appends distinct ids, all readable', async () => {
        const other = await secondConnection();
        const appended = await Promise.all(
          Array.from({ length: 20 }, (_, i) => new EventLog(i % 2 ? other : mdb).append('t', { i })),
        );
        const read = await new EventLog(mdb).read({ limit: 100 });
        expect(read).toHaveLength(20);
        expect(new Set(appended.map((e) => e.id)).size).toBe(20);
        expect(read.map((e) => e.id)).toEqual([...read.map((e) => e.id)].sort((x, y) => x - y));
      });
    });

    describe('LineageStore', () => {
      it('records datasets, artifacts and edges, and walks them both ways', async () => {
        const lineage = new LineageStore(mdb);
        const runs = new RunStore(mdb);
        const run = await runs.createRun({ pipeline: 'p' });
        await runs.createNodes(run.id, [{ nodeId: 'train', task: 'train' }]);
        const ds = await lineage.putDataset({
          hash: 'd'.repeat(64),
          uri: 'file:///a.csv',
          manifest: { rows: 3 },
        });
        const again = await lineage.putDataset({
          hash: 'd'.repeat(64),
          uri: 'file:///other.csv',
          manifest: {},
        });
        expect(again).toEqual(ds);
        expect(ds).toMatchObject({ uri: 'file:///a.csv', manifest: { rows: 3 }, createdAt: clock.now() });
        const art = await lineage.recordArtifact({
          sha256: 'a'.repeat(64),
          size: 12,
          uri: 'file:///x',
          kind: 'dir',
          runId: run.id,
          nodeId: 'train',
          name: 'model',
        });
        expect(art).toMatchObject({
          kind: 'dir',
          runId: run.id,
          nodeId: 'train',
          name: 'model',
          mediaType: null,
        });
        await expect(
          lineage.recordArtifact({
            sha256: 'b'.repeat(64),
            size: 1,
            uri: 'u',
            kind: 'file',
            runId: run.id,
            nodeId: 'x',
          }),
        ).rejects.toMatchObject({ code: 'STORE_REFERENCE_VIOLATION' });
        await lineage.addEdges([
          { runId: run.id, nodeId: 'train', relation: 'input', kind: 'dataset', ref: ds.hash, uri: ds.uri },
          {
            runId: run.id,
            nodeId: 'train',
            relation: 'output',
            kind: 'artifact',
            ref: art.sha256,
            name: 'model',
          },
        ]);
        expect((await lineage.edgesOf(run.id)).map((e) => e.relation)).toEqual(['input', 'output']);
        expect(await lineage.edgesTo('dataset', ds.hash)).toMatchObject([
          { runId: run.id, uri: 'file:///a.csv' },
        ]);
        expect(await lineage.findArtifacts({ sha256: art.sha256 })).toEqual([art]);
      });
    });

    describe('registry and tracking tables', () => {
      it('keep aliases on existing versions, cascade renames and version deletes, keep the audit trail', async () => {
        const run = await new RunStore(mdb).createRun({ pipeline: 'recommender' });
        await insertModelVersion(mdb, 'recommender', 1, run.id);
        await insertModelVersion(mdb, 'recommender', 2, run.id);
        const now = clock.now();
        await mdb.db
          .insertInto('model_aliases')
          .values({ model_name: 'recommender', alias: 'production', version: 1, updated_at: now })
          .execute();
        await expect(
          mdb.db
            .insertInto('model_aliases')
            .values({ model_name: 'recommender', alias: 'staging', version: 9, updated_at: now })
            .execute(),
        ).rejects.toMatchObject({ code: 'STORE_REFERENCE_VIOLATION' });
        await mdb.db
          .insertInto('approvals')
          .values({
            model_name: 'recommender',
            version: 2,
            alias: 'production',
            status: 'pending',
            requested_at: now,
          })
          .execute();
        await mdb.db
          .insertInto('alias_events')
          .values({
            model_name: 'recommender',
            alias: 'production',
            action: 'set',
            from_version: null,
            to_version: 1,
            actor: 'alice',
            gate_results: toJson([{ gate: 'ndcg', pass: true }]),
            created_at: now,
          })
          .execute();
        await mdb.db.updateTable('models').set({ name: 'recs' }).where('name', '=', 'recommender').execute();
        expect(await mdb.db.selectFrom('model_aliases').select(['model_name', 'version']).execute()).toEqual([
          { model_name: 'recs', version: 1 },
        ]);
        await mdb.db
          .deleteFrom('model_versions')
          .where('model_name', '=', 'recs')
          .where('version', '=', 1)
          .execute();
        expect(await mdb.db.selectFrom('model_aliases').selectAll().execute()).toEqual([]);
        await mdb.db.deleteFrom('models').where('name', '=', 'recs').execute();
        expect(await mdb.db.selectFrom('approvals').selectAll().execute()).toEqual([]);
        expect(await mdb.db.selectFrom('alias_events').select('actor').execute()).toEqual([
          { actor: 'alice' },
        ]);
      });

      it('store MLflow experiments, runs, params, metrics (doubles) and tags', async () => {
        const exp = await mdb.db
          .insertInto('experiments')
          .values({
            name: 'books',
            lifecycle_stage: 'active',
            tags: toJson({}),
            created_at: 1,
            updated_at: 1,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        expect(typeof exp.id).toBe('number');
        await mdb.db
          .insertInto('tracking_runs')
          .values({
            id: 'r1',
            experiment_id: exp.id,
            status: 'RUNNING',
            start_time: 5,
            lifecycle_stage: 'active',
          })
          .execute();
        await mdb.db.insertInto('tracking_params').values({ run_id: 'r1', key: 'k', value: '50' }).execute();
        await expect(
          mdb.db.insertInto('tracking_params').values({ run_id: 'r1', key: 'k', value: '60' }).execute(),
        ).rejects.toMatchObject({ code: 'STORE_CONFLICT', field: 'run_id,key' });
        await mdb.db
          .insertInto('tracking_metrics')
          .values({ run_id: 'r1', key: 'ndcg', value: 0.3141592653589793, timestamp: 7, step: 2 })
          .execute();
        const m = await mdb.db.selectFrom('tracking_metrics').selectAll().executeTakeFirstOrThrow();
        expect(m).toMatchObject({ value: 0.3141592653589793, timestamp: 7, step: 2 });
      });
    });
  });
}

async function insertModelVersion(h: DbHandle, model: string, version: number, runId: string): Promise<void> {
  const now = h.clock.now();
  await h.db
    .insertInto('models')
    .values({ name: model, tags: toJson({}), policy: toJson({}), created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  await h.db
    .insertInto('model_versions')
    .values({
      model_name: model,
      version,
      status: 'READY',
      artifact_uri: 'file:///m',
      artifact_sha256: 'f'.repeat(64),
      source_run_id: runId,
      metrics: toJson({ 'ndcg@10': 0.3 }),
      params: toJson({}),
      tags: toJson({}),
      lineage: toJson({}),
      created_at: now,
      updated_at: now,
    })
    .execute();
}

// A second, never-opened database of the same kind, plus the options a child process passes to
// openMetadataDb to reach it.
async function createDbForProcesses(
  t: TestDatabase,
): Promise<{ t: TestDatabase; options: { url: string; schema?: string; env: Record<string, string> } }> {
  const { createTestDatabase } = await import('./test-databases.js');
  const fresh = await createTestDatabase(t.dialect);
  return {
    t: fresh,
    options:
      fresh.schema === undefined
        ? { url: fresh.url, env: {} }
        : { url: fresh.url, schema: fresh.schema, env: {} },
  };
}
