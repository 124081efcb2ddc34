/**
 * Registry integrity (issue 11, items 1–3, 5, 6) on SQLite and PostgreSQL: every mutation goes
 * through the alias guards and is audited, authorship comes from what the server recorded, caller
 * evidence never satisfies a production gate, an approval after production moved re-measures, and
 * registering is idempotent by bundle hash.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/index.js';
import { type Actor, type GateEvidence, type NewVersion, Registry } from '../src/registry/index.js';
import { type MetadataDb, RunStore } from '../src/store/index.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../src/store/test-databases.js';

const pgUnreachable = await probePostgres();

const operator: Actor = { id: 'pipeline', roles: ['operator'] };
const alice: Actor = { id: 'alice', roles: ['approver'] };
const mallory: Actor = { id: 'mallory', roles: ['approver'] };

let hashes = 0;
/** A version that passes every gate on the same dataset and split; each gets its own bundle hash. */
function candidate(ndcg: number, extra: Partial<NewVersion> = {}): NewVersion {
  hashes += 1;
  return {
    model: 'recommender',
    artifactUri: `file:///models/${hashes}.bundle`,
    artifactHash: hashes.toString(16).padStart(64, '0'),
    metrics: {
      ndcg_at_10: ndcg,
      'ndcg_at_10_vs_most-popular': 0.1,
      coverage: 0.4,
      long_tail_exposure: 0.3,
      exposure_gini_book: 0.7,
    },
    params: { similarity: 'cosine', k: 20 },
    lineage: {
      dataset: { uri: 'file:///d', hash: 'd'.repeat(64), validation: { pass: true, checks: [] } },
      evaluation: { split: 'last-basket', k: 10 },
    },
    actor: 'pipeline',
    ...extra,
  };
}

