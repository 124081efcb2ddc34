/**
 * The Argo compiler end to end: the compiled WorkflowTemplate validates against the official schema
 * (closed: unknown keys fail), passes the compiler's own checks and PSA `restricted`, has the same tasks,
 * edges, parameters and options as the local plan, and matches its golden file.
 */
import { describe, expect, it } from 'vitest';
import {
  type ArgoCompileOptions,
  type ArgoWorkflowTemplate,
  checkRestricted,
  compileCronWorkflow,
  compileToArgo,
  inspectWorkflowTemplate,
  lintWorkflowTemplate,
  RESTRICTED_UID,
  shapeOfPlan,
  toYaml,
} from '../src/pipeline/compile/index.js';
import { toLocalPlan } from '../src/pipeline/executor/index.js';
import { definePipeline, defineStep, ge, PipelineError, param } from '../src/pipeline/index.js';
import { argoValidator, SCHEMA_MISSING } from './golden/argo-schema.js';
import { golden, parseYamlDocuments } from './golden/golden.js';
import { goldenOptions, recommender, trainStep } from './golden/pipeline-recommender.js';

type Obj = Record<string, unknown>;
const templates = (wt: ArgoWorkflowTemplate) => new Map(wt.spec.templates.map((t) => [t.name, t as Obj]));
const dagTasks = (wt: ArgoWorkflowTemplate) =>
  new Map(((templates(wt).get('pipeline') as Obj).dag as { tasks: Obj[] }).tasks.map((t) => [t.name, t]));
const clone = <T>(x: T): T => structuredClone(x);

const compiled = compileToArgo(recommender.spec, goldenOptions);

/** Small pipelines covering what the recommender fixture does not: fan-out over a parameter and an output. */
const dynamic = (() => {
  const grid = param.list({ similarity: param.enum(['cosine', 'jaccard']), k: param.integer({ min: 1 }) });
  const plan = defineStep({
    name: 'plan-grid',
    version: '1',
    inputs: { params: { ks: param.list(param.integer({ min: 1 })) } },
    outputs: { params: { grid } },
    pure: true,
    retrySafe: true,
    timeoutSeconds: 30,
    run: async (_c, { ks }) => ({ grid: ks.map((k) => ({ similarity: 'cosine' as const, k })) }),
  });
  const score = defineStep({
    name: 'score',
    version: '1',
    inputs: { params: { similarity: param.enum(['cosine', 'jaccard']), k: param.integer() } },
    outputs: { params: { ndcg: param.number() } },
    pure: true,
    retrySafe: true,
    timeoutSeconds: 30,
    run: async () => ({ ndcg: 0.1 }),
  });
  const announce = defineStep({
    name: 'announce',
    version: '1',
    inputs: { params: { best: param.number() } },
    pure: false,
    retrySafe: true,
    timeoutSeconds: 30,
    env: ['BOOKML_CHANNEL'],
    run: async () => ({}),
  });
  const best = defineStep({
    name: 'best',
    version: '1',
    inputs: { params: { ndcg: param.list(param.number()) } },
    outputs: { params: { best: param.number() } },
    pure: true,
    retrySafe: true,
    timeoutSeconds: 30,
    run: async (_c, { ndcg }) => ({ best: Math.max(...ndcg) }),
  });
  return definePipeline({
    name: 'dynamic',
    params: {
      ks: param.list(param.integer({ min: 1 }), { default: [10, 20] }),
      grid: param.list(
        { similarity: param.enum(['cosine', 'jaccard']), k: param.integer({ min: 1 }) },
        {
          default: [{ similarity: 'jaccard', k: 5 }],
        },
      ),
      minNdcg: param.number({ default: 0.1 }),
    },
    build: (p, b) => {
      const g = b.task('plan-grid', plan, { ks: p.ks });
      const byOutput = b.fanOut('by-output', score, g.outputs.grid, (i) => ({
        similarity: i.similarity,
        k: i.k,
      }));
      b.fanOut('by-param', score, p.grid, (i) => ({ similarity: i.similarity, k: i.k }));
      const top = b.task('best', best, { ndcg: byOutput.outputs.ndcg });
      b.task('announce', announce, { best: top.outputs.best }).when(ge(top.outputs.best, p.minNdcg));
    },
  });
})();
const dynamicOptions: ArgoCompileOptions = { image: 'bookml:0.1.0', env: { BOOKML_CHANNEL: 'ml' } };

