/**
 * The third-party `mlflow` npm client (tracking only) as a real client against bookml's MLflow routes
 * on an ephemeral port: experiment → run → params, metrics (with and without step), batch → finish →
 * get → search → history → delete/restore, the legacy experiments list, and its error path.
 */

import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import type { MetadataDb } from '../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../src/store/test-databases.js';

type MlflowModule = typeof import('mlflow');
// The package is CommonJS whose module.exports is the class itself.
const MLflow = createRequire(import.meta.url)('mlflow') as MlflowModule['default'];
type Client = InstanceType<MlflowModule['default']>;

const TOKEN = 'mlflow-client-token-0123456789';

/** The client throws `Error: {"status":…,"data":{…}}`: the parsed object, for assertions. */
async function failure(
  p: Promise<unknown>,
): Promise<{ status: number; data: { error_code: string; message: string } }> {
  const e = await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: Error) => err,
  );
  return JSON.parse(e.message.replace(/^(Error: )+/, ''));
}

describe('mlflow npm client against bookml', () => {
  let t: TestDatabase;
  let mdb: MetadataDb;
  let app: FastifyInstance;
  let client: Client;
  let endpoint: string;

  beforeAll(async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {}); // the client prints every POST body
    t = await createTestDatabase('sqlite');
    mdb = await t.open();
    const config = loadApiConfig({
      env: {},
      file: { port: 0, tokens: [{ id: 'ds-team', roles: ['operator'], token: TOKEN }] },
    });
    app = await buildControlPlane({ db: mdb, config, logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    client = new MLflow({ endpoint, headers: { Authorization: `Bearer ${TOKEN}` } });
  });
  afterAll(async () => {
    await app.close();
    await t.dispose();
    vi.restoreAllMocks();
  });

  it('creates an experiment and a run, logs params and metrics, finishes, reads back and searches', async () => {
    const { experiment_id } = await client.Experiments.create({
      name: 'books',
      artifact_location: 's3://b/p',
    });
    expect(experiment_id).toBe('1');
    const { experiment } = await client.Experiments.get({ experiment_id });
    expect(experiment).toMatchObject({
      experiment_id: '1',
      name: 'books',
      artifact_location: 's3://b/p',
      lifecycle_stage: 'active',
    });
    const listed = (await client.Experiments.list({ view_type: 'ACTIVE_ONLY' as never })) as {
      experiments: { name: string }[];
    };
    expect(listed.experiments.map((e) => e.name)).toEqual(['books']);

    const { run } = await client.Runs.create({
      experiment_id,
      user_id: 'alice',
      start_time: 1_700_000_000_000,
      tags: [{ key: 'team', value: 'books' }],
    });
    const run_id = run.info.run_id;
    expect(run.info).toMatchObject({
      run_uuid: run_id,
      experiment_id: '1',
      user_id: 'alice',
      status: 'RUNNING',
      artifact_uri: `s3://b/p/${run_id}/artifacts`,
    });

    await client.Runs.logParameter({ run_id, key: 'k', value: '50' });
    await client.Runs.logMetric({ run_id, key: 'ndcg', value: 0.25, timestamp: 1_700_000_000_001 });
    await client.Runs.logMetric({ run_id, key: 'ndcg', value: 0.31, timestamp: 1_700_000_000_002, step: 2 });
    await client.Runs.logBatch({
      run_id,
      metrics: [{ key: 'recall', value: 0.5, timestamp: 1_700_000_000_003, step: 0 }],
      params: [{ key: 'similarity', value: 'cosine' }],
      tags: [{ key: 'stage', value: 'sweep' }],
    });
    await client.Runs.setTag({ run_id, key: 'tmp', value: 'x' });
    await client.Runs.deleteTag({ run_id, key: 'tmp' });
    const { run_info } = (await client.Runs.update({
      run_id,
      status: 'FINISHED' as never,
      end_time: 1_700_000_000_009,
    })) as { run_info: { status: string } };
    expect(run_info.status).toBe('FINISHED');

    const got = (await client.Runs.get({ run_id })).run;
    expect(got.info).toMatchObject({ status: 'FINISHED', end_time: 1_700_000_000_009 });
    expect(got.data.metrics).toEqual([
      { key: 'ndcg', value: 0.31, timestamp: 1_700_000_000_002, step: 2 },
      { key: 'recall', value: 0.5, timestamp: 1_700_000_000_003, step: 0 },
    ]);
    expect(got.data.params).toEqual(
      expect.arrayContaining([
        { key: 'k', value: '50' },
        { key: 'similarity', value: 'cosine' },
      ]),
    );
    expect(got.data.tags).toEqual(
      expect.arrayContaining([
        { key: 'team', value: 'books' },
        { key: 'stage', value: 'sweep' },
      ]),
    );
    expect(got.data.tags).not.toEqual(expect.arrayContaining([{ key: 'tmp', value: 'x' }]));

    const other = (await client.Runs.create({ experiment_id, user_id: 'bob', start_time: 1_700_000_000_100 }))
      .run.info.run_id;
    await client.Runs.logMetric({ run_id: other, key: 'ndcg', value: 0.05, timestamp: 1_700_000_000_101 });
    const found = (await client.Runs.search({
      experiment_ids: [experiment_id],
      filter: 'metrics.ndcg > 0.1',
      run_view_type: 'ACTIVE_ONLY' as never,
      max_results: 10,
      order_by: ['metrics.ndcg DESC'],
    })) as {
      runs: { info: { run_id: string } }[];
    };
    expect(found.runs.map((r) => r.info.run_id)).toEqual([run_id]);

    const history = (await client.Metrics.getHistory({ run_id, metric_key: 'ndcg' })) as {
      metrics: { value: number; step: number }[];
    };
    expect(history.metrics.map((m) => [m.value, m.step])).toEqual([
      [0.25, 0],
      [0.31, 2],
    ]);

    await client.Runs.delete({ run_id: other });
    const afterDelete = (await client.Runs.search({ experiment_ids: [experiment_id] } as never)) as {
      runs: unknown[];
    };
    expect(afterDelete.runs).toHaveLength(1);
    await client.Runs.restore({ run_id: other });
    expect(
      ((await client.Runs.search({ experiment_ids: [experiment_id] } as never)) as { runs: unknown[] }).runs,
    ).toHaveLength(2);
  });

  it('gets MLflow error codes and statuses back', async () => {
    const missing = await failure(client.Runs.get({ run_id: 'no-such-run' }));
    expect(missing).toMatchObject({ status: 404, data: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    const dup = await failure(client.Experiments.create({ name: 'books' } as never));
    expect(dup).toMatchObject({ status: 400, data: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
    const { experiment_id } = await client.Experiments.create({ name: 'params' } as never);
    const run_id = (await client.Runs.create({ experiment_id, user_id: 'a', start_time: 1 })).run.info.run_id;
    await client.Runs.logParameter({ run_id, key: 'k', value: '1' });
    const changed = await failure(client.Runs.logParameter({ run_id, key: 'k', value: '2' }));
    expect(changed).toMatchObject({ status: 400, data: { error_code: 'INVALID_PARAMETER_VALUE' } });
    // The client's setExperimentTag URL lacks a "/" (spec §6): no server can answer it.
    const badUrl = await failure(
      client.Experiments.setExperimentTag({ experiment_id, key: 'k', value: 'v' }),
    );
    expect(badUrl).toMatchObject({ status: 404, data: { error_code: 'ENDPOINT_NOT_FOUND' } });
    const anonymous = new MLflow({ endpoint });
    const refused = await failure(anonymous.Experiments.list({} as never));
    expect(refused).toMatchObject({ status: 401, data: { error_code: 'UNAUTHENTICATED' } });
  });
});
