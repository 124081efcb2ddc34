import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/index.js';
import { type ModelBundle, readBundle } from '../src/model/index.js';
import { bundleDirSource, type ModelRef, VERSION_HEADER, workspaceLatestSource } from '../src/serve/index.js';
import { saveLatest, startServer, tempDir, testWorkspace, writeModel } from './serve-fixture.js';

/** Flip one byte of a file (made writable first: artifact-store blobs are read-only). */
function damage(path: string, at = 5): void {
  chmodSync(path, 0o644);
  const bytes = readFileSync(path);
  bytes[at] ^= 0xff;
  writeFileSync(path, bytes);
}

describe('hot reload from the workspace latest model', () => {
  it('serves the latest model, swaps when a new one is trained, and keeps answering meanwhile', async () => {
    const ws = await testWorkspace();
    const v1 = (await saveLatest(ws, { seed: 1 })).modelId;
    // A loader the test releases by hand, to look at the server mid-load.
    let release: () => void = () => {};
    let gate: Promise<void> | null = null;
    const refs: ModelRef[] = [];
    const loadBundle = async (ref: ModelRef): Promise<ModelBundle> => {
      refs.push(ref);
      if (gate) await gate;
      return readBundle(ref.dir);
    };
    const server = await startServer(workspaceLatestSource(ws.modelsDir, ws.artifacts), { loadBundle });
    const ask = () => server.app.inject({ url: '/recommend?book_id=1&k=3' });
    expect((await ask()).headers[VERSION_HEADER]).toBe(v1);
    // The bundle comes out of the artifact store, which verified it: the loader need not hash it again.
    expect(refs[0]).toMatchObject({ version: v1, verified: true });
    expect(refs[0].dir.startsWith(ws.artifactsDir)).toBe(true);

    const v2 = (await saveLatest(ws, { seed: 2 })).modelId;
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

  it('fetches a bundle from the artifact store only when the pointer moves', async () => {
    const ws = await testWorkspace();
    const fetched: string[] = [];
    const artifacts = {
      putDir: (dir: string) => ws.artifacts.putDir(dir),
      getDir: (sha256: string) => {
        fetched.push(sha256);
        return ws.artifacts.getDir(sha256);
      },
    };
    const source = workspaceLatestSource(ws.modelsDir, artifacts);
    const p1 = await saveLatest(ws, { seed: 1 });
    const a = await source.resolve();
    const b = await source.resolve();
    expect(b).toBe(a);
    expect(a).toMatchObject({ version: p1.modelId, verified: true });
    const p2 = await saveLatest(ws, { seed: 2 });
    expect((await source.resolve()).version).toBe(p2.modelId);
    expect(fetched).toEqual([p1.sha256, p2.sha256]);
  });

  it('keeps the old model when a bundle folder is replaced by one that fails its checksums, and reports it', async () => {
    const root = tempDir();
    const dir = join(root, 'model');
    const v1 = (await writeModel(dir, { seed: 1 })).modelId;
    const server = await startServer(bundleDirSource(dir));
    // Replace the folder with a damaged bundle (another model id, so the server tries to load it).
    const replace = async (seed: number, broken: boolean) => {
      const next = join(root, `next-${seed}`);
      const manifest = await writeModel(next, { seed });
      if (broken) damage(join(next, 'scores.f64'));
      renameSync(dir, join(root, `old-${seed}`));
      renameSync(next, dir);
      return manifest.modelId;
    };
    const bad = await replace(3, true);

    const [result] = await server.deployment.reconcile();
    expect(result.changed).toBe(false);
    expect(result.failure).toMatchObject({ version: bad, code: 'MODEL_BUNDLE_CORRUPT' });
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
    // …and a good model put there afterwards is picked up.
    const v3 = await replace(4, false);
    await server.deployment.reconcile();
    expect((await server.app.inject({ url: '/recommend?book_id=1' })).headers[VERSION_HEADER]).toBe(v3);
    expect((await server.app.inject({ url: '/ready' })).json().status).toBe('ready');
    await server.app.close();
  });

  it('keeps the old model when the latest bundle is damaged in the artifact store, and reports it', async () => {
    const ws = await testWorkspace();
    const v1 = (await saveLatest(ws, { seed: 1 })).modelId;
    const server = await startServer(workspaceLatestSource(ws.modelsDir, ws.artifacts));
    const bad = await saveLatest(ws, { seed: 3 });
    const manifest = JSON.parse((await ws.artifacts.read(bad.sha256)).toString('utf8')) as {
      entries: { path: string; sha256: string }[];
    };
    const scores = manifest.entries.find((e) => e.path === 'scores.f64')?.sha256 ?? '';
    damage(join(ws.artifactsDir, 'sha256', scores.slice(0, 2), scores.slice(2)));

    const [result] = await server.deployment.reconcile();
    expect(result.changed).toBe(false);
    expect(result.failure).toMatchObject({ code: 'STORE_ARTIFACT_CORRUPT' });
    const res = await server.app.inject({ url: '/recommend?book_id=1&k=3' });
    expect(res.statusCode).toBe(200);
    expect(res.headers[VERSION_HEADER]).toBe(v1);
    const ready = await server.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'degraded',
      models: [{ role: 'primary', version: v1, failure: { code: 'STORE_ARTIFACT_CORRUPT' } }],
    });
    // A good model trained afterwards is picked up.
    const v3 = (await saveLatest(ws, { seed: 4 })).modelId;
    await server.deployment.reconcile();
    expect((await server.app.inject({ url: '/recommend?book_id=1' })).headers[VERSION_HEADER]).toBe(v3);
    expect((await server.app.inject({ url: '/ready' })).json().status).toBe('ready');
    await server.app.close();
  });

  it('starts before any model exists: not ready until one is trained, then found by polling', async () => {
    const ws = await testWorkspace();
    // The poll runs on virtual time: the test moves the clock instead of waiting for a real timer.
    const clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    const server = await startServer(workspaceLatestSource(ws.modelsDir, ws.artifacts), {
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

    const v1 = (await saveLatest(ws, { seed: 5 })).modelId;
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