describe.skipIf(SCHEMA_MISSING !== undefined)('compiled manifests validate against the Argo schema', () => {
  it('the recommender fixture, its init-less variant, a workspace PVC variant and the dynamic pipeline', () => {
    const validate = argoValidator();
    expect(validate(compiled)).toEqual([]);
    expect(validate(compileToArgo(recommender.spec, { ...goldenOptions, legacyPodLayout: false }))).toEqual(
      [],
    );
    expect(
      validate(compileToArgo(recommender.spec, { ...goldenOptions, workspaceClaimName: 'bookml-ws' })),
    ).toEqual([]);
    expect(validate(compileToArgo(dynamic.spec, dynamicOptions))).toEqual([]);
  });

  it('the CronWorkflow that runs it nightly', () => {
    const cron = compileCronWorkflow(recommender.spec, {
      name: 'recommender-nightly',
      schedule: '0 2 * * *',
      params: { trigger: 'schedule', minNdcg: 0.1 },
    });
    expect(argoValidator()(cron)).toEqual([]);
    expect(cron.spec).toMatchObject({
      schedules: ['0 2 * * *'],
      timezone: 'UTC',
      concurrencyPolicy: 'Replace',
      startingDeadlineSeconds: 600,
      workflowSpec: {
        workflowTemplateRef: { name: 'recommender-pipeline' },
        arguments: {
          parameters: [
            { name: 'trigger', value: 'schedule' },
            { name: 'min-ndcg', value: '0.1' },
          ],
        },
      },
    });
  });

  it('the schema check is real: a typo or a number where Argo wants a string fails', () => {
    const validate = argoValidator();
    const typo = clone(compiled) as unknown as { spec: { templates: Obj[] } };
    const dag = typo.spec.templates[0].dag as { tasks: Obj[] };
    dag.tasks[1].dependsOn = dag.tasks[1].depends;
    expect(validate(typo).join('\n')).toContain('"additionalProperty":"dependsOn"');
    const numeric = clone(compiled) as unknown as { spec: { templates: Obj[] } };
    numeric.spec.templates[1].activeDeadlineSeconds = 600;
    expect(validate(numeric).join('\n')).toContain('must be string');
  });
});

describe('parity: the Argo DAG has the tasks, edges, parameters and options of the local plan', () => {
  for (const [name, pl, options] of [
    ['recommender fixture', recommender, goldenOptions],
    ['dynamic fan-outs', dynamic, dynamicOptions],
  ] as const) {
    it(name, () => {
      const wt = compileToArgo(pl.spec, options);
      const local = shapeOfPlan(toLocalPlan(pl.spec));
      expect(inspectWorkflowTemplate(wt)).toEqual(local);
      // And the shape is not trivially empty.
      expect(local.tasks.length).toBeGreaterThanOrEqual(5);
      expect(local.edges.length).toBeGreaterThanOrEqual(3);
    });
  }

  it('a difference shows: an edge dropped from the YAML no longer matches', () => {
    const wt = clone(compiled);
    const train = dagTasks(wt).get('train') as Obj;
    train.depends = 'validate.Succeeded';
    expect(inspectWorkflowTemplate(wt)).not.toEqual(shapeOfPlan(toLocalPlan(recommender.spec)));
  });
});

