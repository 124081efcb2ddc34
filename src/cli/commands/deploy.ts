import { type Command, Option } from 'commander';
import type { PromotionRecord } from '../../deploy/index.js';
import type { ApprovalRecord, Registry, VersionRecord } from '../../registry/index.js';
import { appConfigOf, intOption } from '../context.js';
import { usageError } from '../errors.js';
import { localActor } from '../local-identity.js';
import { emit, table } from '../output.js';

interface RenderFlags {
  out: string;
  namespace?: string;
  image?: string;
  argoVersion?: '3.5' | '3.6' | '4.1';
  serving?: 'kserve-serverless' | 'kserve-raw' | 'deployment';
  artifacts?: string;
  s3Endpoint?: string;
  natsUrl?: string;
  gitRepo?: string;
  gitPath?: string;
  json?: boolean;
}

/**
 * `bookml deploy render|promote`: the cluster form as a kustomize base, and GitOps promotion (a commit
 * to the rendered serving manifest that Argo CD applies).
 */
export function registerDeployCommands(program: Command): void {
  const deploy = program
    .command('deploy')
    .description('render the Kubernetes bundle (kustomize base) and promote through Git (Argo CD)');

  deploy
    .command('render')
    .description(
      'write a kustomize base: namespace (PSA restricted), RBAC, Argo pipeline + schedule, Argo Events, serving, API, monitor, policies',
    )
    .option('--out <dir>', 'folder to write (created if missing)', 'k8s')
    .option('--namespace <ns>', 'namespace (default bookstore-ml)')
    .option(
      '--image <ref>',
      'image that runs every role; pinned as repo@sha256:<digest>, lineage records the digest (default bookml:<version>)',
    )
    .addOption(
      new Option('--argo-version <v>', 'Argo Workflows dialect (default 3.5)').choices(['3.5', '3.6', '4.1']),
    )
    .addOption(
      new Option('--serving <mode>', 'how the recommender is served (default kserve-serverless)').choices([
        'kserve-serverless',
        'kserve-raw',
        'deployment',
      ]),
    )
    .option('--artifacts <uri>', 'artifact store, s3://bucket/prefix (default s3://bookml/artifacts)')
    .option('--s3-endpoint <url>', 'S3 endpoint URL (default https://s3.amazonaws.com)')
    .option(
      '--nats-url <url>',
      'NATS the drift monitor publishes ml.drift to (default nats://bookml-nats:4222)',
    )
    .option('--git-repo <url>', 'Git repository Argo CD syncs the bundle from')
    .option('--git-path <path>', 'folder of the bundle in that repository (default k8s)')
    .option('--json', 'print a summary as JSON')
    .action(async (flags: RenderFlags) => {
      const { renderBundle, writeBundle } = await import('../../deploy/index.js');
      const { getPipeline } = await import('../../pipelines/index.js');
      const { codeVersion } = await import('../../core/index.js');
      if (flags.out.trim() === '') throw usageError('--out must name a folder', 'out');
      const bundle = renderBundle(
        getPipeline('recommender').spec,
        {
          namespace: flags.namespace,
          image: flags.image,
          argoVersion: flags.argoVersion,
          serving: flags.serving,
          artifacts: flags.artifacts,
          s3Endpoint: flags.s3Endpoint,
          natsUrl: flags.natsUrl,
          gitRepoUrl: flags.gitRepo,
          gitPath: flags.gitPath,
        },
        codeVersion().version,
      );
      const files = await writeBundle(bundle, flags.out);
      const summary = {
        out: flags.out,
        namespace: bundle.options.namespace,
        image: bundle.options.image,
        argoVersion: bundle.options.argoVersion,
        serving: bundle.options.serving,
        artifacts: bundle.options.artifacts,
        files,
        objects: bundle.resources.map((f) => ({
          kind: f.manifest.kind,
          name: f.manifest.metadata.name,
          file: f.file,
        })),
      };
      emit(summary, flags.json, (s) =>
        [
          `wrote ${s.files.length} files to ${s.out} (Argo ${s.argoVersion}, serving ${s.serving}, namespace ${s.namespace})`,
          table(
            ['kind', 'name', 'file'],
            s.objects.map((x) => [x.kind, x.name, x.file]),
          ),
          `apply: kubectl apply -k ${s.out}   (Secrets first: see docs/deploy.md)`,
        ].join('\n'),
      );
    });

  deploy
    .command('promote <model>')
    .description(
      'GitOps promotion: move the alias (or start a canary) and commit the serving manifest in a Git working copy for Argo CD',
    )
    .requiredOption('--git-dir <dir>', 'Git working copy holding the rendered bundle')
    .option('--path <path>', 'folder of the bundle inside the working copy', 'k8s')
    .option('--alias <name>', 'the alias serving follows', 'production')
    .option(
      '--version <n>',
      'the version to promote (default: the one staging points at)',
      intOption('--version'),
    )
    .option(
      '--canary <percent>',
      'send this share of traffic to the candidate instead of promoting it (1–99); the alias does not move',
      intOption('--canary'),
    )
    .option('--reason <text>', 'why (kept in the audit trail and the commit)')
    .option('--as <id>', 'must be you (the OS user): the CLI records local:<OS user>')
    .option('--json', 'machine-readable output')
    .action(
      async (model: string, flags: GitOpsFlags & { version?: number; canary?: number }, cmd: Command) => {
        if (flags.canary !== undefined && !(flags.canary >= 1 && flags.canary <= 99))
          throw usageError(`--canary takes a share of 1–99 percent, got ${flags.canary}`, '--canary');
        await withGitOps(cmd, flags, async (r, actor, evidence) => {
          const version = flags.version ?? (await r.resolveAlias(model, 'staging')).version;
          const current = await currentVersion(r, model, flags.alias);
          if (flags.canary !== undefined) {
            const v = await r.getVersion(model, version);
            return recordOf(
              'canary',
              v,
              flags,
              actor.id,
              current,
              flags.canary,
              await approvalOf(r, model, version, flags.alias),
            );
          }
          const out = await r.promote(model, version, flags.alias, { actor, reason: flags.reason, evidence });
          if (out.status === 'pending-approval') {
            throw usageError(
              `${model} v${version} waits for an approval for ${flags.alias} (bookml model approve ${model} --version ${version} --reason …); nothing was committed`,
              '--version',
            );
          }
          const v = await r.getVersion(model, version);
          return recordOf(
            'promote',
            v,
            flags,
            actor.id,
            out.fromVersion ?? current,
            undefined,
            out.approval ?? (await approvalOf(r, model, version, flags.alias)),
          );
        });
      },
    );

  deploy
    .command('rollback <model>')
    .description(
      'GitOps rollback: end a running canary (share 0), or move the alias back to the version before; one commit',
    )
    .requiredOption('--git-dir <dir>', 'Git working copy holding the rendered bundle')
    .option('--path <path>', 'folder of the bundle inside the working copy', 'k8s')
    .option('--alias <name>', 'the alias serving follows', 'production')
    .option('--reason <text>', 'why (kept in the audit trail and the commit)')
    .option('--as <id>', 'must be you (the OS user): the CLI records local:<OS user>')
    .option('--json', 'machine-readable output')
    .action(async (model: string, flags: GitOpsFlags, cmd: Command) => {
      const { readServingState } = await import('../../deploy/index.js');
      const state = await readServingState(flags.gitDir, flags.path);
      await withGitOps(cmd, flags, async (r, actor) => {
        if (state.canaryPercent !== undefined && state.canaryPercent > 0) {
          // The canary ends: all traffic to the revision the alias serves; the alias never moved.
          const v = await r.resolveAlias(model, flags.alias);
          return recordOf(
            'rollback',
            v,
            flags,
            actor.id,
            state.version,
            0,
            await approvalOf(r, model, v.version, flags.alias),
          );
        }
        const e = await r.rollback(model, { actor, alias: flags.alias, reason: flags.reason });
        if (e.toVersion === null)
          throw usageError(
            `${model} ${flags.alias} had no version before; nothing to roll back to`,
            '--alias',
          );
        const v = await r.getVersion(model, e.toVersion);
        return recordOf(
          'rollback',
          v,
          flags,
          actor.id,
          e.fromVersion,
          undefined,
          await approvalOf(r, model, v.version, flags.alias),
        );
      });
    });
}

