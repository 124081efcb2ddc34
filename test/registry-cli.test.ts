/**
 * `bookml model …` through real argv strings on a fresh workspace: the pipeline's register step is
 * played by the registry itself (real bundles in the artifact store, so the CLI benchmarks them),
 * then a person lists, promotes, approves, reads the lineage on one screen, gets blocked by the
 * regression gate with the numbers, compares, rolls back and audits — always as the OS user.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerModelCommands } from '../src/cli/commands/model.js';
import { reportFailure } from '../src/cli/output.js';
import { Registry } from '../src/registry/index.js';
import { openArtifactStore, openMetadataDb, RunStore, resolveWorkspace } from '../src/store/index.js';
import { writeModel } from './serve-fixture.js';

/** Who the local CLI is: the OS user, recorded as such. */
const me = `local:${userInfo().username}`;

let home: string;

async function bookml(...args: string[]): Promise<{ out: string; err: string; failed: boolean }> {
  const program = new Command('bookml').option('--home <dir>').exitOverride();
  registerModelCommands(program);
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  const before = process.exitCode;
  let failed = false;
  try {
    await program.parseAsync(['node', 'bookml', '--home', home, ...args]);
  } catch (x) {
    failed = true;
    reportFailure(x, { json: args.includes('--json') });
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = before;
  }
  return { out, err, failed };
}

/** A trained bundle stored in the workspace's artifact store, registered as the pipeline would. */
async function seed(ndcg: number, submittedBy: string, bundleSeed: number): Promise<number> {
  const ws = resolveWorkspace(home);
  const dir = join(home, `bundle-${bundleSeed}`);
  await writeModel(dir, { seed: bundleSeed });
  const stored = await (await openArtifactStore({ workspace: ws, env: {} })).putDir(dir);
  const db = await openMetadataDb({ workspace: ws, env: {} });
  try {
    const run = await new RunStore(db).createRun({ pipeline: 'recommender', submittedBy });
    const v = await new Registry(db).registerVersion({
      model: 'recommender',
      artifactUri: stored.uri,
      artifactHash: stored.sha256,
      sourceRun: run.id,
      sourceNode: 'register',
      metrics: {
        ndcg_at_10: ndcg,
        'ndcg_at_10_vs_most-popular': 0.1,
        coverage: 0.35,
        long_tail_exposure: 0.3,
        exposure_gini_book: 0.7,
      },
      params: { similarity: 'cosine', k: 20 },
      lineage: {
        dataset: {
          uri: 'file:///data/bookstore',
          hash: 'd'.repeat(64),
          validation: {
            pass: true,
            checks: [{ name: 'orders', value: 5000, op: '>=', threshold: 100, pass: true }],
          },
        },
        codeVersion: { version: '0.1.0', gitSha: '0123abcd' },
        evaluation: { split: 'last-basket', k: 10 },
      },
      actor: 'pipeline',
    });
    return v.version;
  } finally {
    await db.close();
  }
}