describe('what the WorkflowTemplate holds', () => {
  const byName = templates(compiled);
  const tasks = dagTasks(compiled);

  it('one container template per task (and the exit handler), each running `bookml step <task>`', () => {
    const ids = [...recommender.spec.tasks.map((t) => t.id), 'finalize'];
    expect([...byName.keys()].sort()).toEqual(['pipeline', ...ids].sort());
    for (const id of ids) {
      const c = byName.get(id)?.container as { command: string[]; args: string[]; image: string };
      expect(c.command).toEqual(['bookml', 'step', id]);
      expect(c.args.slice(0, 4)).toEqual([
        '--pipeline',
        'recommender-pipeline',
        '--run',
        '{{workflow.name}}',
      ]);
      expect(c.args).toContain('--outputs');
      expect(c.image).toBe(goldenOptions.image);
    }
    expect(byName.get('evaluate')?.container).toMatchObject({ args: expect.arrayContaining(['--no-cache']) });
    expect(((byName.get('validate') as Obj).container as { args: string[] }).args).not.toContain(
      '--no-cache',
    );
  });

  it('workflow-level: entrypoint, serviceAccountName, deadline (integer), parallelism, mutex, onExit, parameters', () => {
    expect(compiled.spec).toMatchObject({
      entrypoint: 'pipeline',
      serviceAccountName: 'bookml-pipeline',
      activeDeadlineSeconds: 7200,
      parallelism: 4,
      onExit: 'finalize',
      synchronization: { mutexes: [{ name: 'recommender-pipeline' }] },
      artifactRepositoryRef: { configMap: 'artifact-repositories', key: 'bookml-s3' },
    });
    expect((compiled.spec.arguments as { parameters: Obj[] }).parameters).toEqual([
      { name: 'dataset-uri', value: 'bookstore-db://orders' },
      { name: 'min-ndcg', value: '0.05', description: 'evaluation gate' },
      { name: 'alias', value: 'staging' },
      { name: 'trigger', value: 'manual', enum: ['manual', 'schedule', 'webhook', 'drift'] },
    ]);
    expect(
      compileToArgo(recommender.spec, { image: 'x:1', env: goldenOptions.env }).spec.serviceAccountName,
    ).toBe('bookml-pipeline');
  });

  it('DAG tasks: depends on every upstream as .Succeeded, when as an expression tag, withItems/withParam', () => {
    expect(tasks.get('ingest')?.depends).toBeUndefined();
    expect(tasks.get('train')).toMatchObject({
      depends: 'ingest.Succeeded && validate.Succeeded',
      withItems: [
        { similarity: 'cosine', k: 10 },
        { similarity: 'cosine', k: 20 },
        { similarity: 'jaccard', k: 10 },
        { similarity: 'jaccard', k: 20 },
      ],
      arguments: {
        parameters: [
          { name: 'similarity', value: '{{item.similarity}}' },
          { name: 'k', value: '{{item.k}}' },
        ],
        artifacts: [{ name: 'dataset', from: '{{tasks.ingest.outputs.artifacts.dataset}}' }],
      },
    });
    expect(tasks.get('register')?.when).toBe(
      "{{= tasks['evaluate'].outputs.parameters['gate'] == 'passed' }}",
    );
    expect(tasks.get('report-gate-failure')?.when).toBe(
      "{{= tasks['evaluate'].outputs.parameters['gate'] != 'passed' }}",
    );
    const dyn = dagTasks(compileToArgo(dynamic.spec, dynamicOptions));
    expect(dyn.get('by-output')?.withParam).toBe('{{tasks.plan-grid.outputs.parameters.grid}}');
    expect(dyn.get('by-param')?.withParam).toBe('{{workflow.parameters.grid}}');
    expect(dyn.get('announce')?.when).toBe(
      "{{= asFloat(tasks['best'].outputs.parameters['best']) >= asFloat(workflow.parameters['min-ndcg']) }}",
    );
    expect(dyn.get('best')?.arguments).toEqual({
      parameters: [{ name: 'ndcg', value: '{{tasks.by-output.outputs.parameters.ndcg}}' }],
    });
  });

  it('retries and deadlines: retryStrategy with string IntOrStrings, activeDeadlineSeconds per template', () => {
    expect(byName.get('ingest')).toMatchObject({
      activeDeadlineSeconds: '600',
      retryStrategy: {
        limit: '3',
        retryPolicy: 'Always',
        backoff: { duration: '10s', factor: '2', maxDuration: '600s' },
      },
    });
    // The task's .timeout(3600) overrides the step's 1800; the step's retry policy carries over.
    expect(byName.get('train')).toMatchObject({
      activeDeadlineSeconds: '3600',
      retryStrategy: { limit: '2', backoff: { cap: '120s' } },
    });
    expect(trainStep.spec.timeoutSeconds).toBe(1800);
    // Non-retryable step failures (exit code 2) are never retried on Argo either.
    expect(((byName.get('ingest') as Obj).retryStrategy as Obj).expression).toContain(
      "lastRetry.exitCode != '2'",
    );
    expect(byName.get('register')?.retryStrategy).toBeUndefined();
    expect(byName.get('promote')).toMatchObject({
      retryStrategy: { retryPolicy: 'OnError' },
      synchronization: { mutexes: [{ name: 'recommender-promote' }] },
    });
  });

  it('outputs of tasks that can be skipped default to "" (Argo 4.0.7+ fails a consumer of an absent output)', () => {
    const outs = (id: string) => ((byName.get(id) as Obj).outputs as { parameters: Obj[] }).parameters;
    expect(outs('register')).toEqual([
      { name: 'version', valueFrom: { path: '/tmp/outputs/version', default: '' } },
    ]);
    expect(outs('evaluate')[0]).toEqual({ name: 'gate', valueFrom: { path: '/tmp/outputs/gate' } });
  });

  it('the exit handler gets its values inline: onExit passes no arguments', () => {
    const args = ((byName.get('finalize') as Obj).container as { args: string[] }).args;
    expect(args).toEqual(
      expect.arrayContaining([
        'status={{workflow.status}}',
        'trigger={{workflow.parameters.trigger}}',
        'runId={{workflow.name}}',
        'failures={{inputs.parameters.failures}}',
      ]),
    );
  });
});

