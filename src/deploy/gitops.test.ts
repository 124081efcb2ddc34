import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { getPipeline } from '../pipelines/index.js';
import { renderBundle, SERVING_FILE } from './bundle.js';
import {
  commitMessage,
  commitPromotion,
  gitRunner,
  type PromotionRecord,
  readServingState,
} from './gitops.js';
import type { ServingMode } from './options.js';
import { writeBundle } from './write.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@x',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@x',
};
const git = gitRunner(env);

async function repoWith(serving: ServingMode): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bookml-gitops-unit-'));
  roots.push(dir);
  execFileSync('git', ['init', '--quiet', dir]);
  await writeBundle(renderBundle(getPipeline('recommender').spec, { serving }, '0.1.0'), join(dir, 'k8s'));
  execFileSync('git', ['add', '.'], { cwd: dir, env });
  execFileSync('git', ['commit', '--quiet', '-m', 'bundle'], { cwd: dir, env });
  return dir;
}

const record = (over: Partial<PromotionRecord>): PromotionRecord => ({
  action: 'canary',
  model: 'recommender',
  alias: 'production',
  version: 2,
  fromVersion: 1,
  canaryPercent: 20,
  actor: 'local:alice',
  ...over,
});

describe('commitPromotion', () => {
  it('without KServe, a canary is bookml serve’s own split; promoting removes it and rolls the pods', async () => {
    const dir = await repoWith('deployment');
    await commitPromotion({ gitDir: dir, path: 'k8s', record: record({}), git });
    const docs = parseAllDocuments(readFileSync(join(dir, 'k8s', SERVING_FILE), 'utf8')).map((d) => d.toJS());
    const deployment = docs.find((d) => d.kind === 'Deployment');
    const args = deployment.spec.template.spec.containers[0].args as string[];
    expect(args.slice(args.indexOf('--canary'))).toEqual([
      '--canary',
      'recommender@staging',
      '--canary-percent',
      '20',
    ]);
    expect(args[args.indexOf('--model') + 1]).toBe('recommender@production');
    expect(deployment.spec.template.metadata.annotations['bookml.io/model-version']).toBe('2');
    expect(await readServingState(dir, 'k8s')).toMatchObject({ version: 2, canaryPercent: 20 });
    // The other objects of the file (Service, HPA) are kept as they were.
    expect(docs.map((d) => d.kind)).toEqual(['Deployment', 'Service', 'HorizontalPodAutoscaler']);

    await commitPromotion({
      gitDir: dir,
      path: 'k8s',
      record: record({ action: 'promote', canaryPercent: undefined }),
      git,
    });
    expect(await readServingState(dir, 'k8s')).toMatchObject({ version: 2, canaryPercent: undefined });
    const count = execFileSync('git', ['rev-list', '--count', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
    expect(count).toBe('3');
  });

  it('refuses a canary on a RawDeployment InferenceService and a change that changes nothing', async () => {
    const dir = await repoWith('kserve-raw');
    await expect(
      commitPromotion({ gitDir: dir, path: 'k8s', record: record({}), git }),
    ).rejects.toMatchObject({
      code: 'DEPLOY_INVALID_OPTIONS',
      field: 'canary',
    });
    const promote = record({ action: 'promote', canaryPercent: undefined });
    await commitPromotion({ gitDir: dir, path: 'k8s', record: promote, git });
    await expect(commitPromotion({ gitDir: dir, path: 'k8s', record: promote, git })).rejects.toMatchObject({
      code: 'DEPLOY_INVALID_OPTIONS',
    });
  });

  it('writes approval, gates and lineage into the message', () => {
    const text = commitMessage(
      record({
        approval: {
          by: 'local:bob',
          at: Date.parse('2026-01-02T03:04:05Z'),
          reason: 'beats popular',
          method: 'manual',
        },
        gates: [{ gate: 'min_ndcg', passed: true, detail: '0.2 >= 0.01' }],
        lineage: {
          dataset: { uri: 's3://b/d', hash: 'ab' },
          code: { version: '0.1.0', gitSha: 'cd' },
          run: 'run-7',
        },
      }),
    );
    expect(text.split('\n')[0]).toBe('deploy(recommender): canary v2 for production at 20%');
    expect(text).toContain('approval: manual by local:bob at 2026-01-02T03:04:05.000Z — beats popular');
    expect(text).toContain('  - min_ndcg: passed — 0.2 >= 0.01');
    expect(text).toContain('  dataset: s3://b/d sha256:ab');
    expect(text).toContain('  code: 0.1.0 git cd');
    expect(text).toContain('  run: run-7');
  });
});
