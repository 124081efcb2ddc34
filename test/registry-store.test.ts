/**
 * The registry's suite, run against SQLite and the real PostgreSQL (skipped with its reason when the
 * server is unreachable): versions, gates, approvals, audit, rollback, compare, lineage, tracking.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/index.js';
import {
  type Actor,
  compareVersions,
  lineageOf,
  type NewVersion,
  parseModelRef,
  productionStack,
  Registry,
  TrackingStore,
} from '../src/registry/index.js';
import { type MetadataDb, RunStore } from '../src/store/index.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../src/store/test-databases.js';

const pgUnreachable = await probePostgres();

const operator: Actor = { id: 'pipeline', roles: ['operator'] };
const alice: Actor = { id: 'alice', roles: ['approver'] };
const viewer: Actor = { id: 'vic', roles: ['viewer'] };

const validation = {
  pass: true,
  checks: [{ name: 'min_orders', value: 5000, op: '>=', threshold: 1000, pass: true }],
};

/** bookml's own latency benchmark, as the promote path measures it (production accepts no caller-sent latency). */
const measured = { benchmarkLatency: async () => ({ p99Ms: 0.2, samples: 100 }) };

/** A bundle hash per source run: a model has one version per bundle. */
const bundleHash = (sourceRun: string) => createHash('sha256').update(sourceRun).digest('hex');