describe('PSA restricted', () => {
  it('pod level: non-root UID/GID 65532, fsGroup, seccomp RuntimeDefault', () => {
    expect(compiled.spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: RESTRICTED_UID,
      runAsGroup: RESTRICTED_UID,
      fsGroup: RESTRICTED_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('every step container: no privilege escalation, read-only root, drop ALL, an emptyDir at /tmp', () => {
    for (const t of compiled.spec.templates.filter((x) => 'container' in x)) {
      const c = t.container as Obj;
      expect(c.securityContext, t.name).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    }
    expect(compiled.spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
  });

  it('Argo’s init and wait containers are patched (legacy layout), and not named in the init-less layout', () => {
    const patch = JSON.parse(String(compiled.spec.podSpecPatch));
    expect(patch.initContainers).toEqual([
      { name: 'init', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
    ]);
    expect(patch.containers[0].name).toBe('wait');
    const initless = compileToArgo(recommender.spec, { ...goldenOptions, legacyPodLayout: false });
    expect(initless.spec.podSpecPatch).toBeUndefined();
    expect(checkRestricted(initless, { legacyPodLayout: false })).toEqual([]);
    expect(checkRestricted(compiled)).toEqual([]);
  });

  it('the check catches what a restricted namespace would reject', () => {
    const broken = clone(compiled) as unknown as { spec: Obj & { templates: Obj[]; volumes: Obj[] } };
    const c = broken.spec.templates[1].container as { securityContext: Obj };
    c.securityContext = {
      ...c.securityContext,
      allowPrivilegeEscalation: true,
      capabilities: { add: ['NET_ADMIN'] },
    };
    broken.spec.volumes.push({ name: 'host', hostPath: { path: '/var/run' } });
    broken.spec.securityContext = { runAsNonRoot: true, runAsUser: 0 };
    broken.spec.podSpecPatch = '{}';
    broken.spec.hostNetwork = true;
    const problems = checkRestricted(broken).join('\n');
    for (const expected of [
      'templates[ingest].container.securityContext.allowPrivilegeEscalation must be false',
      'capabilities.drop must include ALL',
      'must not add NET_ADMIN',
      'uses hostPath, not allowed',
      'spec.securityContext.runAsUser must be a non-zero UID',
      'seccompProfile.type must be RuntimeDefault',
      'must secure Argo\'s "init" container',
      'spec.hostNetwork must not be true',
    ]) {
      expect(problems).toContain(expected);
    }
  });
});

describe('compiler checks and errors', () => {
  it('lint is clean on every compile and catches hand-broken DAGs', () => {
    expect(lintWorkflowTemplate(compiled)).toEqual([]);
    const broken = clone(compiled);
    const t = dagTasks(broken);
    (t.get('validate') as Obj).depends = 'ingest.Succeeded && ghost.Succeeded';
    (t.get('evaluate') as Obj).template = 'missing';
    (t.get('pick-best') as Obj).depends = 'validate.Succeeded';
    (t.get('promote') as Obj).dependencies = ['register'];
    const problems = lintWorkflowTemplate(broken).join('\n');
    expect(problems).toContain('task "validate": depends on unknown task "ghost"');
    expect(problems).toContain('task "evaluate" uses missing template "missing"');
    expect(problems).toContain('task "pick-best" reads tasks.train but does not depend on it');
    expect(problems).toContain('task "promote": use depends, not dependencies');
  });

  it('a step that reads an environment variable needs its value on Argo (parity), naming the task', () => {
    try {
      compileToArgo(dynamic.spec, { image: 'bookml:0.1.0' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PipelineError);
      expect((e as PipelineError).toJSON()).toMatchObject({
        code: 'PIPELINE_UNSUPPORTED_ON_TARGET',
        field: 'env.BOOKML_CHANNEL',
      });
      expect((e as PipelineError).task).toBe('announce');
    }
  });

  it('compile options are checked once and every bad key is listed', () => {
    try {
      compileToArgo(recommender.spec, {
        image: 'has space',
        namespace: 'Bad_NS',
        resources: { requests: { cpu: 0.5 as never } },
        colour: 'blue',
      } as never);
      expect.unreachable();
    } catch (e) {
      const msg = (e as PipelineError).message;
      expect((e as PipelineError).code).toBe('PIPELINE_INVALID_COMPILE_OPTIONS');
      for (const part of [
        'colour is not a compile option',
        'image must be',
        'namespace must be',
        'resources.requests.cpu',
      ])
        expect(msg).toContain(part);
    }
  });

  it('CronWorkflow options: unknown parameters list the valid ones', () => {
    expect(() =>
      compileCronWorkflow(recommender.spec, { schedule: '0 2 * * *', params: { nope: 1 } }),
    ).toThrow(
      /unknown parameter \(parameters of recommender-pipeline: datasetUri, minNdcg, alias, trigger\)/,
    );
    expect(() => compileCronWorkflow(recommender.spec, { schedule: 'every night' })).toThrow(
      /not a five-field cron/,
    );
  });
});

describe('YAML and golden file', () => {
  it('serialises as YAML with a generated-file header, parsing back to the same object', async () => {
    const yaml = await toYaml(compiled);
    expect(yaml.startsWith('# Generated by bookml')).toBe(true);
    expect(parseYamlDocuments(yaml)).toEqual([JSON.parse(JSON.stringify(compiled))]);
  });

  it('matches test/golden/engine-fixture.argo.yaml (UPDATE_GOLDEN=1 to regenerate)', async () => {
    const { expected, actual } = golden('engine-fixture.argo.yaml', await toYaml(compiled));
    expect(actual).toEqual(expected);
  });
});
