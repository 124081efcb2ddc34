/**
 * The serving app's OpenAPI document (`GET /openapi.json`) under a golden file
 * (`test/golden/serve.openapi.yaml`, regenerate with `UPDATE_GOLDEN=1 npx vitest run test/serve-openapi.test.ts`):
 * every route the app serves is in it, every schema compiles, and the control plane's copy (the
 * dashboard's API reference) is the same document.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import {
  bundleDirSource,
  createServeServer,
  parseServeConfig,
  type ServeServer,
} from '../src/serve/index.js';
import { createTestDatabase } from '../src/store/test-databases.js';
import { golden } from './golden/golden.js';
import { compileOpenApiSchemas } from './golden/openapi-schemas.js';
import { tempDir, writeModel } from './serve-fixture.js';

type Doc = {
  info: { title: string };
  paths: Record<
    string,
    Record<
      string,
      {
        summary: string;
        parameters?: { schema: object }[];
        requestBody?: { content: Record<string, { schema: object }> };
        responses: Record<string, { content?: Record<string, { schema: object }> }>;
      }
    >
  >;
};

describe('serving OpenAPI document', () => {
  let server: ServeServer;
  const routes: Array<{ method: string; url: string }> = [];
  let doc: Doc;

  beforeAll(async () => {
    const dir = join(tempDir(), 'm');
    await writeModel(dir);
    server = createServeServer({
      config: parseServeConfig({ pollIntervalMs: 0 }),
      primary: bundleDirSource(dir),
    });
    // The surfaces register when the app gets ready: a hook added now sees every one of them.
    server.app.addHook('onRoute', (r) => {
      for (const m of Array.isArray(r.method) ? r.method : [r.method]) routes.push({ method: m, url: r.url });
    });
    await server.start();
    const res = await server.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });

  afterAll(async () => {
    await server?.app.close();
  });

  it('matches its golden file and every schema compiles', () => {
    const { expected, actual } = golden(
      'serve.openapi.yaml',
      stringify(doc, { aliasDuplicateObjects: false }),
    );
    expect(actual).toEqual(expected);
    const schemas = compileOpenApiSchemas(doc);
    expect(schemas).toBeGreaterThan(30);
  });

  it('documents every route the serving app serves', () => {
    const served = routes
      .filter((r) => r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    expect(served.length).toBeGreaterThanOrEqual(17);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
    for (const must of [
      'GET /recommend',
      'POST /recommend',
      'POST /v1/models/{target}',
      'POST /v2/models/{name}/infer',
      'GET /v2/models/{name}',
      'GET /v2/health/ready',
      'GET /healthz',
      'GET /metrics',
      'GET /openapi.json',
    ]) {
      expect(documented).toContain(must);
    }
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops)) expect(op.summary).not.toBe('');
  });

  it('the control plane serves the same document for the dashboard', async () => {
    const t = await createTestDatabase('sqlite');
    const app = await buildControlPlane({
      db: await t.open(),
      config: loadApiConfig({ env: {} }),
      logger: false,
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/api/docs/serving.json' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(doc);
    } finally {
      await app.close();
      await t.dispose();
    }
  });
});
