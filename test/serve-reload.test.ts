import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/index.js';
import { type ModelBundle, readBundle } from '../src/model/index.js';
import { type ModelRef, VERSION_HEADER, workspaceLatestSource } from '../src/serve/index.js';
import { saveLatest, startServer, tempDir } from './serve-fixture.js';

function modelIdOf(dir: string): string {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).modelId;
}

describe('hot reload from the workspace latest model', () => {
  it('serves the latest model, swaps when a new one is trained, and keeps answering meanwhile', async () => {
    const models = join(tempDir(), 'models');
    const v1 = modelIdOf(await saveLatest(models, { seed: 1 }));
    // A loader the test releases by hand, to look at the server mid-load.
    let release: () => void = () => {};
    let gate: Promise<void> | null = null;
    const loadBundle = async (ref: ModelRef): Promise<ModelBundle> => {
      if (gate) await gate;
      return readBundle(ref.dir);
    };
    const server = await startServer(workspaceLatestSource(models), { loadBundle });
    const ask = () => server.app.inject({ url: '/recommend?book_id=1&k=3' });
    expect((await ask()).headers[VERSION_HEADER]).toBe(v1);

    const v2 = modelIdOf(await saveLatest(models, { seed: 2 }));
    expect(v2).not.toBe(v1);
    gate = new Promise((r) => {
      release = r;
    });
    const loading = server.deployment.reconcile();
    // Mid-load: the old version answers and the server stays ready.
    const during = await ask();
    expect(during.statusCode).toBe(200);
    expect(during.headers[VERSION_HEADER]).toBe(v1);
    expect((await server.app.inject({ url: '/ready' })).statusCode).toBe(200);
    release();
    const [result] = await loading;
    expect(result).toMatchObject({ role: 'primary', changed: true, version: v2, previous: v1 });
    expect((await ask()).headers[VERSION_HEADER]).toBe(v2);
    const metrics = (await server.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/bookml_serve_model_loads_total\{role="primary",result="success"\} 2/);
    expect(metrics).toContain(`bookml_serve_model_info{role="primary",version="${v2}"} 1`);
    expect(metrics).not.toContain(`bookml_serve_model_info{role="primary",version="${v1}"}`);
    await server.app.close();
  });

  it('keeps the old model when a new one fails its checksums, and reports it', async () => {
    const models = join(tempDir(), 'models');
    const v1 = modelIdOf(await saveLatest(models, { seed: 1 }));
    const server = await startServer(workspaceLatestSource(models));
    const badDir = await saveLatest(models, { seed: 3 });
    const scores = join(badDir, 'scores.f64');
    const bytes = readFileSync(scores);
    bytes[5] ^= 0xff;
    writeFileSync(scores, bytes);

    const [result] = await server.deployment.reconcile();
    expect(result.changed).toBe(false);
    expect(result.failure).toMatchObject({ version: modelIdOf(badDir), code: 'MODEL_BUNDLE_CORRUPT' });
    const res = await server.app.inject({ url: '/recommend?book_id=1&k=3' });
    expect(res.statusCode).toBe(200);
    expect(res.headers[VERSION_HEADER]).toBe(v1);
    const ready = await server.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'degraded',
      models: [{ role: 'primary', version: v1, failure: { code: 'MODEL_BUNDLE_CORRUPT' } }],
    });
    const metrics = (await server.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/bookml_serve_model_loads_total\{role="primary",result="failure"\} 1/);
    expect(metrics).toMatch(/bookml_serve_model_last_load_failed\{role="primary"\} 1/);
    // The same broken version is not reloaded at every poll…
    await server.deployment.reconcile();
    expect((await server.app.inject({ url: '/metrics' })).body).toMatch(
      /model_loads_total\{role="primary",result="failure"\} 1/,
    );
    // …and a good model trained afterwards is picked up.
    const v3 = modelIdOf(await saveLatest(models, { seed: 4 }));
    await server.deployment.reconcile();
    expect((await server.app.inject({ url: '/recommend?book_id=1' })).headers[VERSION_HEADER]).toBe(v3);
    expect((await server.app.inject({ url: '/ready' })).json().status).toBe('ready');
    await server.app.close();
  });

  it('starts before any model exists: not ready until one is trained, then found by polling', async () => {
    const models = join(tempDir(), 'models');
    // The poll runs on virtual time: the test moves the clock instead of waiting for a real timer.
    const clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    const server = await startServer(workspaceLatestSource(models), {
      clock,
      config: { pollIntervalMs: 20_000 },
    });
    const ready = await server.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      status: 'loading',
      models: [{ ready: false, failure: { code: 'MODEL_NONE_TRAINED' } }],
    });
    const res = await server.app.inject({ url: '/recommend?book_id=1' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'SERVE_NOT_READY' });
    expect(res.headers['retry-after']).toBe('1');
    expect((await server.app.inject({ url: '/v2/health/ready' })).statusCode).toBe(503);
    expect((await server.app.inject({ url: '/v2/models/recommender/ready' })).statusCode).toBe(503);

    const v1 = modelIdOf(await saveLatest(models, { seed: 5 }));
    await clock.advanceAsync(19_999);
    await server.deployment.primary.idle();
    expect(server.deployment.primary.current).toBeNull();
    await clock.advanceAsync(1);
    await server.deployment.primary.idle();
    expect(server.deployment.primary.current?.version).toBe(v1);
    expect(server.deployment.primary.current?.loadedAt).toBe(clock.now());
    expect((await server.app.inject({ url: '/recommend?book_id=1' })).statusCode).toBe(200);
    await server.app.close();
  });
});
