/**
 * Every mutating control-plane route under generated input (issue 11, item 12). The routes are read
 * from the app itself — `/api/v1` from its OpenAPI document, MLflow from Fastify's route table — so
 * a route added later is covered without touching this file. Each gets arbitrary JSON bodies (and
 * now and then no body, a wrong content type or odd path parameters). Properties: never a 5xx,
 * never a stack, every refusal carries its code and a 400 its field. Fixed seed, bounded runs.
 * (`test/http-properties.test.ts` checks round trips on a sample of these routes.)
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig, MLFLOW_STATUS } from '../src/api/index.js';
import { type StepPlane, stepPlane } from './fixtures/step-services.js';

const SEED = 20_261_203;
const CODE = /^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/;
const LEAK = /FST_|node_modules|\n\s+at\s|\.[jt]s:\d+:\d+/;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface Route {
  method: string;
  /** With `{param}` placeholders. */
  path: string;
}

describe('every mutating control-plane route under any JSON (fast-check, fixed seed)', () => {
  let plane: StepPlane;
  let app: FastifyInstance;
  let v1: Route[] = [];
  let mlflow: Route[] = [];
  beforeAll(async () => {
    // Every port given (artifacts, datasets, events) and no tokens: the caller is the local
    // approver, so every route reads its body.
    plane = await stepPlane({ config: loadApiConfig({ env: {} }) });
    app = plane.app;
    const json = { 'content-type': 'application/json' };
    await app.inject({
      method: 'POST',
      url: '/api/v1/models',
      headers: json,
      payload: { name: 'recommender' },
    });
    for (const uri of ['file:///a.bundle', 'file:///b.bundle'])
      await app.inject({
        method: 'POST',
        url: '/api/v1/models/recommender/versions',
        headers: json,
        payload: { artifactUri: uri, metrics: { ndcg_at_10: 0.3 } },
      });
    const doc = (await app.inject({ url: '/api/docs' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    v1 = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .map((m) => ({ method: m.toUpperCase(), path }))
        .filter((r) => MUTATING.has(r.method)),
    );
    mlflow = mlflowRoutes(app).filter((r) => MUTATING.has(r.method));
  });
  afterAll(async () => {
    await plane.close();
  });

  it('finds the routes it is meant to cover', () => {
    expect(v1.length).toBeGreaterThanOrEqual(12);
    expect(v1).toContainEqual({ method: 'PUT', path: '/api/v1/models/{model}/aliases/{alias}' });
    expect(mlflow.length).toBeGreaterThanOrEqual(25);
    expect(mlflow).toContainEqual({ method: 'POST', path: '/api/2.0/mlflow/registered-models/rename' });
  });

  const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ maxLength: 12, unit: 'binary' }));
  /** A value for a path parameter: mostly one that exists, now and then anything. */
  const param = (name: string) => {
    const known: Record<string, string[]> = {
      model: ['recommender', 'nope'],
      version: ['1', '2', '99', '0', '-1', 'x'],
      alias: ['staging', 'production', 'champion'],
      sha256: ['a'.repeat(64), '0'.repeat(63)],
      ref: ['1', 'production', 'abc'],
      runId: ['run-1'],
    };
    return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...(known[name] ?? ['x'])) }, text);
  };
  const keyish = fc.constantFrom(
    'name',
    'version',
    'alias',
    'reason',
    'artifactUri',
    'metrics',
    'tags',
    'policy',
    'topic',
    'payload',
    'run_id',
    'experiment_id',
    'key',
    'value',
    'new_name',
    'stage',
    'hashes',
    'manifest',
    'description',
    '__proto__',
  );
  const body = fc.oneof(
    { weight: 3, arbitrary: fc.dictionary(keyish, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }) },
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(undefined, '', '{', '{"name":"recommender","name":"x"}'),
  );

  async function hit(route: Route, params: Record<string, string>, payload: unknown, contentType: string) {
    const url = route.path.replace(/\{(\w+)\}|:(\w+)/g, (_m, a, b) =>
      encodeURIComponent(params[a ?? b] ?? 'x'),
    );
    const raw =
      typeof payload === 'string' ? payload : payload === undefined ? undefined : JSON.stringify(payload);
    return app.inject({
      method: route.method as 'POST',
      url,
      headers: raw === undefined ? {} : { 'content-type': contentType },
      ...(raw === undefined ? {} : { payload: raw }),
    });
  }

  const paramsOf = (path: string) => [...path.matchAll(/\{(\w+)\}|:(\w+)/g)].map((m) => m[1] ?? m[2]);
  const request = (routes: () => Route[]) =>
    fc.nat().chain((i) => {
      const route = routes()[i % routes().length];
      return fc.record({
        route: fc.constant(route),
        params: fc.record(Object.fromEntries(paramsOf(route.path).map((p) => [p, param(p)]))),
        payload: body,
        contentType: fc.constantFrom(
          'application/json',
          'application/json',
          'text/plain',
          'application/octet-stream',
        ),
      });
    });

  it('/api/v1: never a 5xx; a refusal has its code, a 400 its field', async () => {
    await fc.assert(
      fc.asyncProperty(
        request(() => v1),
        async ({ route, params, payload, contentType }) => {
          const res = await hit(route, params, payload, contentType);
          const what = `${route.method} ${route.path} ${JSON.stringify(params)} ${contentType} ${String(JSON.stringify(payload)).slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
          // This plane runs no pipelines: the run actions say so by design (501 API_NOT_AVAILABLE), not by failing.
          const unwired = res.statusCode === 501 && /"code":"API_NOT_AVAILABLE"/.test(res.body);
          if (!unwired) expect(res.statusCode, what).toBeLessThan(500);
          if (res.statusCode < 400) return;
          expect(res.body, what).not.toMatch(LEAK);
          const out = res.json() as Record<string, unknown>;
          expect(out.code, what).toMatch(CODE);
          expect(out.message, what).toEqual(expect.any(String));
          if (res.statusCode === 400) expect(out.field, what).toEqual(expect.any(String));
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('MLflow: never a 5xx; a refusal is an MLflow error code with its status', async () => {
    await fc.assert(
      fc.asyncProperty(
        request(() => mlflow),
        async ({ route, params, payload, contentType }) => {
          const res = await hit(route, params, payload, contentType);
          const what = `${route.method} ${route.path} ${contentType} ${String(JSON.stringify(payload)).slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
          expect(res.statusCode, what).toBeLessThan(500);
          if (res.statusCode < 400) return;
          expect(res.body, what).not.toMatch(LEAK);
          const out = res.json() as Record<string, unknown>;
          expect(Object.keys(MLFLOW_STATUS), what).toContain(out.error_code);
          expect(res.statusCode, what).toBe(MLFLOW_STATUS[out.error_code as keyof typeof MLFLOW_STATUS]);
          expect(out.message, what).toEqual(expect.any(String));
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });
});

/** The MLflow routes the app serves, read from Fastify's printed route table. */
function mlflowRoutes(app: FastifyInstance): Route[] {
  const routes: Route[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    // Under a root route (`GET /`) the tree prints its children without the leading slash.
    const m = /\/?(api\/2\.0\/mlflow\/\S+) \(([A-Z, ]+)\)/.exec(line);
    if (!m) continue;
    for (const method of m[2].split(', ')) routes.push({ method, path: `/${m[1]}` });
  }
  return routes;
}