interface GitOpsFlags {
  gitDir: string;
  path: string;
  alias: string;
  reason?: string;
  as?: string;
  json?: boolean;
}

/** The registry as the local actor, then one commit; the registry records the commit on the version. */
async function withGitOps(
  cmd: Command,
  flags: GitOpsFlags,
  decide: (
    r: Registry,
    actor: ReturnType<typeof localActor>,
    evidence: import('../../registry/index.js').GateEvidence,
  ) => Promise<PromotionRecord>,
): Promise<void> {
  const { createApp, localGateEvidence } = await import('../../app/index.js');
  const { commitPromotion, gitRunner } = await import('../../deploy/index.js');
  const actor = localActor(flags, process.env);
  const app = createApp(await appConfigOf(cmd));
  try {
    const r = await app.stores.registry();
    const record = await decide(r, actor, localGateEvidence(app.stores));
    const done = await commitPromotion({
      gitDir: flags.gitDir,
      path: flags.path,
      record,
      git: gitRunner(gitEnv(actor.id)),
    });
    await r.setVersionTag(record.model, record.version, 'bookml.gitops.commit', done.commit, actor);
    emit({ ...record, commit: done.commit, file: done.file }, flags.json, (x) =>
      [
        `${x.commit.slice(0, 12)} ${done.message.split('\n')[0]}`,
        `wrote ${x.file}; Argo CD applies it on sync`,
      ].join('\n'),
    );
  } finally {
    await app.close();
  }
}