/** A candidate that passes every default gate on dataset `hash`, with NDCG@10 `ndcg`. */
function candidate(ndcg: number, sourceRun: string, hash = 'd'.repeat(64)): NewVersion {
  return {
    model: 'recommender',
    artifactUri: `file:///models/${sourceRun}.bundle`,
    artifactHash: bundleHash(sourceRun),
    sourceRun,
    sourceNode: 'train',
    metrics: {
      ndcg_at_10: ndcg,
      'ndcg_at_10_vs_most-popular': ndcg - 0.1,
      coverage: 0.4,
      long_tail_exposure: 0.3,
      exposure_gini_book: 0.7,
      latency_p99_ms: 0.2,
    },
    params: { similarity: 'cosine', k: 20 },
    lineage: {
      dataset: { uri: 'file:///data/orders.csv', hash, validation },
      codeVersion: { version: '0.1.0', gitSha: 'abc123' },
      evaluation: { split: 'last-basket', k: 10 },
    },
    actor: 'pipeline',
  };
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  const skip = dialect === 'postgres' ? pgUnreachable : undefined;
  describe.skipIf(skip !== undefined)(`registry on ${dialect}${skip ? ` — skipped: ${skip}` : ''}`, () => {
    let t: TestDatabase;
    let mdb: MetadataDb;
    let clock: ManualClock;
    let registry: Registry;
    let runs: RunStore;

    beforeEach(async () => {
      clock = new ManualClock(1_700_000_000_000);
      t = await createTestDatabase(dialect);
      mdb = await t.open({ clock });
      registry = new Registry(mdb);
      runs = new RunStore(mdb);
    });
    afterEach(async () => {
      await t.dispose();
    });

    const newRun = async (by = 'bob') =>
      (await runs.createRun({ pipeline: 'recommender', submittedBy: by })).id;
    const register = async (ndcg: number, hash?: string) => {
      clock.advance(1000);
      return registry.registerVersion(candidate(ndcg, await newRun(), hash));
    };

    it('numbers versions per model, keeps lineage, and registers idempotently by run and node', async () => {
      const run = await newRun();
      const v1 = await registry.registerVersion(candidate(0.3, run));
      const again = await registry.registerVersion(candidate(0.3, run));
      const v2 = await register(0.31);
      await registry.registerVersion({ model: 'other', artifactUri: 'file:///x' });
      expect([v1.version, again.version, v2.version]).toEqual([1, 1, 2]);
      expect((await registry.getVersion('other', 1)).version).toBe(1);
      const got = await registry.getVersion('recommender', '1');
      expect(got).toMatchObject({
        artifactHash: bundleHash(run),
        sourceRun: run,
        sourceNode: 'train',
        params: { similarity: 'cosine', k: 20 },
        lineage: {
          dataset: { hash: 'd'.repeat(64), validation: { pass: true } },
          codeVersion: { gitSha: 'abc123' },
        },
        status: 'READY',
      });
      expect((await registry.listVersions('recommender')).map((v) => v.version)).toEqual([2, 1]);
      await expect(registry.getVersion('recommender', 9)).rejects.toMatchObject({
        code: 'REGISTRY_VERSION_NOT_FOUND',
        status: 404,
      });
      await expect(registry.getModel('nope')).rejects.toMatchObject({ code: 'REGISTRY_MODEL_NOT_FOUND' });
      await expect(registry.registerVersion({ ...candidate(0.3, 'no-such-run') })).rejects.toMatchObject({
        code: 'REGISTRY_RUN_NOT_FOUND',
      });
    });

    it('concurrent registrations get distinct numbers', async () => {
      const second = dialect === 'postgres' ? new Registry(await t.open({ clock })) : registry;
      const ids = await Promise.all([newRun(), newRun(), newRun(), newRun()]);
      const versions = await Promise.all(
        ids.map((id, i) => (i % 2 ? second : registry).registerVersion(candidate(0.3, id))),
      );
      expect(versions.map((v) => v.version).sort()).toEqual([1, 2, 3, 4]);
    });

    it('moves staging when the gates pass, storing each result on the version and auditing the move', async () => {
      const v = await register(0.3);
      const out = await registry.promote('recommender', v.version, 'staging', {
        actor: operator,
        reason: 'nightly',
        runId: v.sourceRun ?? undefined,
      });
      expect(out).toMatchObject({ status: 'moved', fromVersion: null, autoApproved: false });
      expect(out.gates?.results.map((r) => [r.gate, r.passed])).toEqual([
        ['metric_threshold', true],
        ['beat_baseline', true],
        ['no_regression', true],
        ['data_quality', true],
        ['latency', true],
        ['coverage', true],
        ['fairness', true],
      ]);
      expect((await registry.resolveAlias('recommender', 'staging')).version).toBe(v.version);
      const stored = await registry.getVersion('recommender', v.version);
      expect(stored.gates.staging?.passed).toBe(true);
      expect(stored.aliases).toEqual(['staging']);
      const [event] = await registry.audit({ model: 'recommender' });
      expect(event).toMatchObject({
        alias: 'staging',
        action: 'set',
        fromVersion: null,
        toVersion: 1,
        actor: 'pipeline',
        reason: 'nightly',
      });
      expect(event?.gates?.results).toHaveLength(7);
    });

    it('the fairness gate, enforced, blocks a most-popular-like candidate; lineage shows its exposure', async () => {
      const v = await registry.registerVersion({
        ...candidate(0.3, await newRun()),
        // No long-tail book in its lists, all exposure on a few best sellers; the data has no genres.
        metrics: {
          ...candidate(0.3, 'x').metrics,
          long_tail_exposure: 0,
          exposure_gini_book: 0.94,
          exposure_gini_author: 0.95,
        },
        lineage: {
          ...candidate(0.3, 'x').lineage,
          evaluation: {
            split: 'last-basket',
            k: 10,
            fairness: {
              longTail: 'books outside the most bought 20 % (distinct train buyers)',
              headBooks: 40,
              notApplicable: { genre: 'no book in the catalogue has a genre' },
            },
          },
        },
      });
      await registry.setPolicy('recommender', { gates: { fairness: { enforce: true } } }, alice);
      const err = await registry
        .promote('recommender', v.version, 'staging', { actor: operator })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'REGISTRY_GATE_FAILED', status: 422 });
      expect(String((err as Error).message)).toContain('fairness: long-tail exposure 0 ≥ 0.0500 FAILED');
      const stored = await registry.getVersion('recommender', v.version);
      const fairness = stored.gates.staging?.results.find((r) => r.gate === 'fairness');
      expect(fairness).toMatchObject({ passed: false, value: 3 });
      expect(fairness?.detail).toContain(
        'Gini by genre not applicable: no book in the catalogue has a genre',
      );
      const lineage = await lineageOf(registry, 'recommender', v.version);
      expect(lineage.fairness).toEqual({
        longTailExposure: 0,
        giniBook: 0.94,
        giniAuthor: 0.95,
        giniGenre: null,
        longTail: 'books outside the most bought 20 % (distinct train buyers)',
        notApplicable: { genre: 'no book in the catalogue has a genre' },
      });
      expect(lineage.gates[0]?.results.map((r) => r.gate)).toContain('fairness');
    });

    it('a worse candidate is blocked by the regression gate with the numbers, and nothing moves', async () => {
      const good = await register(0.3);
      await registry.setPolicy('recommender', { autoApprove: true }, alice);
      await registry.promote('recommender', good.version, 'production', {
        actor: operator,
        evidence: measured,
      });
      const worse = await register(0.2);
      const err = await registry
        .promote('recommender', worse.version, 'staging', { actor: operator })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'REGISTRY_GATE_FAILED', status: 422 });
      expect(String((err as Error).message)).toContain(
        "no_regression: ndcg_at_10 0.2000 vs 95 % of production v1's 0.3000 = 0.2850 (same dataset and split) — FAIL",
      );
      await expect(registry.resolveAlias('recommender', 'staging')).rejects.toMatchObject({
        code: 'REGISTRY_ALIAS_NOT_FOUND',
      });
      const stored = await registry.getVersion('recommender', worse.version);
      expect(stored.gates.staging).toMatchObject({ passed: false, productionVersion: 1 });
      expect(stored.gates.staging?.results.find((r) => r.gate === 'no_regression')).toMatchObject({
        passed: false,
        value: 0.2,
        threshold: expect.closeTo(0.285, 6),
      });
      expect(await registry.audit({ model: 'recommender', alias: 'staging' })).toEqual([]);
    });

    it('re-evaluates production on the candidate split through the evaluator callback, and benchmarks latency', async () => {
      const prod = await register(0.3);
      await registry.setPolicy('recommender', { autoApprove: true }, alice);
      await registry.promote('recommender', prod.version, 'production', {
        actor: operator,
        evidence: measured,
      });
      const other = await register(0.25, 'e'.repeat(64));
      const calls: string[] = [];
      const out = await registry.promote('recommender', other.version, 'staging', {
        actor: operator,
        evidence: {
          evaluateOnCandidateSplit: async ({ production, candidate: c, metric }) => {
            calls.push(`v${production.version} on v${c.version}'s split (${metric})`);
            return 0.26;
          },
          benchmarkLatency: async () => ({ p99Ms: 0.05, samples: 2000 }),
        },
      });
      expect(calls).toEqual(["v1 on v2's split (ndcg_at_10)"]);
      expect(out.gates?.results.find((r) => r.gate === 'no_regression')?.detail).toContain(
        "re-evaluated on the candidate's split",
      );
      expect(out.gates?.results.find((r) => r.gate === 'latency')).toMatchObject({
        value: 0.05,
        passed: true,
      });
      const noEvaluator = await register(0.31, 'f'.repeat(64));
      await expect(
        registry.promote('recommender', noEvaluator.version, 'staging', { actor: operator }),
      ).rejects.toMatchObject({
        code: 'REGISTRY_GATE_FAILED',
        message: expect.stringContaining('no evaluator was given'),
      });
    });

    it('production waits for an approver, records identity, and enforces approver-is-not-author', async () => {
      const v = await register(0.3);
      const pending = await registry.promote('recommender', v.version, 'production', {
        actor: operator,
        evidence: measured,
        runId: v.sourceRun ?? undefined,
      });
      expect(pending).toMatchObject({
        status: 'pending-approval',
        approval: { status: 'pending', requestedBy: 'pipeline' },
      });
      await expect(registry.resolveAlias('recommender', 'production')).rejects.toMatchObject({
        code: 'REGISTRY_ALIAS_NOT_FOUND',
      });
      await expect(
        registry.approve('recommender', v.version, { actor: operator, reason: 'lgtm' }),
      ).rejects.toMatchObject({
        code: 'REGISTRY_FORBIDDEN',
        status: 403,
      });
      await registry.setPolicy(
        'recommender',
        { aliases: { production: { approval: true, approverNotAuthor: true } } },
        alice,
      );
      const bob: Actor = { id: 'bob', roles: ['approver'] };
      await expect(
        registry.approve('recommender', v.version, { actor: bob, reason: 'mine' }),
      ).rejects.toMatchObject({
        code: 'REGISTRY_APPROVER_IS_AUTHOR',
      });
      clock.advance(5000);
      const done = await registry.approve('recommender', v.version, { actor: alice, reason: 'offline +4 %' });
      expect(done).toMatchObject({
        status: 'moved',
        approval: {
          id: pending.approval?.id,
          status: 'approved',
          method: 'manual',
          decidedBy: 'alice',
          reason: 'offline +4 %',
        },
      });
      expect((await registry.resolveAlias('recommender', 'production')).version).toBe(v.version);
      const lineage = await lineageOf(registry, 'recommender', 'production');
      expect(lineage).toMatchObject({
        version: 1,
        dataset: {
          uri: 'file:///data/orders.csv',
          hash: 'd'.repeat(64),
          validation: { pass: true, checks: 1, failed: [] },
        },
        codeVersion: { version: '0.1.0', gitSha: 'abc123' },
        params: { similarity: 'cosine', k: 20 },
        run: { id: v.sourceRun, node: 'train', pipeline: 'recommender', submittedBy: 'bob' },
        approval: { decidedBy: 'alice', decidedAt: clock.now(), method: 'manual' },
      });
      expect(lineage.gates.map((g) => g.alias).sort()).toEqual(['production']);
    });

    it('an approval without model I/O reuses what was measured for staging against the same production', async () => {
      const v = await registry.registerVersion({
        ...candidate(0.3, await newRun()),
        metrics: {
          ndcg_at_10: 0.3,
          'ndcg_at_10_vs_most-popular': 0.1,
          coverage: 0.4,
          long_tail_exposure: 0.3,
          exposure_gini_book: 0.7,
        },
      });
      await registry.promote('recommender', v.version, 'staging', {
        actor: operator,
        evidence: { benchmarkLatency: async () => ({ p99Ms: 0.07, samples: 100 }) },
      });
      clock.advance(60_000);
      const out = await registry.approve('recommender', v.version, { actor: alice, reason: 'ok' });
      expect(out.status).toBe('moved');
      expect(out.gates?.results.find((r) => r.gate === 'latency')).toMatchObject({
        passed: true,
        value: 0.07,
        detail: expect.stringContaining('[measured for staging at'),
      });
      const bare = await registry.registerVersion({
        ...candidate(0.31, await newRun()),
        metrics: {
          ndcg_at_10: 0.31,
          'ndcg_at_10_vs_most-popular': 0.1,
          coverage: 0.4,
          long_tail_exposure: 0.3,
          exposure_gini_book: 0.7,
        },
      });
      await expect(
        registry.approve('recommender', bare.version, { actor: alice, reason: 'no data' }),
      ).rejects.toMatchObject({
        code: 'REGISTRY_GATE_FAILED',
        message: expect.stringContaining('latency: cannot check: no benchmark was run'),
      });
    });

    it('auto-approve moves production at once and shows as such', async () => {
      await registry.createModel({ name: 'recommender', policy: { autoApprove: true } });
      const v = await register(0.3);
      const out = await registry.promote('recommender', v.version, 'production', {
        actor: operator,
        evidence: measured,
      });
      expect(out).toMatchObject({
        status: 'moved',
        autoApproved: true,
        approval: { method: 'auto', decidedBy: 'auto-approve (local demo setting)' },
      });
      expect((await registry.getModel('recommender')).policy.autoApprove).toBe(true);
    });

    it('promote is idempotent by run and version: the retry of a crashed step converges, serving follows the alias', async () => {
      const v = await register(0.3);
      const runId = v.sourceRun ?? undefined;
      const first = await registry.promote('recommender', v.version, 'staging', { actor: operator, runId });
      // The step dies here, before serving reloads. The retry sees the registry write and does nothing twice.
      const retry = await registry.promote('recommender', v.version, 'staging', { actor: operator, runId });
      expect(first.status).toBe('moved');
      expect(retry).toMatchObject({ status: 'already-done', event: { id: first.event?.id } });
      expect(await registry.audit({ model: 'recommender' })).toHaveLength(1);
      // A fresh process (a serving reconcile) reads the alias, not an event, and lands on the new version.
      const reopened = new Registry(await t.open({ clock }));
      expect((await reopened.resolveAlias('recommender', 'staging')).version).toBe(v.version);
      const viewerTry = registry.promote('recommender', v.version, 'canary', { actor: viewer });
      await expect(viewerTry).rejects.toMatchObject({ code: 'REGISTRY_FORBIDDEN' });
    });

    it('rollback walks production back one served version per call, and is audited', async () => {
      await registry.createModel({ name: 'recommender', policy: { autoApprove: true } });
      for (const ndcg of [0.3, 0.31, 0.32]) {
        const v = await register(ndcg);
        await registry.promote('recommender', v.version, 'production', {
          actor: operator,
          evidence: measured,
        });
      }
      await expect(registry.rollback('recommender', { actor: operator })).rejects.toMatchObject({
        code: 'REGISTRY_FORBIDDEN',
      });
      const r1 = await registry.rollback('recommender', { actor: alice, reason: 'CTR dropped' });
      expect(r1).toMatchObject({
        action: 'rollback',
        fromVersion: 3,
        toVersion: 2,
        actor: 'alice',
        reason: 'CTR dropped',
      });
      const r2 = await registry.rollback('recommender', { actor: alice });
      expect(r2).toMatchObject({ fromVersion: 2, toVersion: 1 });
      await expect(registry.rollback('recommender', { actor: alice })).rejects.toMatchObject({
        code: 'REGISTRY_NO_ROLLBACK_TARGET',
      });
      expect(
        productionStack(await registry.audit({ model: 'recommender', alias: 'production', order: 'asc' })),
      ).toEqual([1]);
      const trail = await registry.audit({ model: 'recommender', alias: 'production' });
      expect(trail.map((e) => `${e.action} ${e.fromVersion}→${e.toVersion}`)).toEqual([
        'rollback 2→1',
        'rollback 3→2',
        'set 2→3',
        'set 1→2',
        'set null→1',
      ]);
    });

    it('compares versions side by side and parses model refs', async () => {
      await register(0.3);
      await register(0.33, 'e'.repeat(64));
      const c = await compareVersions(registry, 'recommender', [1, 2]);
      expect(c.versions).toEqual([1, 2]);
      expect(c.metrics.find((r) => r.key === 'ndcg_at_10')).toEqual({
        key: 'ndcg_at_10',
        values: [0.3, 0.33],
        differs: true,
      });
      expect(c.params.find((r) => r.key === 'k')).toEqual({ key: 'k', values: [20, 20], differs: false });
      expect(c.dataset.find((r) => r.key === 'hash')?.differs).toBe(true);
      expect(parseModelRef('recommender@production')).toEqual({ model: 'recommender', alias: 'production' });
      expect(parseModelRef('models:/recommender/7')).toEqual({ model: 'recommender', version: 7 });
      expect(() => parseModelRef('recommender@v1')).toThrow(/reserved/);
    });

    it('deleting a version removes its aliases and audits the removal', async () => {
      const v = await register(0.3);
      await registry.promote('recommender', v.version, 'staging', { actor: operator });
      await registry.deleteVersion('recommender', v.version, operator);
      expect((await registry.getModel('recommender')).aliases).toEqual({});
      expect((await registry.audit({ model: 'recommender' }))[0]).toMatchObject({
        action: 'delete',
        fromVersion: 1,
        toVersion: null,
      });
    });

    it('rejects a bad policy naming the key', async () => {
      await registry.createModel({ name: 'recommender' });
      await expect(
        registry.setPolicy('recommender', { gates: { latency: { p99BudgetMs: -1 } } }, alice),
      ).rejects.toMatchObject({
        code: 'REGISTRY_POLICY_INVALID',
        field: 'gates.latency.p99BudgetMs',
      });
      await expect(registry.setPolicy('recommender', { autoApprove: true }, operator)).rejects.toMatchObject({
        code: 'REGISTRY_FORBIDDEN',
      });
    });

    it('two concurrent creates of one experiment name: exactly one wins', async () => {
      const other =
        dialect === 'postgres' ? new TrackingStore(await t.open({ clock })) : new TrackingStore(mdb);
      const results = await Promise.allSettled([
        new TrackingStore(mdb).createExperiment({ name: 'race' }),
        other.createExperiment({ name: 'race' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({
        reason: { code: 'REGISTRY_EXPERIMENT_EXISTS' },
      });
    });

    it('tracks experiments and runs with MLflow semantics', async () => {
      const tracking = new TrackingStore(mdb);
      const exp = await tracking.createExperiment({ name: 'books' });
      await expect(tracking.createExperiment({ name: 'books' })).rejects.toMatchObject({
        code: 'REGISTRY_EXPERIMENT_EXISTS',
      });
      const run = await tracking.createRun({ experimentId: String(exp.id), userId: 'alice', startTime: 1 });
      await tracking.logBatch(run.id, {
        params: [{ key: 'k', value: '50' }],
        metrics: [
          { key: 'ndcg', value: 0.2, timestamp: 10, step: 0 },
          { key: 'ndcg', value: 0.3, timestamp: 20, step: 1 },
        ],
        tags: [{ key: 't', value: 'x' }],
      });
      await tracking.logBatch(run.id, { params: [{ key: 'k', value: '50' }] });
      await expect(tracking.logBatch(run.id, { params: [{ key: 'k', value: '60' }] })).rejects.toMatchObject({
        code: 'REGISTRY_PARAM_CONFLICT',
      });
      const got = await tracking.getRun(run.id);
      expect(got.metrics).toEqual([{ key: 'ndcg', value: 0.3, timestamp: 20, step: 1 }]);
      expect((await tracking.metricHistory(run.id, 'ndcg')).map((m) => m.value)).toEqual([0.2, 0.3]);
      const other = await tracking.createRun({ experimentId: exp.id });
      await tracking.logBatch(other.id, { metrics: [{ key: 'ndcg', value: 0.1, timestamp: 5, step: 0 }] });
      const found = await tracking.searchRuns({
        experimentIds: [exp.id],
        filter: "metrics.ndcg > 0.15 and params.k = '50'",
      });
      expect(found.runs.map((r) => r.id)).toEqual([run.id]);
      const ordered = await tracking.searchRuns({
        experimentIds: [exp.id],
        orderBy: ['metrics.ndcg ASC'],
        maxResults: 1,
      });
      expect(ordered.runs.map((r) => r.id)).toEqual([other.id]);
      const page2 = await tracking.searchRuns({
        experimentIds: [exp.id],
        orderBy: ['metrics.ndcg ASC'],
        maxResults: 1,
        pageToken: ordered.nextPageToken,
      });
      expect(page2.runs.map((r) => r.id)).toEqual([run.id]);
      await tracking.setRunLifecycle(run.id, 'deleted');
      await expect(tracking.logBatch(run.id, { tags: [{ key: 'a', value: 'b' }] })).rejects.toMatchObject({
        code: 'REGISTRY_RUN_DELETED',
      });
      // A version registered from a tracking run keeps the link.
      const v = await registry.registerVersion({
        model: 'm',
        artifactUri: 'file:///m',
        trackingRun: other.id,
      });
      expect(v.trackingRun).toBe(other.id);
    });
  });
}
