/** `bookml pipeline list|compile` through real argv strings. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerPipelineCommands } from '../src/cli/commands/pipeline.js';
import { argoValidator, SCHEMA_MISSING } from './golden/argo-schema.js';
import { parseYamlDocuments } from './golden/golden.js';

async function bookml(argv: string[]): Promise<{ stdout: string; error?: unknown }> {
  const program = new Command('bookml').option('--home <dir>').exitOverride();
  program.configureOutput({
    writeOut: (s) => process.stdout.write(s),
    writeErr: (s) => process.stdout.write(s),
  });
  registerPipelineCommands(program);
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return { stdout };
  } catch (error) {
    return { stdout, error };
  } finally {
    spy.mockRestore();
  }
}

describe('bookml pipeline', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bookml-pipeline-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('list --json: names, tasks and parameters with defaults', async () => {
    const { stdout, error } = await bookml(['pipeline', 'list', '--json']);
    expect(error).toBeUndefined();
    const [recommender] = JSON.parse(stdout);
    expect(recommender.name).toBe('recommender');
    expect(recommender.tasks).toEqual([
      'ingest',
      'validate',
      'sweep-grid',
      'train',
      'pick-best',
      'evaluate',
      'register',
      'promote',
    ]);
    expect(recommender.params).toContainEqual({
      name: 'kGrid',
      type: 'list<integer>',
      default: '[20,50]',
      description: 'neighbours kept per book the sweep tries (each at least 10, the list length scored)',
    });
  });

  it('list: a table per pipeline', async () => {
    const { stdout } = await bookml(['pipeline', 'list']);
    expect(stdout).toContain(
      'tasks: ingest → validate → sweep-grid → train → pick-best → evaluate → register → promote',
    );
    expect(stdout).toMatch(/^minNdcg\s+number\s+0\.01\s+gate: /m);
  });

  it.skipIf(SCHEMA_MISSING !== undefined)(
    'compile --out with --schedule writes a WorkflowTemplate and a CronWorkflow that validate',
    async () => {
      const file = join(dir, 'recommender.yaml');
      const { stdout, error } = await bookml([
        'pipeline',
        'compile',
        'recommender',
        '--target',
        'argo',
        '--name',
        'recommender-pipeline',
        '--image',
        'registry.example.com/bookml:0.1.0',
        '--workspace-claim',
        'bookml-workspace',
        '--schedule',
        '0 2 * * *',
        '--out',
        file,
        '--json',
      ]);
      expect(error).toBeUndefined();
      expect(JSON.parse(stdout)).toEqual({
        pipeline: 'recommender',
        target: 'argo',
        file,
        manifests: ['WorkflowTemplate/recommender-pipeline', 'CronWorkflow/recommender-nightly'],
      });
      const docs = parseYamlDocuments(readFileSync(file, 'utf8'));
      expect(docs).toHaveLength(2);
      for (const d of docs) expect(argoValidator()(d)).toEqual([]);
      expect(docs[1]).toMatchObject({
        spec: {
          schedules: ['0 2 * * *'],
          workflowSpec: { workflowTemplateRef: { name: 'recommender-pipeline' } },
        },
      });
    },
  );

  it('compile prints YAML by default and JSON with --json', async () => {
    const yaml = await bookml(['pipeline', 'compile', 'recommender', '--no-legacy-pod-layout']);
    expect(yaml.error).toBeUndefined();
    const [doc] = parseYamlDocuments(yaml.stdout) as { kind: string; spec: { podSpecPatch?: string } }[];
    expect(doc.kind).toBe('WorkflowTemplate');
    expect(doc.spec.podSpecPatch).toBeUndefined();
    const json = await bookml(['pipeline', 'compile', 'recommender', '--json', '--namespace', 'ml']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      kind: 'WorkflowTemplate',
      metadata: { name: 'recommender-pipeline', namespace: 'ml' },
    });
  });

  it('errors name the problem: unknown pipeline, bad options, bad --env', async () => {
    expect((await bookml(['pipeline', 'compile', 'recomender'])).error).toMatchObject({
      code: 'PIPELINES_NOT_FOUND',
      message: 'no pipeline "recomender" (pipelines: recommender, recommender-sharded)',
    });
    expect(
      (await bookml(['pipeline', 'compile', 'recommender', '--namespace', 'Bad_NS'])).error,
    ).toMatchObject({
      code: 'PIPELINE_INVALID_COMPILE_OPTIONS',
      field: 'namespace',
    });
    expect((await bookml(['pipeline', 'compile', 'recommender', '--env', 'NOPE'])).error).toMatchObject({
      code: 'CLI_USAGE',
      field: 'env',
    });
    expect((await bookml(['pipeline', 'compile', 'recommender', '--env', 'NOPE=1'])).error).toMatchObject({
      code: 'PIPELINE_INVALID_COMPILE_OPTIONS',
      field: 'env.NOPE',
    });
    expect((await bookml(['pipeline', 'compile', 'recommender', '--target', 'kfp'])).error).toMatchObject({
      code: 'commander.invalidArgument',
    });
  });

  it('--help lists the commands and options', async () => {
    const { stdout } = await bookml(['pipeline', 'compile', '--help']);
    expect(stdout).toContain('--target <target>');
    expect(stdout).toContain('--schedule <cron>');
  });
});
