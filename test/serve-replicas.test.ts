/**
 * Serving replicas (issue 14): three `bookml serve` processes on one PostgreSQL registry and one
 * shared artifact store, behind one load generator. Moving the alias reaches every replica, and not
 * one request fails during the move. The time the move takes is printed (and measured by
 * `npm run bench -- serve-replicas`), never asserted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type Actor, Registry } from '../src/registry/index.js';
import { VERSION_HEADER } from '../src/serve/index.js';
import { openArtifactStore, resolveWorkspace } from '../src/store/index.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../src/store/test-databases.js';
import { tempDir, writeModel } from './serve-fixture.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'dist', 'cli', 'main.js');
const pgDown = await probePostgres();
const operator: Actor = { id: 'pipeline', roles: ['operator'] };
const ALIAS = 'replicas';

const children: ChildProcess[] = [];
let db: TestDatabase | null = null;
afterAll(async () => {
  await Promise.all(
    children.map((c) => {
      if (c.exitCode !== null || c.signalCode !== null) return undefined;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      return exited;
    }),
  );
  await db?.dispose();
});

/** A registry URL whose connections use the test's own schema. */
function urlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/**
 * A replica that polls only every 10 minutes: within the test, an alias move can reach it only
 * through the registry's notification (LISTEN/NOTIFY).
 */
function startReplica(home: string, databaseUrl: string): Promise<string> {
  const c = spawn(
    process.execPath,
    [bin, 'serve', '--model', `recommender@${ALIAS}`, '--port', '0', '--json', '--poll-ms', '600000'],
    {
      env: { ...process.env, BOOKML_HOME: home, BOOKML_DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(c);
  const lines = createInterface({ input: c.stdout as NodeJS.ReadableStream });
  return new Promise((res, rej) => {
    lines.once('line', (l) => res((JSON.parse(l) as { url: string }).url));
    c.once('exit', (code) => rej(new Error(`bookml serve exited ${code}`)));
  });
}

describe.skipIf(pgDown !== undefined || !existsSync(bin))(
  `serving replicas on PostgreSQL${pgDown ? ` — skipped: ${pgDown}` : ''}`,
  () => {
    it('an alias move reaches all three replicas, with zero failed requests during the move', async () => {
      db = await createTestDatabase('postgres');
      const mdb = await db.open();
      const registry = new Registry(mdb);
      const home = tempDir();
      const ws = resolveWorkspace(home);
      const artifacts = await openArtifactStore({ workspace: ws, env: {} });
      const versions: number[] = [];
      for (const seed of [1, 2]) {
        const dir = join(home, `bundle-${seed}`);
        await writeModel(dir, { seed });
        const stored = await artifacts.putDir(dir);
        const v = await registry.registerVersion({
          model: 'recommender',
          artifactUri: stored.uri,
          artifactHash: stored.sha256,
          metrics: {
            ndcg_at_10: 0.3,
            'ndcg_at_10_vs_most-popular': 0.1,
            coverage: 0.4,
            long_tail_exposure: 0.3,
            exposure_gini_book: 0.7,
          },
          params: { similarity: 'cosine', k: 10 },
          lineage: {
            dataset: { uri: 'file:///d', hash: 'd'.repeat(64), validation: { pass: true, checks: [] } },
            evaluation: { split: 'last-basket', k: 10 },
          },
          actor: 'pipeline',
        });
        versions.push(v.version);
      }
      await registry.promote('recommender', versions[0], ALIAS, { actor: operator });
      const url = urlWithSchema(db.url, db.schema as string);
      const replicas = await Promise.all([0, 1, 2].map(() => startReplica(home, url)));

      // One load generator, round-robin over the replicas, several requests in flight.
      const seen = replicas.map(() => new Set<string>());
      let failed = 0;
      let answered = 0;
      let stop = false;
      const lastVersion: string[] = replicas.map(() => '');
      const client = async (n: number) => {
        for (let i = n; !stop; i++) {
          const r = i % replicas.length;
          try {
            const res = await fetch(`${replicas[r]}/recommend?book_id=${(i % 30) + 1}&k=3`);
            await res.arrayBuffer();
            if (res.status !== 200) failed++;
            else {
              answered++;
              const v = res.headers.get(VERSION_HEADER) ?? '';
              seen[r].add(v);
              lastVersion[r] = v;
            }
          } catch {
            failed++;
          }
        }
      };
      const clients = [0, 1, 2, 3, 4, 5].map(client);
      while (lastVersion.some((v) => v !== String(versions[0]))) await new Promise((r) => setImmediate(r));

      const movedAt = performance.now();
      await registry.promote('recommender', versions[1], ALIAS, { actor: operator });
      while (lastVersion.some((v) => v !== String(versions[1]))) await new Promise((r) => setImmediate(r));
      const tookMs = performance.now() - movedAt;
      stop = true;
      await Promise.all(clients);

      console.log(
        `alias move reached all 3 replicas in ${Math.round(tookMs)} ms (${answered} answers, ${failed} failed)`,
      );
      expect(failed).toBe(0);
      for (const s of seen) expect([...s].sort()).toEqual([String(versions[0]), String(versions[1])]);
      await mdb.close();
    });
  },
);
