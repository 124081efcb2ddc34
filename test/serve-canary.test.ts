import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bucketOf, bundleDirSource, ROLE_HEADER, VERSION_HEADER } from '../src/serve/index.js';
import { startServer, tempDir, writeModel } from './serve-fixture.js';

async function twoModels() {
  const root = tempDir();
  const a = join(root, 'a');
  const b = join(root, 'b');
  const va = (await writeModel(a, { seed: 1 })).modelId;
  const vb = (await writeModel(b, { seed: 2 })).modelId;
  return { a, b, va, vb };
}

describe('canary', () => {
  it('answers its share of traffic, sticky per customer, and names the version that answered', async () => {
    const { a, b, va, vb } = await twoModels();
    const server = await startServer(bundleDirSource(a), {
      canary: bundleDirSource(b),
      config: { canaryPercent: 30 },
    });
    const versionFor = async (customer: string) => {
      const res = await server.app.inject({ url: `/recommend?book_id=1&k=3&customer_id=${customer}` });
      expect(res.statusCode).toBe(200);
      expect(res.json().version).toBe(res.headers[VERSION_HEADER]);
      return res.headers[VERSION_HEADER];
    };
    let canary = 0;
    for (let c = 0; c < 100; c++) {
      const key = `customer-${c}`;
      const v = await versionFor(key);
      expect(v).toBe(bucketOf(key) < 30 ? vb : va);
      expect(await versionFor(key)).toBe(v);
      if (v === vb) canary++;
    }
    expect(canary).toBeGreaterThan(10);
    expect(canary).toBeLessThan(60);

    // The header routes too, and a basket's customer_id as well.
    const key = Array.from({ length: 100 }, (_, i) => `k${i}`).find((k) => bucketOf(k) < 30) as string;
    const viaHeader = await server.app.inject({
      url: '/recommend?book_id=1',
      headers: { 'x-bookml-routing-key': key },
    });
    expect(viaHeader.headers[VERSION_HEADER]).toBe(vb);
    expect(viaHeader.headers[ROLE_HEADER]).toBe('canary');
    const basket = await server.app.inject({
      method: 'POST',
      url: '/recommend',
      payload: { book_ids: [1, 2], customer_id: key },
    });
    expect(basket.headers[VERSION_HEADER]).toBe(vb);

    // Requests without a key are spread evenly: exactly 30 of every 100.
    let unkeyed = 0;
    for (let i = 0; i < 100; i++) {
      const res = await server.app.inject({ url: '/recommend?book_id=2' });
      if (res.headers[VERSION_HEADER] === vb) unkeyed++;
    }
    expect(unkeyed).toBe(30);

    // The canary's version is reachable directly through V2's versioned path.
    const infer = await server.app.inject({
      method: 'POST',
      url: `/v2/models/recommender/versions/${vb}/infer`,
      payload: { inputs: [{ name: 'book_id', datatype: 'INT64', shape: [1], data: [1] }] },
    });
    expect(infer.json().model_version).toBe(vb);

    const ready = (await server.app.inject({ url: '/ready' })).json();
    expect(ready.canary_percent).toBe(30);
    expect(ready.models.map((m: { role: string; version: string }) => [m.role, m.version])).toEqual([
      ['primary', va],
      ['canary', vb],
    ]);
    const metrics = (await server.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/bookml_serve_canary_target_ratio 0\.3\b/);
    const share = Number(/bookml_serve_canary_share_ratio ([0-9.]+)/.exec(metrics)?.[1]);
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.6);
    expect(metrics).toContain(`route="/recommend",version="${vb}",status="2xx"`);
    await server.app.close();
  });
});

describe('shadow', () => {
  it('computes on the same requests, never answers, and measures overlap@k', async () => {
    const { a, b, va } = await twoModels();
    const server = await startServer(bundleDirSource(a), { shadow: bundleDirSource(b) });
    for (let book = 1; book <= 20; book++) {
      const res = await server.app.inject({ url: `/recommend?book_id=${book}&k=5` });
      expect(res.headers[VERSION_HEADER]).toBe(va);
    }
    await server.app.inject({ method: 'POST', url: '/recommend', payload: { book_ids: [1, 2, 3] } });
    await server.context.shadow?.drained();
    const { shadow } = server.metrics;
    expect(shadow.compared).toBe(21);
    expect(shadow.failed).toBe(0);
    expect(shadow.overlap.count).toBe(21);
    const metrics = (await server.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/bookml_serve_shadow_compared_total 21/);
    expect(metrics).toMatch(/bookml_serve_shadow_overlap_ratio_count 21/);
    await server.app.close();
  });

  it('reports full overlap when the shadow is the same model', async () => {
    const { a } = await twoModels();
    const server = await startServer(bundleDirSource(a), { shadow: bundleDirSource(a) });
    for (let book = 1; book <= 10; book++) await server.app.inject({ url: `/recommend?book_id=${book}&k=5` });
    await server.context.shadow?.drained();
    expect(server.metrics.shadow.overlap.sum).toBe(10);
    await server.app.close();
  });
});