/** git's environment: the caller's, with the actor as author when no identity is configured. */
function gitEnv(actor: string): NodeJS.ProcessEnv {
  const email = `${actor.replace(/[^A-Za-z0-9._-]/g, '-')}@bookml.invalid`;
  return {
    ...process.env,
    GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? actor,
    GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? email,
    GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? actor,
    GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? email,
  };
}

async function currentVersion(r: Registry, model: string, alias: string): Promise<number | null> {
  const m = await r.getModel(model);
  return m.aliases[alias] ?? null;
}

async function approvalOf(
  r: Registry,
  model: string,
  version: number,
  alias: string,
): Promise<ApprovalRecord | null> {
  const all = await r.listApprovals({ model, version, status: 'approved' });
  return (
    all.filter((a) => a.alias === alias).sort((a, b) => (b.decidedAt ?? 0) - (a.decidedAt ?? 0))[0] ?? null
  );
}

function recordOf(
  action: PromotionRecord['action'],
  v: VersionRecord,
  flags: GitOpsFlags,
  actor: string,
  fromVersion: number | null,
  canaryPercent: number | undefined,
  approval: ApprovalRecord | null,
): PromotionRecord {
  const gates = v.gates[flags.alias] ?? v.gates.staging;
  return {
    action,
    model: v.model,
    alias: flags.alias,
    version: v.version,
    fromVersion: fromVersion === v.version ? null : fromVersion,
    canaryPercent,
    actor,
    reason: flags.reason,
    approval:
      approval === null
        ? null
        : {
            by: approval.decidedBy ?? 'unknown',
            at: approval.decidedAt ?? approval.requestedAt,
            reason: approval.reason,
            method: approval.method,
          },
    gates: gates?.results.map((g) => ({ gate: g.gate, passed: g.passed, detail: g.detail })),
    lineage: {
      dataset: v.lineage.dataset ? { uri: v.lineage.dataset.uri, hash: v.lineage.dataset.hash } : undefined,
      code: v.lineage.codeVersion
        ? {
            version: String(v.lineage.codeVersion.version ?? 'unknown'),
            gitSha: v.lineage.codeVersion.gitSha ?? null,
          }
        : undefined,
      run: v.sourceRun ?? v.tags['bookml.run'] ?? null,
    },
  };
}
