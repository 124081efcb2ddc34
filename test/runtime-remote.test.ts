/**
 * One runtime, two transports: the recommender pipeline run with the **local** runtime on workspace A and
 * with the **remote** runtime (a step pod's: an HTTP client with a token, no database, no store) against
 * the control plane `bookml api` hosts for workspace B, with the same parameters, registers the same
 * version — the same bundle bytes — on both sides, with the same lineage.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig } from '../src/api/index.js';
import {
  type ApiComponent,
  type App,
  apiComponent,
  createApp,
  localStepServices,
  type OpenStores,
  openStores,
  resolveAppConfig,
} from '../src/app/index.js';
import { openRemoteRuntime } from '../src/app/remote-runtime.js';
import { codeVersion, ManualClock, resolveWorkspace } from '../src/core/index.js';
import type { StepRuntime } from '../src/pipeline/index.js';
import { getPipeline } from '../src/pipelines/index.js';
import { runInProcess } from './fixtures/run-in-process.js';

const STEP_TOKEN = 'step-pod-secret-0123456789';
const params = { kGrid: '[10,40]' };
const recommender = getPipeline('recommender');

describe('the recommender pipeline through the remote runtime', () => {
  let home: string;
  let storesA: OpenStores;
  let appB: App;
  let api: ApiComponent;
  let pod: StepRuntime;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'bookml-remote-'));
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    storesA = openStores({ workspace: resolveWorkspace(join(home, 'a'), {}), clock });
    appB = createApp(resolveAppConfig({ flags: { home: join(home, 'b') }, env: {} }), { clock });
    api = apiComponent(appB, {
      config: loadApiConfig({
        env: {},
        flags: { host: '127.0.0.1', port: 0 },
        file: { tokens: [{ id: 'step-pod', roles: ['operator'], token: STEP_TOKEN }] },
      }),
      logLevel: 'silent',
    });
    await api.start();
    pod = await openRemoteRuntime({
      url: api.info?.url ?? '',
      token: STEP_TOKEN,
      clock,
      codeVersion: codeVersion(),
      cacheDir: join(home, 'pod-cache'),
    });
  });
  afterAll(async () => {
    await pod?.close();
    await api?.stop();
    await appB?.close();
    await storesA?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('registers the same version with the same bundle sha256 as the local runtime', async () => {
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
    expect(remote.outputs.get('ingest')).toMatchObject({
      datasetHash: (local.outputs.get('ingest') as { datasetHash: string }).datasetHash,
    });
    const a = local.outputs.get('register') as { version: number; artifactHash: string };
    const b = remote.outputs.get('register') as { version: number; artifactHash: string };
    expect(b.version).toBe(a.version);
    expect(b.artifactHash).toBe(a.artifactHash);
    expect(remote.outputs.get('promote')).toEqual(local.outputs.get('promote'));
    expect(remote.outputs.get('promote')).toEqual({ status: 'moved', fromVersion: 0 });

    // What workspace B's control plane recorded: the same bundle and lineage, by the token's principal.
    const [va, vb] = await Promise.all([
      (await storesA.registry()).getVersion('recommender', a.version),
      (await appB.stores.registry()).getVersion('recommender', b.version),
    ]);
    expect(vb.artifactHash).toBe(va.artifactHash);
    expect(vb.metrics).toEqual(va.metrics);
    expect(vb.params).toEqual(va.params);
    expect(vb.lineage).toEqual(va.lineage);
    expect(vb.tags).toMatchObject({ 'bookml.run': 'run-b', 'bookml.task': 'register' });
    expect(vb.aliases).toEqual(['staging']);
    // The gates ran on B with evidence B measured (the latency benchmark), not numbers the pod sent.
    const latency = vb.gates.staging?.results.find((r) => r.gate === 'latency');
    expect(latency).toMatchObject({ passed: true });
    expect(latency?.detail).toMatch(/benchmark/);
    expect(vb.artifactUri).toBe((await appB.stores.artifacts()).uriOf(b.artifactHash));
    expect(await (await appB.stores.artifacts()).has(b.artifactHash)).toBe(true);
    const audit = await (await appB.stores.registry()).audit({ model: 'recommender' });
    expect(audit[0]).toMatchObject({ alias: 'staging', toVersion: b.version, actor: 'step-pod' });
    const topics = (await (await appB.stores.events()).read()).map((e) => e.topic);
    expect(topics).toEqual(['model.registered', 'model.promoted']);

    // The dataset the pod generated lives in B's workspace (and is current there), not in the pod.
    const current = await appB.stepServices().datasets.current();
    expect(current?.hash).toBe((remote.outputs.get('ingest') as { datasetHash: string }).datasetHash);
    expect(readdirSync(join(home, 'pod-cache')).every((n) => /^[0-9a-f]{64}(\.blob)?$/.test(n))).toBe(true);
  });
});