const bench = (p99Ms: number, calls: string[] = []): GateEvidence => ({
  benchmarkLatency: async (v) => {
    calls.push(`v${v.version}`);
    return { p99Ms, samples: 100 };
  },
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  const skip = dialect === 'postgres' ? pgUnreachable : undefined;
  describe.skipIf(skip !== undefined)(
    `registry integrity on ${dialect}${skip ? ` — skipped: ${skip}` : ''}`,
    () => {
      let t: TestDatabase;
      let mdb: MetadataDb;
      let clock: ManualClock;
      let registry: Registry;

      beforeEach(async () => {
        clock = new ManualClock(1_700_000_000_000);
        t = await createTestDatabase(dialect);
        mdb = await t.open({ clock });
        registry = new Registry(mdb);
      });
      afterEach(async () => {
        await t.dispose();
      });

      /** v1 in production through staging (latency measured by bookml), approved by alice. */
      const inProduction = async () => {
        const v = await registry.registerVersion(candidate(0.3));
        await registry.promote('recommender', v.version, 'staging', {
          actor: operator,
          evidence: bench(0.1),
        });
        await registry.approve('recommender', v.version, { actor: alice, reason: 'first' });
        return v.version;
      };

      it('1. renaming, deleting or archiving what production points at needs the approver path, and every mutation is audited', async () => {
        await inProduction();
        await expect(registry.renameModel('recommender', 'other', operator)).rejects.toMatchObject({
          code: 'REGISTRY_FORBIDDEN',
          message: expect.stringContaining('"production"'),
        });
        await expect(registry.deleteModel('recommender', operator)).rejects.toMatchObject({
          code: 'REGISTRY_FORBIDDEN',
        });
        await expect(registry.setStage('recommender', 1, 'Archived', operator)).rejects.toMatchObject({
          code: 'REGISTRY_FORBIDDEN',
        });
        expect((await registry.resolveAlias('recommender', 'production')).version).toBe(1);

        await registry.setModelTag('recommender', 'team', 'books', operator);
        await registry.setVersionTag('recommender', 1, 'k', 'v', operator);
        await registry.updateVersion('recommender', 1, { description: 'first' }, operator);
        clock.advance(1000);
        const renamed = await registry.renameModel('recommender', 'books', alice, 'new naming scheme');
        expect(renamed.name).toBe('books');
        const changes = await registry.changes({ order: 'asc' });
        expect(changes.map((c) => `${c.action} ${c.model} ${c.actor}`)).toEqual([
          'create-model recommender pipeline',
          'register-version recommender pipeline',
          'set-model-tag recommender pipeline',
          'set-version-tag recommender pipeline',
          'update-version recommender pipeline',
          'rename-model books alice',
        ]);
        expect(changes.at(-1)).toMatchObject({
          reason: 'new naming scheme',
          detail: { from: 'recommender', to: 'books', aliases: { production: 1, staging: 1 } },
        });
        // An unguarded alias still moves and goes away with the operator role alone.
        await registry.deleteAlias('books', 'staging', operator);
        await expect(registry.deleteAlias('books', 'production', operator)).rejects.toMatchObject({
          code: 'REGISTRY_FORBIDDEN',
        });
        await registry.setStage('books', 1, 'Archived', alice, 'retired');
        const archived = await registry.getVersion('books', 1);
        expect(archived).toMatchObject({ stage: 'Archived', aliases: [] });
        const trail = await registry.audit({ model: 'books' });
        expect(trail.map((e) => `${e.action} ${e.alias} ${e.actor}`)).toEqual([
          'delete production alice',
          'delete staging pipeline',
        ]);
      });

      it('2. the author of record is what the server recorded: a claimed source run adds its submitter, never replaces the registrant', async () => {
        const runs = new RunStore(mdb);
        const bobsRun = await runs.createRun({ pipeline: 'recommender', submittedBy: 'bob' });
        await registry.createModel({
          name: 'recommender',
          policy: { aliases: { staging: {}, production: { approval: true, approverNotAuthor: true } } },
        });
        // mallory registers a version and claims bob's run as its source.
        const v = await registry.registerVersion(
          candidate(0.3, { actor: 'mallory', sourceRun: bobsRun.id, sourceNode: 'register' }),
        );
        expect(await registry.authorsOf(v)).toEqual(['mallory', 'bob']);
        await registry.promote('recommender', v.version, 'staging', {
          actor: operator,
          evidence: bench(0.1),
        });
        await expect(
          registry.approve('recommender', v.version, { actor: mallory, reason: 'mine, claimed as bob’s' }),
        ).rejects.toMatchObject({
          code: 'REGISTRY_APPROVER_IS_AUTHOR',
          details: { authors: ['mallory', 'bob'] },
        });
        const ok = await registry.approve('recommender', v.version, { actor: alice, reason: 'reviewed' });
        expect(ok.status).toBe('moved');
      });

      it('3. a latency the caller sent is marked caller-supplied and refused for production; bookml’s benchmark counts', async () => {
        const v = await registry.registerVersion(
          candidate(0.3, { metrics: { ...candidate(0.3).metrics, latency_p99_ms: 0.5 } }),
        );
        const staged = await registry.promote('recommender', v.version, 'staging', { actor: operator });
        const latency = staged.gates?.results.find((r) => r.gate === 'latency');
        expect(latency).toMatchObject({ passed: true, evidence: 'caller-supplied' });
        expect(latency?.detail).toContain('caller-supplied');
        const refused = await registry
          .approve('recommender', v.version, { actor: alice, reason: 'fast' })
          .catch((e: unknown) => e);
        expect(refused).toMatchObject({ code: 'REGISTRY_GATE_FAILED' });
        expect(String((refused as Error).message)).toContain(
          'latency: cannot check: latency_p99_ms 0.5000 was supplied by the caller',
        );
        expect(String((refused as Error).message)).toContain(
          `bookml model approve recommender --version ${v.version}`,
        );
        await expect(registry.resolveAlias('recommender', 'production')).rejects.toMatchObject({
          code: 'REGISTRY_ALIAS_NOT_FOUND',
        });
        const measured = await registry.approve('recommender', v.version, {
          actor: alice,
          reason: 'measured',
          evidence: bench(0.2),
        });
        expect(measured.gates?.results.find((r) => r.gate === 'latency')).toMatchObject({
          passed: true,
          value: 0.2,
          evidence: 'measured',
        });
      });

      it('5. approving after production moved re-measures through the evidence provider, or names the command that does', async () => {
        await registry.createModel({ name: 'recommender', policy: { autoApprove: false } });
        await inProduction();
        const v2 = await registry.registerVersion(candidate(0.31));
        await registry.promote('recommender', v2.version, 'staging', {
          actor: operator,
          evidence: bench(0.1),
        });
        // Production moves on (another version approved) after v2 was measured against v1.
        const v3 = await registry.registerVersion(candidate(0.305));
        await registry.promote('recommender', v3.version, 'canary', { actor: operator });
        await registry.approve('recommender', v3.version, {
          actor: alice,
          reason: 'v3 first',
          evidence: bench(0.1),
        });
        const stale = await registry
          .approve('recommender', v2.version, { actor: alice, reason: 'v2 now' })
          .catch((e: unknown) => e);
        expect(stale).toMatchObject({ code: 'REGISTRY_GATE_FAILED' });
        expect(String((stale as Error).message)).toContain(
          `re-measure with \`bookml model approve recommender --version ${v2.version}`,
        );
        const calls: string[] = [];
        const out = await registry.approve('recommender', v2.version, {
          actor: alice,
          reason: 'v2 now',
          evidence: bench(0.15, calls),
        });
        expect(out).toMatchObject({ status: 'moved', fromVersion: v3.version });
        expect(calls).toEqual([`v${v2.version}`]);
        expect(out.gates?.productionVersion).toBe(v3.version);
      });

      it('6. registering the same bundle twice, concurrently and with different keys, gives one version', async () => {
        const runs = new RunStore(mdb);
        const [a, b] = await Promise.all([
          runs.createRun({ pipeline: 'recommender' }),
          runs.createRun({ pipeline: 'recommender' }),
        ]);
        const other = dialect === 'postgres' ? new Registry(await t.open({ clock })) : registry;
        const same = candidate(0.3);
        const [x, y] = await Promise.all([
          registry.registerVersion({ ...same, sourceRun: a.id, sourceNode: 'register' }),
          other.registerVersion({ ...same, sourceRun: b.id, sourceNode: 'register' }),
        ]);
        expect([x.version, y.version]).toEqual([1, 1]);
        expect((await registry.listVersions('recommender')).map((v) => v.version)).toEqual([1]);
        const different = await registry.registerVersion(candidate(0.3));
        expect(different.version).toBe(2);
        expect(
          (await registry.changes({ model: 'recommender' })).filter((c) => c.action === 'register-version'),
        ).toHaveLength(2);
      });
    },
  );
}
