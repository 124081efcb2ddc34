/**
 * Two real processes on one metadata database (issue 11, items 4 and 6): approving one version at
 * once leaves one approval row and one alias event; registering the same bundle at once leaves one
 * version. SQLite (a file both processes open) and PostgreSQL (skipped with its reason when down).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Actor, Registry } from '../src/registry/index.js';
import { type MetadataDb, RunStore } from '../src/store/index.js';
import { spawnStoreChild } from '../src/store/test-children.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../src/store/test-databases.js';

const pgUnreachable = await probePostgres();
const operator: Actor = { id: 'pipeline', roles: ['operator'] };

/**
 * A child that opens the database, says `ready`, waits for the go file (so both start their write
 * at the same moment), runs `action` with `registry` in scope and prints its JSON result.
 */
const racer = (action: string) => `
const { existsSync } = await import('node:fs');
const mdb = await store.openMetadataDb({ url: args.url, schema: args.schema, env: {} });
const r = new registry.Registry(mdb);
console.log('ready');
while (!existsSync(args.go)) await new Promise((res) => setTimeout(res, 1));
try {
  const out = await (async () => { ${action} })();
  console.log('result ' + JSON.stringify(out));
} catch (e) {
  console.log('result ' + JSON.stringify({ error: e.code ?? String(e) }));
}
await mdb.close();
`;

for (const dialect of ['sqlite', 'postgres'] as const) {
  const skip = dialect === 'postgres' ? pgUnreachable : undefined;
  describe.skipIf(skip !== undefined)(
    `registry races between processes on ${dialect}${skip ? ` — skipped: ${skip}` : ''}`,
    () => {
      let t: TestDatabase;
      let mdb: MetadataDb;
      let registry: Registry;
      let dir: string;

      beforeEach(async () => {
        t = await createTestDatabase(dialect);
        mdb = await t.open();
        registry = new Registry(mdb);
        dir = await mkdtemp(join(tmpdir(), 'bookml-race-'));
      });
      afterEach(async () => {
        await t.dispose();
        await rm(dir, { recursive: true, force: true });
      });

      /** Starts one child per action, releases them together, and returns their results. */
      async function race(actions: string[]): Promise<Record<string, unknown>[]> {
        const go = join(dir, 'go');
        const children = await Promise.all(
          actions.map((a) =>
            spawnStoreChild(
              racer(a),
              { url: t.url, schema: t.schema, go },
              { registry: 'registry/index.ts' },
            ),
          ),
        );
        await Promise.all(children.map((c) => c.waitForLine(/^ready$/)));
        await writeFile(go, '');
        const lines = await Promise.all(children.map((c) => c.waitForLine(/^result /)));
        await Promise.all(children.map((c) => c.exit));
        return lines.map((l) => JSON.parse(l.slice('result '.length)) as Record<string, unknown>);
      }

      it('4. two approvals of one pending version at once: one approval row, one alias event', async () => {
        const v = await registry.registerVersion({
          model: 'recommender',
          artifactUri: 'file:///m/1',
          artifactHash: '1'.repeat(64),
          metrics: {
            ndcg_at_10: 0.3,
            'ndcg_at_10_vs_most-popular': 0.1,
            coverage: 0.4,
            long_tail_exposure: 0.3,
            exposure_gini_book: 0.7,
          },
          lineage: {
            dataset: { uri: 'file:///d', hash: 'd'.repeat(64), validation: { pass: true, checks: [] } },
          },
        });
        await registry.promote('recommender', v.version, 'staging', {
          actor: operator,
          evidence: { benchmarkLatency: async () => ({ p99Ms: 0.1 }) },
        });
        const pending = await registry.promote('recommender', v.version, 'production', { actor: operator });
        expect(pending.status).toBe('pending-approval');

        const approve = (who: string) =>
          `return (await r.approve('recommender', 1, { actor: { id: '${who}', roles: ['approver'] }, reason: 'race' })).status;`;
        const results = await race([approve('alice'), approve('bob')]);
        expect(results.map(String).sort()).toEqual(['moved', 'unchanged']);
        const approvals = await registry.listApprovals({ model: 'recommender' });
        expect(approvals.map((a) => `${a.id} ${a.status}`)).toEqual([`${pending.approval?.id} approved`]);
        const events = await registry.audit({ model: 'recommender', alias: 'production' });
        expect(events.map((e) => `${e.action} ${e.fromVersion}→${e.toVersion}`)).toEqual(['set null→1']);
      }, 60_000);

      it('6. two identical runs registering one bundle at once: one version', async () => {
        const runs = new RunStore(mdb);
        const a = await runs.createRun({ pipeline: 'recommender' });
        const b = await runs.createRun({ pipeline: 'recommender' });
        const register = (run: string) =>
          `return (await r.registerVersion({ model: 'recommender', artifactUri: 'file:///same', artifactHash: '${'e'.repeat(64)}', sourceRun: '${run}', sourceNode: 'register' })).version;`;
        const results = await race([register(a.id), register(b.id)]);
        expect(results).toEqual([1, 1]);
        expect((await registry.listVersions('recommender')).map((v) => v.version)).toEqual([1]);
      }, 60_000);
    },
  );
}
