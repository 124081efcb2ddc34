/**
 * GitOps promotion against a real local Git repository: the bundle is rendered into a working copy, then
 * `bookml deploy promote` (v1 to production), `deploy promote --canary 10` (v2 as the canary) and
 * `deploy rollback` (the canary ends) each make exactly one commit that changes only the serving
 * manifest, with the approval, the gates and the lineage in its message; the registry records each commit.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { localStepServices, openStores } from '../src/app/index.js';
import { codeVersion, resolveWorkspace, systemClock } from '../src/core/index.js';
import { MODEL_VERSION_ANNOTATION } from '../src/deploy/index.js';
import { getPipeline } from '../src/pipelines/index.js';
import { hasBuiltBin, runBuilt } from './fixtures/cli.js';
import { runInProcess } from './fixtures/run-in-process.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@x',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@x',
    },
  });

/** Register one version through the pipeline (it lands at staging). */
async function registerVersion(home: string, kGrid: string, run: string): Promise<number> {
  const stores = openStores({ workspace: resolveWorkspace(home, {}), clock: systemClock });
  try {
    const r = await runInProcess(
      getPipeline('recommender'),
      { kGrid },
      join(home, 'nodes', run),
      run,
      localStepServices(stores, { codeVersion: codeVersion() }),
    );
    return (r.outputs.get('register') as { version: number }).version;
  } finally {
    await stores.close();
  }
}

describe.skipIf(!hasBuiltBin)('bookml deploy promote / rollback (GitOps, needs npm run build)', () => {
  let root: string;
  let home: string;
  let repo: string;
  const bookml = (...args: string[]) => {
    const r = runBuilt([...args, '--json'], { home });
    if (r.status !== 0)
      throw new Error(`bookml ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const serving = () =>
    parse(readFileSync(join(repo, 'k8s', 'serving.yaml'), 'utf8')) as {
      metadata: { annotations: Record<string, string> };
      spec: { predictor: { canaryTrafficPercent?: number; containers: { args: string[] }[] } };
    };
  const head = () => git(repo, 'rev-parse', 'HEAD').trim();
  const changedIn = (sha: string) => git(repo, 'show', '--name-only', '--format=', sha).trim().split('\n');

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'bookml-gitops-'));
    home = join(root, 'workspace');
    repo = join(root, 'deploy-repo');
    git(root, 'init', '--quiet', '-b', 'main', repo);
    bookml(
      'deploy',
      'render',
      '--out',
      join(repo, 'k8s'),
      '--serving',
      'kserve-serverless',
      '--git-repo',
      `file://${repo}`,
    );
    git(repo, 'add', '.');
    git(repo, 'commit', '--quiet', '-m', 'bundle');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('promote, canary step and rollback are one commit each, recorded by the registry', async () => {
    const v1 = await registerVersion(home, '[10,40]', 'run-1');
    // Production needs an approval; approving moves the alias, and the GitOps commit makes it a deploy.
    runBuilt(
      ['model', 'approve', 'recommender', '--version', String(v1), '--reason', 'offline NDCG beats popular'],
      { home },
    );
    const before = head();
    const promoted = bookml(
      'deploy',
      'promote',
      'recommender',
      '--alias',
      'production',
      '--git-dir',
      repo,
      '--version',
      String(v1),
    );
    expect(git(repo, 'rev-list', '--count', `${before}..HEAD`).trim()).toBe('1');
    expect(promoted.commit).toBe(head());
    expect(changedIn(head())).toEqual(['k8s/serving.yaml']);
    expect(serving().metadata.annotations[MODEL_VERSION_ANNOTATION]).toBe(String(v1));
    expect(serving().spec.predictor.canaryTrafficPercent).toBeUndefined();
    const message = git(repo, 'log', '-1', '--format=%B');
    expect(message).toMatch(new RegExp(`^deploy\\(recommender\\): promote v${v1} to production`));
    expect(message).toMatch(/approval: manual by local:\S+ at .* — offline NDCG beats popular/);
    expect(message).toMatch(/gates:\n {2}- \w+: passed — /);
    expect(message).toMatch(/dataset: \S+ sha256:[0-9a-f]{64}/);
    expect(message).toMatch(/code: \S+ git [0-9a-f]{40}/);
    expect(message).toContain('run: run-1');
    const tagged = bookml('model', 'versions', 'recommender') as unknown as {
      version: number;
      tags: Record<string, string>;
    }[];
    expect(tagged.find((v) => v.version === v1)?.tags['bookml.gitops.commit']).toBe(head());

    const v2 = await registerVersion(home, '[10,20]', 'run-2');
    expect(v2).toBeGreaterThan(v1);
    const canary = bookml(
      'deploy',
      'promote',
      'recommender',
      '--alias',
      'production',
      '--git-dir',
      repo,
      '--canary',
      '10',
    );
    expect(canary.commit).toBe(head());
    expect(changedIn(head())).toEqual(['k8s/serving.yaml']);
    expect(serving().spec.predictor.canaryTrafficPercent).toBe(10);
    expect(serving().metadata.annotations[MODEL_VERSION_ANNOTATION]).toBe(String(v2));
    expect(serving().spec.predictor.containers[0].args).toContain('recommender@staging');
    expect(git(repo, 'log', '-1', '--format=%s').trim()).toBe(
      `deploy(recommender): canary v${v2} for production at 10%`,
    );

    const rolled = bookml('deploy', 'rollback', 'recommender', '--alias', 'production', '--git-dir', repo);
    expect(rolled.commit).toBe(head());
    expect(changedIn(head())).toEqual(['k8s/serving.yaml']);
    expect(serving().spec.predictor.canaryTrafficPercent).toBe(0);
    expect(serving().metadata.annotations[MODEL_VERSION_ANNOTATION]).toBe(String(v1));
    expect(git(repo, 'log', '-1', '--format=%s').trim()).toBe(
      `deploy(recommender): roll back production to v${v1} (canary 0%)`,
    );
    expect(git(repo, 'rev-list', '--count', `${before}..HEAD`).trim()).toBe('3');
    // Production never moved during the canary.
    const model = bookml('model', 'get', 'recommender') as { aliases: Record<string, number> };
    expect(model.aliases.production).toBe(v1);
  }, 600_000);

  it('refuses a working copy without a rendered bundle, clearly', () => {
    const empty = join(root, 'empty');
    git(root, 'init', '--quiet', empty);
    const r = runBuilt(['deploy', 'rollback', 'recommender', '--git-dir', empty, '--json'], { home });
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('DEPLOY_NOT_RENDERED');
  });
});
