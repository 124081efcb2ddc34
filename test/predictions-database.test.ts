/**
 * The prediction log in the metadata database (`BOOKML_PREDICTIONS=database`), as on a cluster: a
 * `bookml serve` process answers requests and inserts its log into the database; a `bookml monitor`
 * process with another workspace (no shared folder, as two pods) reads the rows and its drift windows
 * fill. On real PostgreSQL (skipped with the reason when it is down) and on one SQLite file shared by
 * the two processes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import type { DriftStatus } from '../src/monitor/index.js';
import { type Actor, Registry } from '../src/registry/index.js';
import { openArtifactStore, PredictionTable, resolveWorkspace } from '../src/store/index.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../src/store/test-databases.js';
import { bookmlBin, hasBuiltBin } from './fixtures/cli.js';
import { tempDir, writeModel } from './serve-fixture.js';

const pgDown = await probePostgres();
const children: ChildProcess[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(
    children.map((c) => {
      if (c.exitCode !== null || c.signalCode !== null) return undefined;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      return exited;
    }),
  );
  await Promise.all(databases.map((d) => d.dispose()));
});

/** A PostgreSQL URL whose connections use the test's own schema. */
function urlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** Start `bookml <args> --json` and resolve its first stdout line, parsed. */
function start(args: string[], env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const c = spawn(process.execPath, [bookmlBin, ...args, '--json'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(c);
  let err = '';
  c.stderr?.on('data', (d) => {
    err += String(d);
  });
  return new Promise((res, rej) => {
    createInterface({ input: c.stdout as NodeJS.ReadableStream }).once('line', (l) => res(JSON.parse(l)));
    c.once('exit', (code) => rej(new Error(`bookml ${args[0]} exited ${code}: ${err.slice(-2000)}`)));
  });
}

const operator: Actor = { id: 'pipeline', roles: ['operator'] };
const approver: Actor = { id: 'alice', roles: ['approver'] };
const WINDOW = 100;
const REQUESTS = 3 * WINDOW;

for (const dialect of ['postgres', 'sqlite'] as const) {
  const down = dialect === 'postgres' ? pgDown : undefined;
  describe.skipIf(down !== undefined || !hasBuiltBin)(
    `prediction log in the database, serving and monitor as separate processes (${dialect})${down ? ` — skipped: ${down}` : ''}`,
    () => {
      it('the monitor reads what serving logged, and its windows fill', async () => {
        const db = await createTestDatabase(dialect);
        databases.push(db);
        const mdb = await db.open();
        const home = tempDir();
        const artifactsDir = join(home, 'artifacts');
        const artifacts = await openArtifactStore({ workspace: resolveWorkspace(home), env: {} });
        const bundle = join(home, 'bundle');
        await writeModel(bundle, { seed: 3 });
        const stored = await artifacts.putDir(bundle);
        const registry = new Registry(mdb);
        const v = await registry.registerVersion({
          model: 'recommender',
          artifactUri: stored.uri,
          artifactHash: stored.sha256,
          metrics: { ndcg_at_10: 0.3, 'ndcg_at_10_vs_most-popular': 0.1, coverage: 0.4 },
          params: { similarity: 'cosine', k: 10 },
          lineage: {
            dataset: { uri: 'file:///d', hash: 'd'.repeat(64), validation: { pass: true, checks: [] } },
            evaluation: { split: 'last-basket', k: 10 },
          },
          actor: 'pipeline',
        });
        // The latency gate wants a benchmark bookml ran; this test is about the log, not the gate.
        const evidence = { benchmarkLatency: async () => ({ p99Ms: 0.1, samples: 1000 }) };
        await registry.promote('recommender', v.version, 'staging', { actor: operator, evidence });
        await registry.approve('recommender', v.version, {
          actor: approver,
          reason: 'test',
          alias: 'production',
          evidence,
        });
        expect((await registry.resolveAlias('recommender', 'production')).version).toBe(v.version);

        const url = dialect === 'postgres' ? urlWithSchema(db.url, db.schema as string) : db.url;
        // Two workspaces: the processes share the database and the artifact store, never a folder.
        const serveHome = join(home, 'serve-pod');
        const monitorHome = join(home, 'monitor-pod');
        const common = {
          BOOKML_DATABASE_URL: url,
          BOOKML_PREDICTIONS: 'database',
          BOOKML_ARTIFACTS: artifactsDir,
        };
        const served = await start(['serve', '--port', '0'], { ...common, BOOKML_HOME: serveHome });
        for (let i = 0; i < REQUESTS; i++) {
          const res = await fetch(`${served.url}/recommend?book_id=${(i % 30) + 1}&k=3`);
          expect(res.status).toBe(200);
          await res.arrayBuffer();
        }
        const table = new PredictionTable(mdb);
        // The log flushes every second off the request path: wait for the rows, then start the monitor.
        while ((await table.readAfter(0, REQUESTS)).length < REQUESTS)
          await new Promise((r) => setTimeout(r, 100));
        expect(existsSync(join(serveHome, 'predictions'))).toBe(false);

        await start(['monitor', '--port', '0', '--interval-ms', '200', '--window', String(WINDOW)], {
          ...common,
          BOOKML_HOME: monitorHome,
        });
        const statusFile = join(monitorHome, 'monitor', 'status.json');
        let status: DriftStatus | null = null;
        for (;;) {
          status = existsSync(statusFile)
            ? (JSON.parse(await readFile(statusFile, 'utf8').catch(() => 'null')) as DriftStatus | null)
            : null;
          if (status !== null && status.log.records_read >= REQUESTS) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(status.version).toBe(String(v.version));
        expect(status.log.records_ignored).toBe(0);
        expect(status.windows.reference).toMatchObject({ records: WINDOW, complete: true });
        expect(status.windows.test.records).toBe(WINDOW);
        // Both windows full: the features were tested against the reference.
        expect(status.features.some((f) => f.p_value !== null)).toBe(true);
        await mdb.close();
      }, 120_000);
    },
  );
}
