/**
 * The `recommender-sharded` pipeline: the recommender graph with the refit split into item-range shards
 * (shard-plan → train-shard ×N → merge → register). Its Argo form (schema, parity with the local plan,
 * golden file), and one in-process run of each pipeline on the same data: both register the same bundle.
 * The compiled form run from its YAML is in deploy-replay.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localStepServices, type OpenStores, openStores } from '../src/app/index.js';
import { codeVersion, ManualClock, resolveWorkspace } from '../src/core/index.js';
import {
  compileToArgo,
  inspectWorkflowTemplate,
  shapeOfPlan,
  toYaml,
} from '../src/pipeline/compile/index.js';
import { toLocalPlan } from '../src/pipeline/executor/index.js';
import { resolveParams, type StepServices } from '../src/pipeline/index.js';
import { getPipeline } from '../src/pipelines/index.js';
import { runInProcess } from './fixtures/run-in-process.js';
import { argoValidator, SCHEMA_MISSING } from './golden/argo-schema.js';
import { golden } from './golden/golden.js';

const sharded = getPipeline('recommender-sharded');
const argoOptions = {
  name: 'recommender-sharded-pipeline',
  image: 'registry.example.com/bookml:0.1.0',
  workspaceClaimName: 'bookml-workspace',
  databaseUrlSecret: { name: 'bookml-db', key: 'url' },
} as const;

describe('the recommender-sharded pipeline', () => {
  it('is the recommender graph with shard-plan → train-shard (fan-out) → merge feeding register', () => {
    const plan = toLocalPlan(sharded.spec);
    expect(plan.tasks.map((t) => t.id)).toEqual(
      expect.arrayContaining(['evaluate', 'shard-plan', 'train-shard', 'merge', 'register', 'promote']),
    );
    const edges = plan.edges.map((e) => `${e.from}→${e.to}`);
    expect(edges).toEqual(
      expect.arrayContaining([
        'pick-best→train-shard',
        'ingest→train-shard',
        'shard-plan→train-shard',
        'train-shard→merge',
        'merge→register',
        'evaluate→register',
      ]),
    );
    expect(plan.tasks.find((t) => t.id === 'train-shard')?.fanOut).toMatchObject({
      source: 'output',
      task: 'shard-plan',
      output: 'shards',
    });
    expect(resolveParams(sharded.spec, {}).shards).toBe(2);
    // The unsharded pipeline is unchanged: no shard tasks.
    expect(toLocalPlan(getPipeline('recommender').spec).tasks.map((t) => t.id)).not.toContain('merge');
  });

  const wt = compileToArgo(sharded.spec, argoOptions);
  it.skipIf(SCHEMA_MISSING !== undefined)(
    'compiles to a WorkflowTemplate the official schema accepts',
    () => {
      expect(argoValidator()(wt)).toEqual([]);
    },
  );

  it('has the tasks, edges and parameters of the local plan, the shards fanned out with withParam', () => {
    expect(inspectWorkflowTemplate(wt)).toEqual(shapeOfPlan(toLocalPlan(sharded.spec)));
    const dag = (wt.spec.templates[0] as unknown as { dag: { tasks: Record<string, unknown>[] } }).dag.tasks;
    expect(dag.find((t) => t.name === 'train-shard')).toMatchObject({
      withParam: '{{tasks.shard-plan.outputs.parameters.shards}}',
    });
  });

  it('matches test/golden/recommender-sharded.argo.yaml (UPDATE_GOLDEN=1 to regenerate)', async () => {
    const { expected, actual } = golden('recommender-sharded.argo.yaml', await toYaml([wt]));
    expect(actual).toEqual(expected);
  });
});

describe('a sharded run and an unsharded run (in process) on the same data', () => {
  let home: string;
  let stores: OpenStores;
  let services: StepServices;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'bookml-sharded-'));
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

  it('register the same bundle (artifact hash)', async () => {
    const given = { similarityGrid: '["jaccard"]', kGrid: '[15]', trainOptions: '{"shrinkage":2}' };
    const whole = await runInProcess(
      getPipeline('recommender'),
      given,
      join(home, 'whole'),
      'whole',
      services,
    );
    const expected = (whole.outputs.get('register') as { artifactHash: string }).artifactHash;
    // More shards than books is covered in src/model/shard.test.ts; here the pipeline's plumbing.
    for (const shards of ['3']) {
      const run = await runInProcess(
        sharded,
        { ...given, shards },
        join(home, `s${shards}`),
        `s${shards}`,
        services,
      );
      expect(
        Object.values(run.phases).every((p) => p === 'Succeeded'),
        JSON.stringify(run.phases),
      ).toBe(true);
      expect(run.outputs.get('train-shard')).toHaveLength(Number(shards));
      expect((run.outputs.get('register') as { artifactHash: string }).artifactHash).toBe(expected);
      expect((run.outputs.get('merge') as { modelId: string }).modelId).toBe(
        (run.outputs.get('evaluate') as { modelId: string }).modelId,
      );
    }
  }, 300_000);
});
