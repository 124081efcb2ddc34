/**
 * State on a cluster: the recommender pipeline run by a step pod's **remote** runtime against a control
 * plane whose artifact store is an S3 bucket (s3rver here), on a dataset the pod reads from `s3://` itself,
 * registers the same model — the same bundle bytes — as the local runtime on a filesystem store.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig } from '../src/api/index.js';
import {
  type ApiComponent,
  type App,
  apiComponent,
  createApp,
  localStepServices,
  type OpenStores,
  openStepRuntime,
  openStores,
  resolveAppConfig,
} from '../src/app/index.js';
import { codeVersion, ManualClock, resolveWorkspace } from '../src/core/index.js';
import { DATASET_FILES, generateSynthetic, SYNTHETIC_DEFAULTS } from '../src/data/index.js';
import type { StepRuntime } from '../src/pipeline/index.js';
import { getPipeline } from '../src/pipelines/index.js';
import { createS3Client } from '../src/store/s3/index.js';
import { runInProcess } from './fixtures/run-in-process.js';
import { startS3rver, type TestS3 } from './fixtures/s3rver.js';

const STEP_TOKEN = 'step-pod-secret-0123456789';
const params = { kGrid: '[10,40]', datasetUri: 's3://exports/datasets/seven/' };
const recommender = getPipeline('recommender');

const started = await startS3rver(['bookml', 'exports']);
const skip = typeof started === 'string' ? started : undefined;

describe.skipIf(skip !== undefined)(
  `the remote runtime against a control plane storing artifacts in S3${skip ? ` — skipped: ${skip}` : ''}`,
  () => {
    const s3 = started as TestS3;
    let home: string;
    let storesA: OpenStores;
    let appB: App;
    let api: ApiComponent;
    let pod: StepRuntime;

    beforeAll(async () => {
      home = mkdtempSync(join(tmpdir(), 'bookml-remote-s3-'));
      const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
      // The export the webhook would announce: the synthetic Bookstore (seed 7) as four CSV objects.
      const gen = join(home, 'gen');
      await generateSynthetic(gen, { ...SYNTHETIC_DEFAULTS, seed: 7 });
      const client = createS3Client(s3.settings);
      for (const f of DATASET_FILES) {
        const Body = readFileSync(join(gen, f));
        await client.send(new PutObjectCommand({ Bucket: 'exports', Key: `datasets/seven/${f}`, Body }));
      }
      client.destroy();

      storesA = openStores({ workspace: resolveWorkspace(join(home, 'a'), {}), s3: s3.settings, clock });
      // The control plane is configured as a pod would be: BOOKML_ARTIFACTS and the S3 variables.
      const config = resolveAppConfig({
        flags: { home: join(home, 'b') },
        env: { ...s3.env, BOOKML_ARTIFACTS: 's3://bookml/control-plane' },
      });
      appB = createApp(config, { clock });
      api = apiComponent(appB, {
        config: loadApiConfig({
          env: {},
          flags: { host: '127.0.0.1', port: 0 },
          file: { tokens: [{ id: 'step-pod', roles: ['operator'], token: STEP_TOKEN }] },
        }),
        logLevel: 'silent',
      });
      await api.start();
      // The step pod's own composition root, from the environment a pod is given: the API and its
      // token for state, the S3 variables only to read the dataset URI.
      pod = await openStepRuntime({
        env: {
          ...s3.env,
          BOOKML_API_URL: api.info?.url ?? '',
          BOOKML_API_TOKEN: STEP_TOKEN,
          BOOKML_CACHE_DIR: join(home, 'pod-cache'),
        },
        clock,
      });
      expect(pod.kind).toBe('remote');
    });
    afterAll(async () => {
      await pod?.close();
      await api?.stop();
      await appB?.close();
      await storesA?.close();
      await s3.close();
      rmSync(home, { recursive: true, force: true });
    });

    it('registers the same bundle, stored in the bucket, as the local runtime on a filesystem store', async () => {
      const local = await runInProcess(
        recommender,
        params,
        join(home, 'nodes-a'),
        'run-a',
        localStepServices(storesA, { codeVersion: codeVersion() }),
      );
      const remote = await runInProcess(recommender, params, join(home, 'nodes-b'), 'run-b', pod.services);
      expect(remote.phases).toEqual(local.phases);
      expect(Object.values(remote.phases).every((phase) => phase === 'Succeeded')).toBe(true);
      const ingest = remote.outputs.get('ingest') as { datasetHash: string; datasetSource: string };
      expect(ingest.datasetHash).toBe((local.outputs.get('ingest') as { datasetHash: string }).datasetHash);
      expect(ingest.datasetSource).toBe('s3://exports/datasets/seven/');

      const a = local.outputs.get('register') as { version: number; artifactHash: string };
      const b = remote.outputs.get('register') as { version: number; artifactHash: string };
      expect(b.artifactHash).toBe(a.artifactHash);
      const vb = await (await appB.stores.registry()).getVersion('recommender', b.version);
      const artifacts = await appB.stores.artifacts();
      expect(artifacts.kind).toBe('s3');
      expect(vb.artifactUri).toBe(
        `s3://bookml/control-plane/sha256/${b.artifactHash.slice(0, 2)}/${b.artifactHash.slice(2)}`,
      );
      expect(vb.aliases).toEqual(['staging']);
      // The bundle reads back from the bucket, every file verified, as serving would load it.
      const manifest = await artifacts.readDirManifest(b.artifactHash);
      expect(manifest.entries.length).toBeGreaterThan(0);
      for (const e of manifest.entries) expect(await artifacts.has(e.sha256)).toBe(true);
      expect((await storesA.artifacts()).kind).toBe('fs');
    });
  },
);
