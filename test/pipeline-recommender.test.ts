/**
 * The recommender pipeline: its definition (DAG shape, parameters), its Argo form (schema, parity with
 * the local plan, golden file) and one real run of every step in this process on the synthetic Bookstore
 * (the executor's own tests run it in child processes).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localStepServices, type OpenStores, openStores } from '../src/app/index.js';
import { codeVersion, ManualClock, resolveWorkspace } from '../src/core/index.js';
import {
  compileCronWorkflow,
  compileToArgo,
  inspectWorkflowTemplate,
  shapeOfPlan,
  toYaml,
} from '../src/pipeline/compile/index.js';
import { toLocalPlan } from '../src/pipeline/executor/index.js';
import { type PipelineError, resolveParams, type StepServices } from '../src/pipeline/index.js';
import { getPipeline, PIPELINES, PipelinesError, pipelineNames, rankSweep } from '../src/pipelines/index.js';
import { runInProcess } from './fixtures/run-in-process.js';
import { argoValidator, SCHEMA_MISSING } from './golden/argo-schema.js';
import { golden } from './golden/golden.js';

const recommender = getPipeline('recommender');
const argoOptions = {
  name: 'recommender-pipeline',
  image: 'registry.example.com/bookml:0.1.0',
  workspaceClaimName: 'bookml-workspace',
  databaseUrlSecret: { name: 'bookml-db', key: 'url' },
} as const;

describe('the catalogue', () => {
  it('lists the recommender (and its sharded form) and names the valid pipelines on a typo', () => {
    expect(pipelineNames()).toEqual(['recommender', 'recommender-sharded']);
    expect(PIPELINES.recommender).toBe(recommender);
    try {
      getPipeline('recomender');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PipelinesError);
      expect((e as PipelinesError).toJSON()).toEqual({
        code: 'PIPELINES_NOT_FOUND',
        field: 'pipeline',
        message: 'no pipeline "recomender" (pipelines: recommender, recommender-sharded)',
      });
    }
  });
});

describe('the recommender pipeline’s definition', () => {
  it('ingest → validate → sweep-grid → train (fan-out) → pick-best → evaluate → register → promote', () => {
    const plan = toLocalPlan(recommender.spec);
    expect(plan.tasks.map((t) => t.id)).toEqual([
      'ingest',
      'validate',
      'sweep-grid',
      'train',
      'pick-best',
      'evaluate',
      'register',
      'promote',
    ]);
    expect(plan.edges.map((e) => `${e.from}→${e.to}`).sort()).toEqual(
      [
        'ingest→validate',
        'validate→sweep-grid',
        'ingest→train',
        'sweep-grid→train',
        'train→pick-best',
        'sweep-grid→pick-best',
        'ingest→evaluate',
        'pick-best→evaluate',
        'ingest→register',
        'validate→register',
        'evaluate→register',
        'pick-best→register',
        'register→promote',
      ].sort(),
    );
    const byId = new Map(plan.tasks.map((t) => [t.id, t]));
    expect(byId.get('train')?.fanOut).toMatchObject({ source: 'output', task: 'sweep-grid', output: 'grid' });
    expect(byId.get('register')?.when).toMatchObject({ op: 'eq', compare: 'text' });
    expect(byId.get('promote')?.options.mutex).toBe('recommender-promote');
    expect(byId.get('register')?.options.cache).toBe(false);
    expect(byId.get('evaluate')?.options.cache).toBe(true);
  });

  it('parameters: defaults, and bad values name the field and the reason', () => {
    expect(resolveParams(recommender.spec, {})).toEqual({
      datasetUri: 'current',
      datasetMapping: 'customer=customer_id,item=book_id,time=ordered_at',
      datasetDateFormat: 'iso',
      similarityGrid: ['cosine', 'jaccard'],
      kGrid: [20, 50],
      trials: 0,
      trainOptions: '{}',
      minNdcg: 0.01,
      mustBeatPopular: true,
      alias: 'staging',
      seed: 42,
    });
    expect(
      resolveParams(recommender.spec, { kGrid: '[10,30]', datasetUri: 'synthetic:seed=7' }),
    ).toMatchObject({
      kGrid: [10, 30],
      datasetUri: 'synthetic:seed=7',
    });
    const problem = (given: Record<string, unknown>) => {
      try {
        resolveParams(recommender.spec, given);
      } catch (e) {
        return (e as PipelineError).message;
      }
    };
    expect(problem({ kGrid: '[5]' })).toBe('kGrid[0] must be ≥ 10, got 5');
    expect(problem({ similarityGrid: '["cosine","pearson"]' })).toContain(
      'similarityGrid[1] must be one of cosine, jaccard, lift, conditional',
    );
    expect(problem({ datasetUri: 'ftp://host/x' })).toContain('datasetUri must match');
    expect(problem({ datasetUri: 'pvc://Bad_Claim/x' })).toContain('datasetUri must match');
    expect(problem({ k: '20' })).toContain(
      'unknown parameter "k" (parameters of recommender: datasetUri, datasetMapping, datasetDateFormat, similarityGrid, kGrid, trials, trainOptions, minNdcg, mustBeatPopular, alias, seed)',
    );
  });

  it('the reducer picks the best NDCG, then the smaller K, then the earlier point', () => {
    const r = (similarity: 'cosine' | 'jaccard', k: number, ndcg: number) => ({
      similarity,
      k,
      ndcg,
      modelId: `${similarity}${k}`,
    });
    expect(
      rankSweep([r('cosine', 50, 0.2), r('jaccard', 20, 0.3), r('cosine', 20, 0.3)]).map((x) => x.modelId),
    ).toEqual(['jaccard20', 'cosine20', 'cosine50']);
  });
});

describe('the recommender pipeline on Argo', () => {
  const wt = compileToArgo(recommender.spec, argoOptions);
  const cron = compileCronWorkflow(recommender.spec, {
    name: 'recommender-nightly',
    schedule: '0 2 * * *',
    templateName: wt.metadata.name,
    workflowLabels: { 'bookml.io/trigger': 'schedule' },
  });

  it.skipIf(SCHEMA_MISSING !== undefined)('validates against the official schema', () => {
    expect(argoValidator()(wt)).toEqual([]);
  });

  it('has the tasks, edges, parameters and options of the local plan', () => {
    expect(inspectWorkflowTemplate(wt)).toEqual(shapeOfPlan(toLocalPlan(recommender.spec)));
  });

  it('fans the sweep out over the grid step’s output; the workspace and the database URL reach every step', () => {
    const dag = (wt.spec.templates[0] as unknown as { dag: { tasks: Record<string, unknown>[] } }).dag.tasks;
    expect(dag.find((t) => t.name === 'train')).toMatchObject({
      withParam: '{{tasks.sweep-grid.outputs.parameters.grid}}',
      depends: 'ingest.Succeeded && sweep-grid.Succeeded',
    });
    const register = wt.spec.templates.find((t) => t.name === 'register') as unknown as {
      container: { env: unknown[] };
    };
    expect(register.container.env).toContainEqual({
      name: 'BOOKML_DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'bookml-db', key: 'url' } },
    });
    expect(wt.spec.volumes).toContainEqual({
      name: 'workspace',
      persistentVolumeClaim: { claimName: 'bookml-workspace' },
    });
  });

  it('runs nightly through a CronWorkflow that references the template', () => {
    expect(cron.spec).toMatchObject({
      schedules: ['0 2 * * *'],
      timezone: 'UTC',
      concurrencyPolicy: 'Replace',
      workflowSpec: { workflowTemplateRef: { name: 'recommender-pipeline' } },
    });
    if (SCHEMA_MISSING === undefined) expect(argoValidator()(cron)).toEqual([]);
  });

  it('matches test/golden/recommender.argo.yaml (UPDATE_GOLDEN=1 to regenerate)', async () => {
    const { expected, actual } = golden('recommender.argo.yaml', await toYaml([wt, cron]));
    expect(actual).toEqual(expected);
  });
});

/** Run every task in this process, in plan order, the way the executor schedules them. */
describe('a run of every step (in process) on the synthetic Bookstore', () => {
  let home: string;
  let stores: OpenStores;
  let services: StepServices;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'bookml-recommender-'));
    // The local runtime on a fresh workspace: the steps reach it only through their context.
    stores = openStores({
      workspace: resolveWorkspace(join(home, '.bookml'), {}),
      clock: new ManualClock(Date.parse('2026-01-01T00:00:00Z')),
    });
    services = localStepServices(stores, { codeVersion: codeVersion() });
  });
  afterAll(async () => {
    await stores.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('generates the dataset, sweeps, evaluates, registers v1 and promotes it to staging; a strict gate skips register', async () => {
    const run = await runInProcess(
      recommender,
      { kGrid: '[10,40]', trials: '4' },
      join(home, 'nodes'),
      'run-1',
      services,
    );
    expect(run.phases).toEqual({
      ingest: 'Succeeded',
      validate: 'Succeeded',
      'sweep-grid': 'Succeeded',
      train: 'Succeeded',
      'pick-best': 'Succeeded',
      evaluate: 'Succeeded',
      register: 'Succeeded',
      promote: 'Succeeded',
    });
    const train = run.outputs.get('train') as { ndcg: number }[];
    // 2 similarities × 2 K, plus a budget of 4 tuner trials.
    expect(train).toHaveLength(8);
    const best = run.outputs.get('pick-best') as {
      ndcg: number;
      similarity: string;
      k: number;
      sweep: string;
    };
    expect(best.ndcg).toBe(Math.max(...train.map((t) => t.ndcg)));
    const sweep = JSON.parse(readFileSync(best.sweep, 'utf8'));
    expect(sweep.space.map((d: { name: string }) => d.name)).toContain('shrinkage');
    expect(sweep.ranked).toHaveLength(8);
    expect(sweep.choice).toMatchObject({ similarity: best.similarity, k: best.k });
    const evaluation = run.outputs.get('evaluate') as { gate: string; ndcg: number; ndcgVsPopular: number };
    expect(evaluation.gate).toBe('passed');
    expect(evaluation.ndcgVsPopular).toBeGreaterThan(0);
    const registered = run.outputs.get('register') as { version: number; model: string };
    expect(registered.version).toBe(1);
    const model = JSON.parse(readFileSync(registered.model, 'utf8'));
    expect(model).toMatchObject({
      model: 'recommender',
      version: 1,
      params: { similarity: best.similarity, k: best.k },
    });
    // Lineage records the search: its space, every trial and the choice.
    const version = await (await stores.registry()).getVersion('recommender', 1);
    expect(version.lineage.tuning).toMatchObject({
      space: expect.arrayContaining([expect.objectContaining({ name: 'halfLifeDays' })]),
      choice: { similarity: best.similarity, k: best.k },
    });
    expect(version.lineage.tuning?.trials).toHaveLength(8);
    expect(model.gates.map((g: { gate: string; passed: boolean }) => [g.gate, g.passed])).toEqual([
      ['metric_threshold', true],
      ['beat_baseline', true],
    ]);
    expect(run.outputs.get('promote')).toEqual({ status: 'moved', fromVersion: 0 });
    // The evaluation measured exposure; the registry's fairness gate judged it at the promotion.
    expect(version.metrics).toMatchObject({
      long_tail_exposure: expect.any(Number),
      exposure_gini_book: expect.any(Number),
      exposure_gini_author: expect.any(Number),
      exposure_gini_genre: expect.any(Number),
    });
    expect(version.lineage.evaluation).toMatchObject({
      fairness: { headBooks: expect.any(Number), notApplicable: {} },
    });
    const promoted = await (await stores.registry()).getVersion('recommender', 1);
    expect(promoted.gates.staging?.results.find((r) => r.gate === 'fairness')).toMatchObject({
      passed: true,
      value: 0,
    });

    // The same bytes again (same data, parameters and clock): the version they already have, nothing moves.
    const again = await runInProcess(
      recommender,
      { kGrid: '[10,40]', trials: '4' },
      join(home, 'nodes'),
      'run-3',
      services,
    );
    expect(again.outputs.get('register')).toMatchObject({ version: 1 });
    expect(again.outputs.get('promote')).toEqual({ status: 'unchanged', fromVersion: 1 });

    const strict = await runInProcess(
      recommender,
      { kGrid: '[10]', minNdcg: '0.99' },
      join(home, 'nodes'),
      'run-2',
      services,
    );
    expect(strict.phases).toMatchObject({ evaluate: 'Succeeded', register: 'Skipped', promote: 'Omitted' });
  });

  it('registers a model trained with further trainer options (trainOptions: EASE here), recording them', async () => {
    const run = await runInProcess(
      recommender,
      { kGrid: '[10]', similarityGrid: '["cosine"]', trainOptions: '{"family":"ease","easeLambda":100}' },
      join(home, 'nodes'),
      'run-ease',
      services,
    );
    expect(run.phases).toMatchObject({ train: 'Succeeded', evaluate: 'Succeeded', register: 'Succeeded' });
    const registered = run.outputs.get('register') as { model: string };
    const model = JSON.parse(readFileSync(registered.model, 'utf8'));
    expect(model.params).toMatchObject({ family: 'ease', easeLambda: 100, similarity: 'cosine', k: 10 });

    const bad = runInProcess(
      recommender,
      { kGrid: '[10]', similarityGrid: '["cosine"]', trainOptions: '{"family":"svd"}' },
      join(home, 'nodes'),
      'run-bad-options',
      services,
    );
    await expect(bad).rejects.toMatchObject({ code: 'PIPELINES_BAD_INPUT', field: 'trainOptions' });
  });
});
