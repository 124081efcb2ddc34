import { type Command, Option } from 'commander';
import { usageError } from '../errors.js';
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
    .option('--image <ref>', 'image that runs every role (default bookml:<version>)')
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
}
