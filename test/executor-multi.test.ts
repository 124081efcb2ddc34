import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { getRunDetail, submitRun } from '../src/pipeline/executor/index.js';
import { loadCatalog } from '../src/pipeline/runner/index.js';
import { type MetadataDb, openMetadataDb } from '../src/store/index.js';
import { probePostgres, TEST_POSTGRES_URL } from '../src/store/test-databases.js';
import { CLI, FIXTURES_URL, requireBuild, until } from './fixtures/pipelines/harness.js';

const pgUnreachable = await probePostgres();
const RUNS = 9;

/**
 * Executors on several hosts (issue 14): three real `bookml run executor` processes share one
 * PostgreSQL. Runs are claimed with leases; one executor is SIGKILLed while its steps run; the others
 * take its runs over. Every run ends Succeeded, every step succeeds exactly once, and the dead
 * executor's attempts are declared orphaned, never recorded as a second success.
 */
describe.skipIf(pgUnreachable !== undefined)(
  `three executors on one PostgreSQL ${pgUnreachable ?? ''}`,
  () => {
    const name = `bookml_exec_${process.pid}_${Math.floor(Math.random() * 1e9).toString(36)}`;
    const url = TEST_POSTGRES_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
    const children: ChildProcess[] = [];
    let dir: string;
    let db: MetadataDb | undefined;

    const admin = async (query: string) => {
      const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await c.connect();
      try {
        await c.query(query);
      } finally {
        await c.end();
      }
    };

    afterAll(async () => {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      await db?.close();
      await admin(`drop database if exists "${name}" with (force)`).catch(() => {});
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const executor = (home: string) => {
      const child = spawn(process.execPath, [CLI, '--home', home, 'run', 'executor', '--parallelism', '2'], {
        env: { ...process.env, BOOKML_PIPELINES: FIXTURES_URL, BOOKML_DATABASE_URL: url },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      children.push(child);
      let err = '';
      return new Promise<{ child: ChildProcess; generation: number }>((resolve, reject) => {
        child.stderr?.on('data', (d) => {
          err += d;
          const m = /executor generation (\d+) \(pid \d+\) started/.exec(err);
          if (m) resolve({ child, generation: Number(m[1]) });
        });
        child.once('exit', (code) => reject(new Error(`executor exited ${code}: ${err}`)));
      });
    };

    it('share the runs; a SIGKILLed one loses none of them and no step succeeds twice', async () => {
      requireBuild();
      await admin(`create database "${name}"`);
      dir = await mkdtemp(join(tmpdir(), 'bookml-multi-'));
      db = await openMetadataDb({ url, env: {} });
      const catalog = await loadCatalog(FIXTURES_URL);
      // Each executor has a workspace of its own (as on separate hosts); they share the database.
      const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((h) => executor(join(dir, h))));
      const ids: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        ids.push((await submitRun(db, catalog, { pipeline: 'crash', params: { ms: 400 + 50 * i } })).id);
      }
      // Kill the first executor seen running a step, while it runs it.
      const victim = await until(
        async () => {
          const runs = await Promise.all(ids.map((id) => getRunDetail(db as MetadataDb, id)));
          const running = runs
            .flatMap((r) => r.nodes.flatMap((n) => n.attempts))
            .find((x) => x.phase === 'Running');
          return [a, b, c].find((e) => e.generation === running?.executorGeneration);
        },
        'a running step',
        60_000,
      );
      victim.child.kill('SIGKILL');

      const runs = await until(
        async () => {
          const all = await Promise.all(ids.map((id) => getRunDetail(db as MetadataDb, id)));
          return all.every((r) => r.phase !== 'Pending' && r.phase !== 'Running') ? all : undefined;
        },
        'every run to end',
        240_000,
      );
      expect(runs.map((r) => r.phase)).toEqual(ids.map(() => 'Succeeded'));
      const winners = new Set<number | null>();
      let orphaned = 0;
      for (const r of runs) {
        for (const n of r.nodes.filter((x) => x.attempts.length > 0)) {
          const won = n.attempts.filter((x) => x.phase === 'Succeeded');
          expect(won, `${r.id}/${n.nodeId}`).toHaveLength(1);
          winners.add(won[0].executorGeneration);
          for (const x of n.attempts.filter((y) => y.executorGeneration === victim.generation)) {
            if (x.phase === 'Succeeded') continue;
            expect([x.phase, x.errorCode]).toEqual(['Error', 'STEP_ORPHANED']);
            orphaned++;
          }
        }
      }
      expect(orphaned).toBeGreaterThan(0);
      // The work was shared, and the survivors finished what the victim held.
      expect(winners.size).toBeGreaterThanOrEqual(2);
      for (const e of [a, b, c].filter((x) => x !== victim)) expect(e.child.exitCode).toBeNull();
    }, 300_000);
  },
);
