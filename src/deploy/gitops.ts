import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SERVING_FILE } from './bundle.js';
import { DeployError } from './errors.js';
import { MODEL_NAME_ON_CLUSTER } from './model-ref.js';
import { MODEL_VERSION_ANNOTATION } from './serving.js';

/**
 * GitOps promotion: a promotion is a commit to the rendered serving manifest in a Git working copy, which
 * Argo CD applies ("a registry stamp is not a deploy"). The caller (the CLI) moves the registry and hands
 * in what happened; this edits `serving.yaml` — the version annotation, the canary share, which alias the
 * new revision serves — and commits it with the approval, the gate results and the lineage in the message.
 */

/** What one promotion step does to serving. */
export type GitOpsAction = 'promote' | 'canary' | 'rollback';

/** The facts a commit message carries; all of it comes from the registry. */
export interface PromotionRecord {
  action: GitOpsAction;
  model: string;
  alias: string;
  /** The version serving gets (during a canary: the candidate). */
  version: number;
  /** The version it served before, if any. */
  fromVersion: number | null;
  /** Canary share after this step; `undefined` when no canary is left. */
  canaryPercent: number | undefined;
  actor: string;
  reason?: string | undefined;
  approval?: { by: string; at: number; reason: string | null; method: string | null } | null | undefined;
  gates?: { gate: string; passed: boolean; detail: string }[] | undefined;
  lineage?:
    | {
        dataset?: { uri: string; hash: string } | undefined;
        code?: { version: string; gitSha: string | null } | undefined;
        run?: string | null | undefined;
      }
    | undefined;
}

/** Runs git in a working copy; injected so tests and the CLI decide the environment. */
export type GitRunner = (args: string[], cwd: string) => Promise<string>;

/** `git` from PATH with the given environment (the CLI passes its own). */
export function gitRunner(env: NodeJS.ProcessEnv): GitRunner {
  const run = promisify(execFile);
  return async (args, cwd) => {
    try {
      return (await run('git', args, { cwd, env, maxBuffer: 8 << 20 })).stdout;
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new DeployError('DEPLOY_GIT_FAILED', `git ${args[0]}: ${(err.stderr || err.message).trim()}`, {
        field: 'gitDir',
      });
    }
  };
}

/** What serving.yaml says now: the version annotation and the canary share. */
export interface ServingState {
  file: string;
  version: number | null;
  canaryPercent: number | undefined;
}

type Doc = import('yaml').Document.Parsed;

async function readServing(gitDir: string, path: string): Promise<{ file: string; docs: Doc[] }> {
  const file = join(gitDir, path, SERVING_FILE);
  if (!existsSync(file)) {
    throw new DeployError(
      'DEPLOY_NOT_RENDERED',
      `${file} does not exist: render the bundle into the working copy first (bookml deploy render --out ${join(gitDir, path)})`,
      { field: 'gitDir' },
    );
  }
  const { parseAllDocuments } = await import('yaml');
  const docs = parseAllDocuments(await readFile(file, 'utf8')) as Doc[];
  const bad = docs.flatMap((d) => d.errors);
  if (bad.length > 0)
    throw new DeployError('DEPLOY_NOT_RENDERED', `${file}: not valid YAML (${bad[0].message})`, {
      field: 'gitDir',
    });
  return { file, docs };
}

const servingDoc = (docs: Doc[]): Doc | undefined =>
  docs.find((d) => ['InferenceService', 'Deployment'].includes(String(d.get('kind'))));

/**
 * The serving state recorded in the working copy.
 * @example (await readServingState('deploy-repo', 'k8s')).canaryPercent; // 10
 */
export async function readServingState(gitDir: string, path: string): Promise<ServingState> {
  const { file, docs } = await readServing(gitDir, path);
  const doc = servingDoc(docs);
  if (doc === undefined)
    throw new DeployError('DEPLOY_NOT_RENDERED', `${file} holds no InferenceService or Deployment`, {
      field: 'gitDir',
    });
  const v = doc.getIn(['metadata', 'annotations', MODEL_VERSION_ANNOTATION]);
  let canary: number | undefined;
  if (doc.get('kind') === 'InferenceService') {
    const c = doc.getIn(['spec', 'predictor', 'canaryTrafficPercent']);
    canary = typeof c === 'number' ? c : undefined;
  } else {
    const args = containerArgs(doc);
    const i = args.indexOf('--canary-percent');
    canary = i >= 0 ? Number(args[i + 1]) : undefined;
  }
  return { file, version: v === undefined ? null : Number(v), canaryPercent: canary };
}

function containerArgs(doc: Doc): string[] {
  const path =
    doc.get('kind') === 'InferenceService'
      ? ['spec', 'predictor', 'containers', 0, 'args']
      : ['spec', 'template', 'spec', 'containers', 0, 'args'];
  const node = doc.getIn(path) as { toJSON(): unknown } | undefined;
  return (node?.toJSON() as string[] | undefined) ?? [];
}

/**
 * Serving's arguments for a state: the new revision serves the candidate (`staging`) while a canary runs,
 * `production` otherwise. Without KServe's Knative traffic split, bookml serve splits itself (`--canary`).
 */
function argsFor(args: string[], knative: boolean, canary: number | undefined): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--canary' || args[i] === '--canary-percent') {
      i++;
      continue;
    }
    if (args[i] === '--model') {
      // A Knative rollback (share 0) keeps the candidate's revision as it is, idle, as KServe documents.
      const alias = knative && canary !== undefined ? 'staging' : 'production';
      out.push('--model', `${MODEL_NAME_ON_CLUSTER}@${alias}`);
      i++;
      continue;
    }
    out.push(args[i]);
  }
  if (!knative && canary !== undefined && canary > 0)
    out.push('--canary', `${MODEL_NAME_ON_CLUSTER}@staging`, '--canary-percent', String(canary));
  return out;
}

