/**
 * `bookml model …` through real argv strings on a fresh workspace: the pipeline's register step is
 * played by the registry itself, then a person lists, promotes, approves, reads the lineage on one
 * screen, gets blocked by the regression gate with the numbers, compares, rolls back and audits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerModelCommands } from '../src/cli/commands/model.js';
import { reportFailure } from '../src/cli/output.js';
import { Registry } from '../src/registry/index.js';
import { openMetadataDb, RunStore, resolveWorkspace } from '../src/store/index.js';

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

async function seed(ndcg: number, submittedBy: string): Promise<number> {
  const db = await openMetadataDb({ workspace: resolveWorkspace(home), env: {} });
  try {
    const run = await new RunStore(db).createRun({ pipeline: 'recommender', submittedBy });
    const v = await new Registry(db).registerVersion({
      model: 'recommender',
      artifactUri: `file:///artifacts/${run.id}`,
      artifactHash: 'a'.repeat(64),
      sourceRun: run.id,
      sourceNode: 'register',
      metrics: { ndcg_at_10: ndcg, 'ndcg_at_10_vs_most-popular': 0.1, coverage: 0.35, latency_p99_ms: 0.08 },
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
    process.env.BOOKML_USER = 'alice';
  });
  afterAll(() => {
    delete process.env.BOOKML_USER;
    rmSync(home, { recursive: true, force: true });
  });

  it('walks staging → approval → production → blocked regression → rollback, every step readable', async () => {
    await seed(0.3, 'bob');
    const staged = await bookml(
      'model',
      'promote',
      'recommender',
      '--version',
      '1',
      '--alias',
      'staging',
      '--as',
      'pipeline',
      '--json',
    );
    expect(JSON.parse(staged.out)).toMatchObject({ status: 'moved', alias: 'staging' });

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
    expect(approved.out).toMatch(/approval: alice at .*"offline NDCG \+4 %"/);

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
    expect(lineage.out).toMatch(/approved {2}by alice at \S+ for production: "offline NDCG \+4 %"/);
    expect(lineage.out.split('\n').length).toBeLessThan(40);

    await seed(0.2, 'bob');
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

    await seed(0.32, 'bob');
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
    expect(rolled.out).toBe('recommender production: v3 → v1 (rolled back by alice: CTR dropped)\n');

    const audit = JSON.parse(
      (await bookml('model', 'audit', 'recommender', '--alias', 'production', '--json')).out,
    );
    expect(
      audit.map(
        (e: { action: string; fromVersion: number | null; toVersion: number; actor: string }) =>
          `${e.action} ${e.fromVersion}→${e.toVersion} ${e.actor}`,
      ),
    ).toEqual(['rollback 3→1 alice', 'set 1→3 alice', 'set null→1 alice']);
  });

  it('says clearly what is missing', async () => {
    const r = await bookml('model', 'get', 'nope');
    expect(r.err).toBe(
      'error REGISTRY_MODEL_NOT_FOUND: no registered model "nope"; list them with `bookml model list`\n',
    );
    process.env.BOOKML_ROLES = 'viewer';
    try {
      const denied = await bookml('model', 'rollback', 'recommender');
      expect(denied.err).toContain('error REGISTRY_FORBIDDEN: alice needs the approver role');
    } finally {
      delete process.env.BOOKML_ROLES;
    }
  });
});
