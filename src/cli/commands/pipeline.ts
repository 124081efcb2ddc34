import { writeFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import type { ArgoCompileOptions } from '../../pipeline/compile/index.js';
import type { ParamSpec } from '../../pipeline/index.js';
import { usageError } from '../errors.js';
import { emit, table } from '../output.js';

interface CompileFlags {
  target: 'argo';
  out?: string;
  image?: string;
  name?: string;
  namespace?: string;
  serviceAccount?: string;
  workspaceClaim?: string;
  artifactRepository?: string;
  apiUrl?: string;
  databaseUrlSecret?: string;
  env: string[];
  legacyPodLayout: boolean;
  schedule?: string;
  timezone?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `bookml pipeline list|compile`, the argo CLI's `template list` / `lint`-and-emit: list the pipelines
 * bookml ships with their parameters, and compile one to an Argo WorkflowTemplate (plus a CronWorkflow with
 * `--schedule`) that validates against the official schema.
 */
export function registerPipelineCommands(program: Command): void {
  const pipeline = program
    .command('pipeline')
    .description('list pipelines and compile them for Argo Workflows');

  pipeline
    .command('list')
    .description('list the pipelines with their tasks and parameters')
    .option('--json', 'machine-readable output')
    .action(async (flags: { json?: boolean }) => {
      const { PIPELINES, pipelineNames } = await import('../../pipelines/index.js');
      const { encodeParamValue, typeLabel } = await import('../../pipeline/index.js');
      const result = pipelineNames().map((name) => {
        const spec = PIPELINES[name].spec;
        return {
          name,
          description: spec.description ?? '',
          tasks: spec.tasks.map((t) => t.id),
          params: Object.entries(spec.params).map(([p, s]: [string, ParamSpec]) => ({
            name: p,
            type: typeLabel(s),
            ...(s.default === undefined ? { required: true } : { default: encodeParamValue(s.default) }),
            ...(s.description === undefined ? {} : { description: s.description }),
          })),
        };
      });
      emit(result, flags.json, (rows) =>
        rows
          .map((r) =>
            [
              `${r.name} — ${r.description}`,
              `tasks: ${r.tasks.join(' → ')}`,
              table(
                ['parameter', 'type', 'default', 'description'],
                r.params.map((p) => [
                  p.name,
                  p.type,
                  'default' in p ? String(p.default) : '(required)',
                  p.description ?? '',
                ]),
              ),
            ].join('\n'),
          )
          .join('\n\n'),
      );
    });

  pipeline
    .command('compile')
    .description(
      'compile a pipeline to an Argo WorkflowTemplate (YAML), checked by the DAG and PSA restricted rules',
    )
    .argument('<name>', 'pipeline name (see `bookml pipeline list`)')
    .addOption(new Option('--target <target>', 'what to compile for').choices(['argo']).default('argo'))
    .option('--out <file>', 'write the YAML to this file instead of stdout')
    .option('--image <ref>', 'image with bookml on its PATH (default: bookml:<version>)')
    .option('--name <name>', 'WorkflowTemplate name (default: <pipeline>-pipeline)')
    .option('--namespace <ns>', 'namespace (default: bookstore-ml)')
    .option('--service-account <sa>', 'ServiceAccount of every pod (default: bookml-pipeline)')
    .option('--workspace-claim <pvc>', 'PVC mounted at /workspace in every step (BOOKML_HOME)')
    .option(
      '--artifact-repository <configmap:key>',
      'S3 artifact repository reference, e.g. artifact-repositories:bookml-s3',
    )
    .option('--api-url <url>', 'control-plane URL the steps call (BOOKML_API_URL)')
    .option('--database-url-secret <secret:key>', 'Secret key holding BOOKML_DATABASE_URL for the steps')
    .option(
      '--env <NAME=value>',
      'value of an environment variable a step declares (repeatable)',
      collect,
      [],
    )
    .option('--no-legacy-pod-layout', "Argo 4.1's init-less pods: do not patch the init/wait containers")
    .option(
      '--schedule <cron>',
      "also emit a CronWorkflow running the template on this schedule, e.g. '0 2 * * *'",
    )
    .option('--timezone <tz>', 'time zone of --schedule (default: UTC)')
    .option('--json', 'print the manifests as JSON (with --out: a summary)')
    .action(async (name: string, flags: CompileFlags) => {
      const { getPipeline } = await import('../../pipelines/index.js');
      const argo = await import('../../pipeline/compile/index.js');
      const { codeVersion } = await import('../../core/index.js');
      const spec = getPipeline(name).spec;
      const env: Record<string, string> = {};
      for (const pair of flags.env) {
        const eq = pair.indexOf('=');
        if (eq < 1) throw usageError(`--env takes NAME=value, got "${pair}"`, 'env');
        env[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      const pair = (flag: string, value: string): [string, string] => {
        const [a, b, ...rest] = value.split(':');
        if (!a || !b || rest.length > 0) {
          throw usageError(`--${flag} takes name:key, got "${value}"`, flag);
        }
        return [a, b];
      };
      let artifactRepository: ArgoCompileOptions['artifactRepository'];
      if (flags.artifactRepository !== undefined) {
        const [configMap, key] = pair('artifact-repository', flags.artifactRepository);
        artifactRepository = { configMap, key };
      }
      let databaseUrlSecret: ArgoCompileOptions['databaseUrlSecret'];
      if (flags.databaseUrlSecret !== undefined) {
        const [secret, key] = pair('database-url-secret', flags.databaseUrlSecret);
        databaseUrlSecret = { name: secret, key };
      }
      const options: ArgoCompileOptions = {
        image: flags.image ?? `bookml:${codeVersion().version}`,
        // DESIGN.md's cluster shape names the template `recommender-pipeline`, the CronWorkflow `…-nightly`.
        name: flags.name ?? `${name}-pipeline`,
        ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
        ...(flags.serviceAccount === undefined ? {} : { serviceAccountName: flags.serviceAccount }),
        ...(flags.workspaceClaim === undefined ? {} : { workspaceClaimName: flags.workspaceClaim }),
        ...(artifactRepository === undefined ? {} : { artifactRepository }),
        ...(flags.apiUrl === undefined ? {} : { apiUrl: flags.apiUrl }),
        ...(databaseUrlSecret === undefined ? {} : { databaseUrlSecret }),
        ...(Object.keys(env).length === 0 ? {} : { env }),
        legacyPodLayout: flags.legacyPodLayout,
      };
      const template = argo.compileToArgo(spec, options);
      const manifests: object[] = [template];
      if (flags.schedule !== undefined) {
        manifests.push(
          argo.compileCronWorkflow(spec, {
            schedule: flags.schedule,
            templateName: template.metadata.name,
            namespace: template.metadata.namespace,
            ...(flags.timezone === undefined ? {} : { timezone: flags.timezone }),
          }),
        );
      }
      const kinds = manifests.map((m) => {
        const { kind, metadata } = m as { kind: string; metadata: { name: string } };
        return `${kind}/${metadata.name}`;
      });
      if (flags.out !== undefined) {
        await writeFile(flags.out, await argo.toYaml(manifests));
        const summary = { pipeline: name, target: flags.target, file: flags.out, manifests: kinds };
        emit(summary, flags.json, (s) => `wrote ${s.manifests.join(', ')} → ${s.file}`);
      } else if (flags.json) {
        emit(manifests.length === 1 ? template : manifests, true, () => '');
      } else {
        process.stdout.write(await argo.toYaml(manifests));
      }
    });
}
