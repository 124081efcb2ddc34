/**
 * Issue 11, item 17, end to end: a real `bookml run submit recommender` (the executor, its step
 * processes, the register step) on a fresh workspace, then the third-party `mlflow` npm client
 * against the control plane serving that workspace. The pipeline run is an MLflow run in experiment
 * `bookml/recommender` (found by `runs/search`), with the run's parameters as params, its steps'
 * numeric outputs and the registered version's metrics as metrics, and tags linking it to the bookml
 * run; the registered version's `run_id` resolves with `runs/get` to that same run.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import { type MetadataDb, openMetadataDb, resolveWorkspace } from '../src/store/index.js';
import { CLI, REPO, requireBuild, stopExecutorsAndRemove } from './fixtures/pipelines/harness.js';

type MlflowModule = typeof import('mlflow');
// The package is CommonJS whose module.exports is the class itself.
const MLflow = createRequire(import.meta.url)('mlflow') as MlflowModule['default'];

const TOKEN = 'mlflow-viewer-token-0123456789';
const BUILT_PIPELINES = join(REPO, 'dist', 'pipelines', 'index.js');

interface KeyValue {
  key: string;
  value: string | number;
}

describe.skipIf(!existsSync(BUILT_PIPELINES))('pipeline runs seen by an MLflow client', () => {
  let dir: string;
  let home: string;
  let runId: string;
  let db: MetadataDb;
  let app: FastifyInstance;
  let endpoint: string;
  let client: InstanceType<MlflowModule['default']>;

  beforeAll(async () => {
    requireBuild();
    vi.spyOn(console, 'log').mockImplementation(() => {}); // the client prints every POST body
    dir = await mkdtemp(join(tmpdir(), 'bookml-mlflow-runs-'));
    home = join(dir, '.bookml');
    const env = { ...process.env };
    delete env.BOOKML_PIPELINES;
    const submitted = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [CLI, '--home', home, 'run', 'submit', 'recommender', '--watch', '--json'],
        { env, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(submitted.code, submitted.stdout.slice(-2000)).toBe(0);
    const body = JSON.parse(submitted.stdout) as { id: string; phase: string };
    expect(body.phase).toBe('Succeeded');
    runId = body.id;

    db = await openMetadataDb({ workspace: resolveWorkspace(home), env: {} });
    const config = loadApiConfig({
      env: {},
      file: { port: 0, tokens: [{ id: 'ds-team', roles: ['viewer'], token: TOKEN }] },
    });
    app = await buildControlPlane({ db, config, logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    client = new MLflow({ endpoint, headers: { Authorization: `Bearer ${TOKEN}` } });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    if (dir) await stopExecutorsAndRemove(dir, home);
    vi.restoreAllMocks();
  });

  it('the run is an MLflow run with params, metrics and tags linking the bookml run', async () => {
    const experiments = (await client.Experiments.list({})).experiments as {
      name: string;
      experiment_id: string;
    }[];
    const experiment = experiments.find((e) => e.name === 'bookml/recommender');
    expect(experiment, JSON.stringify(experiments)).toBeDefined();
    const found = await client.Runs.search({ experiment_ids: [experiment!.experiment_id] });
    expect(found.runs.map((r) => r.info.run_id)).toEqual([runId]);

    const { run } = await client.Runs.get({ run_id: runId });
    expect(run.info).toMatchObject({
      run_id: runId,
      experiment_id: experiment!.experiment_id,
      status: 'FINISHED',
      lifecycle_stage: 'active',
    });
    // The CLI acts as the OS user, recorded as such (item 2): MLflow shows who submitted the run.
    expect(String(run.info.user_id)).toMatch(/^local:/);
    expect(Number(run.info.end_time)).toBeGreaterThanOrEqual(Number(run.info.start_time));

    const params = run.data.params as KeyValue[];
    expect(params.map((p) => p.key)).toEqual(expect.arrayContaining(['kGrid']));
    const metrics = run.data.metrics as KeyValue[];
    const keys = metrics.map((m) => m.key);
    // Numeric step outputs appear as `<node>.<name>`; the registered version's metrics as they are.
    expect(keys.some((k) => k.startsWith('evaluate.'))).toBe(true);
    expect(keys).toEqual(expect.arrayContaining(['ndcg_at_10']));
    for (const m of metrics) expect(Number.isFinite(Number(m.value)), m.key).toBe(true);
    const tags = Object.fromEntries((run.data.tags as KeyValue[]).map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({
      'bookml.run_id': runId,
      'bookml.pipeline': 'recommender',
      'bookml.phase': 'Succeeded',
      'mlflow.runName': runId,
      'mlflow.source.type': 'JOB',
    });
  });

  it("a registered version's run_id resolves with runs/get to the pipeline run", async () => {
    const res = await fetch(`${endpoint}/api/2.0/mlflow/model-versions/get?name=recommender&version=1`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    const version = ((await res.json()) as { model_version: { run_id: string; source: string } })
      .model_version;
    expect(version.run_id).toBe(runId);
    const { run } = await client.Runs.get({ run_id: version.run_id });
    expect(run.info.run_id).toBe(runId);
    const ndcg = (run.data.metrics as KeyValue[]).find((m) => m.key === 'ndcg_at_10');
    const v1 = await fetch(`${endpoint}/api/v1/models/recommender/versions/1`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(Number(ndcg?.value)).toBe(
      ((await v1.json()) as { metrics: Record<string, number> }).metrics.ndcg_at_10,
    );
  });
});