describe('bookml model', () => {
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'bookml-model-cli-'));
    // Neither of these may change who the CLI is.
    process.env.BOOKML_USER = 'alice';
  });
  afterAll(() => {
    delete process.env.BOOKML_USER;
    rmSync(home, { recursive: true, force: true });
  });

  it('walks staging → approval → production → blocked regression → rollback, every step readable', async () => {
    await seed(0.3, 'bob', 1);
    const staged = await bookml(
      'model',
      'promote',
      'recommender',
      '--version',
      '1',
      '--alias',
      'staging',
      '--json',
    );
    const stagedOut = JSON.parse(staged.out);
    expect(stagedOut).toMatchObject({ status: 'moved', alias: 'staging', event: { actor: me } });
    // The CLI measured the latency itself (a real benchmark of the stored bundle).
    expect(stagedOut.gates.results.find((r: { gate: string }) => r.gate === 'latency')).toMatchObject({
      passed: true,
      evidence: 'measured',
    });

    const pending = await bookml(
      'model',
      'promote',
      'recommender',
      '--version',
      '1',
      '--alias',
      'production',
    );
    expect(pending.out).toContain('waits for an approver');
    expect(pending.out).toContain('bookml model approve recommender --version 1');

    const approved = await bookml(
      'model',
      'approve',
      'recommender',
      '--version',
      '1',
      '--reason',
      'offline NDCG +4 %',
    );
    expect(approved.out).toContain('recommender production: unset → v1');
    expect(approved.out).toContain(`approval: ${me} at `);
    expect(approved.out).toContain('"offline NDCG +4 %"');

    const lineage = await bookml('model', 'lineage', 'recommender@production');
    expect(lineage.out).toContain('recommender v1  [production, staging]');
    expect(lineage.out).toMatch(/dataset {3}file:\/\/\/data\/bookstore {2}hash d{16}…/);
    expect(lineage.out).toContain('validation: pass (1 checks)');
    expect(lineage.out).toContain('code      bookml 0.1.0  git 0123abcd');
    expect(lineage.out).toContain('params    similarity=cosine k=20');
    expect(lineage.out).toMatch(
      /run {7}recommender-\S+ \(node register, recommender, Pending\) submitted by bob/,
    );
    expect(lineage.out).toMatch(/pass {2}no_regression/);
    expect(lineage.out).toContain(`approved  by ${me} at `);
    expect(lineage.out.split('\n').length).toBeLessThan(40);

    await seed(0.2, 'bob', 2);
    const blocked = await bookml('model', 'promote', 'recommender', '--version', '2', '--alias', 'staging');
    expect(blocked.failed).toBe(true);
    expect(blocked.err).toContain('error REGISTRY_GATE_FAILED');
    expect(blocked.err).toContain(
      "no_regression: ndcg_at_10 0.2000 vs 95 % of production v1's 0.3000 = 0.2850",
    );
    const blockedJson = await bookml(
      'model',
      'promote',
      'recommender',
      '--version',
      '2',
      '--alias',
      'staging',
      '--json',
    );
    expect(JSON.parse(blockedJson.out).error).toMatchObject({
      code: 'REGISTRY_GATE_FAILED',
      details: { gates: { passed: false } },
    });

    await seed(0.32, 'bob', 3);
    await bookml('model', 'policy', 'recommender', '--auto-approve', 'on');
    const got = await bookml('model', 'get', 'recommender');
    expect(got.out).toContain('AUTO-APPROVE ON');
    const auto = await bookml('model', 'promote', 'recommender', '--version', '3', '--alias', 'production');
    expect(auto.out).toContain('AUTO-APPROVED by the local demo setting');
    const listed = await bookml('model', 'list');
    expect(listed.out).toContain('AUTO-APPROVE (local demo)');

    const versions = JSON.parse((await bookml('model', 'versions', 'recommender', '--json')).out);
    expect(versions.map((v: { version: number; aliases: string[] }) => [v.version, v.aliases])).toEqual([
      [3, ['production']],
      [2, []],
      [1, ['staging']],
    ]);

    const compare = await bookml('model', 'compare', 'recommender', '1', '3');
    expect(compare.out).toMatch(/\* ndcg_at_10\s+0\.3000\s+0\.3200/);

    const rolled = await bookml('model', 'rollback', 'recommender', '--reason', 'CTR dropped');
    expect(rolled.out).toBe(`recommender production: v3 → v1 (rolled back by ${me}: CTR dropped)\n`);

    const audit = JSON.parse(
      (await bookml('model', 'audit', 'recommender', '--alias', 'production', '--json')).out,
    );
    expect(
      audit.map(
        (e: { action: string; fromVersion: number | null; toVersion: number; actor: string }) =>
          `${e.action} ${e.fromVersion}→${e.toVersion} ${e.actor}`,
      ),
    ).toEqual([`rollback 3→1 ${me}`, `set 1→3 ${me}`, `set null→1 ${me}`]);

    const changes = await bookml('model', 'audit', 'recommender', '--changes', '--json');
    expect(JSON.parse(changes.out).map((c: { action: string }) => c.action)).toEqual([
      'set-policy',
      'register-version',
      'register-version',
      'register-version',
      'create-model',
    ]);
  });

  it('2. acts as the OS user: --as someone else is refused, and a run is submitted as local:<user>', async () => {
    const posing = await bookml('model', 'rollback', 'recommender', '--as', 'carol', '--json');
    expect(posing.failed).toBe(true);
    expect(JSON.parse(posing.out).error).toMatchObject({ code: 'CLI_USAGE', field: '--as' });
    expect(JSON.parse(posing.out).error.message).toContain(`acts as the OS user (${me})`);
    const self = await bookml('model', 'get', 'recommender', '--json');
    expect(self.failed).toBe(false);
  });

  it('says clearly what is missing', async () => {
    const r = await bookml('model', 'get', 'nope');
    expect(r.err).toBe(
      'error REGISTRY_MODEL_NOT_FOUND: no registered model "nope"; list them with `bookml model list`\n',
    );
    process.env.BOOKML_ROLES = 'viewer';
    try {
      const denied = await bookml('model', 'rollback', 'recommender');
      expect(denied.err).toContain(`error REGISTRY_FORBIDDEN: ${me} needs the approver role`);
    } finally {
      delete process.env.BOOKML_ROLES;
    }
  });
});