function applyChange(doc: Doc, r: PromotionRecord): void {
  const knative =
    doc.get('kind') === 'InferenceService' &&
    ['Serverless', 'Knative'].includes(
      String(doc.getIn(['metadata', 'annotations', 'serving.kserve.io/deploymentMode'])),
    );
  if (r.canaryPercent !== undefined && doc.get('kind') === 'InferenceService' && !knative) {
    throw new DeployError(
      'DEPLOY_INVALID_OPTIONS',
      'canary: KServe splits traffic only in Serverless (Knative) mode; render with --serving kserve-serverless or deployment',
      { field: 'canary' },
    );
  }
  doc.setIn(['metadata', 'annotations', MODEL_VERSION_ANNOTATION], String(r.version));
  const isvc = doc.get('kind') === 'InferenceService';
  const argsPath = isvc
    ? ['spec', 'predictor', 'containers', 0, 'args']
    : ['spec', 'template', 'spec', 'containers', 0, 'args'];
  doc.setIn(argsPath, doc.createNode(argsFor(containerArgs(doc), knative, r.canaryPercent)));
  if (isvc) {
    if (r.canaryPercent === undefined) doc.deleteIn(['spec', 'predictor', 'canaryTrafficPercent']);
    else doc.setIn(['spec', 'predictor', 'canaryTrafficPercent'], r.canaryPercent);
  } else {
    // A new pod template is what rolls the Deployment's pods.
    doc.setIn(['spec', 'template', 'metadata', 'annotations', MODEL_VERSION_ANNOTATION], String(r.version));
  }
}

/** The commit message: a subject line, then the approval, the gates and the lineage, one fact a line. */
export function commitMessage(r: PromotionRecord): string {
  const share = r.canaryPercent === undefined ? '' : ` (canary ${r.canaryPercent}%)`;
  const subject =
    r.action === 'rollback'
      ? `deploy(${r.model}): roll back ${r.alias} to v${r.version}${share}`
      : r.action === 'canary'
        ? `deploy(${r.model}): canary v${r.version} for ${r.alias} at ${r.canaryPercent}%`
        : `deploy(${r.model}): promote v${r.version} to ${r.alias}`;
  const lines = [
    subject,
    '',
    `action: ${r.action}`,
    `model: ${r.model}`,
    `alias: ${r.alias}`,
    `version: ${r.version}${r.fromVersion === null ? '' : ` (from v${r.fromVersion})`}`,
    `canary: ${r.canaryPercent === undefined ? 'none' : `${r.canaryPercent}%`}`,
    `by: ${r.actor}${r.reason ? ` — ${r.reason}` : ''}`,
    r.approval
      ? `approval: ${r.approval.method ?? 'manual'} by ${r.approval.by} at ${new Date(r.approval.at).toISOString()}${r.approval.reason ? ` — ${r.approval.reason}` : ''}`
      : 'approval: none recorded',
    'gates:',
    ...(r.gates?.length
      ? r.gates.map((g) => `  - ${g.gate}: ${g.passed ? 'passed' : 'FAILED'} — ${g.detail}`)
      : ['  - none recorded']),
    'lineage:',
    `  dataset: ${r.lineage?.dataset ? `${r.lineage.dataset.uri} sha256:${r.lineage.dataset.hash}` : 'unknown'}`,
    `  code: ${r.lineage?.code ? `${r.lineage.code.version} git ${r.lineage.code.gitSha ?? 'unknown'}` : 'unknown'}`,
    `  run: ${r.lineage?.run ?? 'unknown'}`,
    '',
    `Bookml-Model: ${r.model}@${r.version}`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Write one promotion step to `serving.yaml` under `<gitDir>/<path>` and commit it (one commit, that file
 * only). Returns the commit's SHA.
 * @example const { commit } = await commitPromotion({ gitDir, path: 'k8s', record, git: gitRunner(process.env) });
 */
export async function commitPromotion(o: {
  gitDir: string;
  path: string;
  record: PromotionRecord;
  git: GitRunner;
}): Promise<{ commit: string; file: string; message: string }> {
  const { file, docs } = await readServing(o.gitDir, o.path);
  const doc = servingDoc(docs);
  if (doc === undefined)
    throw new DeployError('DEPLOY_NOT_RENDERED', `${file} holds no InferenceService or Deployment`, {
      field: 'gitDir',
    });
  applyChange(doc, o.record);
  // A parsed document after the first keeps its own `---` marker when it had one.
  const text = docs
    .map((d, i) => {
      const t = d.toString({ lineWidth: 0 });
      return i === 0 || t.startsWith('---') ? t : `---\n${t}`;
    })
    .join('');
  await writeFile(file, text);
  const rel = join(o.path, SERVING_FILE);
  const message = commitMessage(o.record);
  await o.git(['add', '--', rel], o.gitDir);
  const staged = await o.git(['diff', '--cached', '--name-only'], o.gitDir);
  if (staged.trim() === '') {
    throw new DeployError(
      'DEPLOY_INVALID_OPTIONS',
      `${rel} already says this (v${o.record.version}); nothing to commit`,
      {
        field: 'version',
      },
    );
  }
  await o.git(['commit', '--quiet', '--no-verify', '-m', message, '--', rel], o.gitDir);
  const commit = (await o.git(['rev-parse', 'HEAD'], o.gitDir)).trim();
  return { commit, file, message };
}
