/**
 * Every control-plane route says who may call it (issue 11, item 10): a route registered without a
 * role used to default to `viewer`, so a new mutating route forgotten by its author failed open. An
 * undeclared role is now a startup error; public routes say `public: true`.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import { ManualClock } from '../src/core/index.js';
import { createTestDatabase, type TestDatabase } from '../src/store/test-databases.js';

const TOKEN = 'viewer-secret-0123456789';

describe('route roles', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  beforeEach(async () => {
    t = await createTestDatabase('sqlite');
    app = await buildControlPlane({
      db: await t.open({ clock: new ManualClock(1_700_000_000_000) }),
      config: loadApiConfig({ env: {}, file: { tokens: [{ id: 'vic', roles: ['viewer'], token: TOKEN }] } }),
      logger: false,
    });
  });
  afterEach(async () => {
    await app.close();
    await t.dispose();
  });

  /** Registering a route and starting the app; the error of whichever refuses it. */
  async function startWith(register: (app: FastifyInstance) => void): Promise<unknown> {
    try {
      register(app);
      await app.ready();
      return undefined;
    } catch (e) {
      return e;
    }
  }

  it('a route without a role is a startup error naming it', async () => {
    const err = await startWith((a) => a.post('/api/v1/danger', async () => ({ moved: true })));
    expect(err).toMatchObject({ code: 'API_ROUTE_ROLE_MISSING' });
    expect((err as Error).message).toMatch(/POST \/api\/v1\/danger/);
  });

  it('inside a plugin too (the hook reaches every encapsulated scope)', async () => {
    const err = await startWith((a) => {
      a.register(
        async (scope) => {
          scope.get('/peek', async () => ({}));
        },
        { prefix: '/api/v1/extra' },
      );
    });
    expect(err).toMatchObject({ code: 'API_ROUTE_ROLE_MISSING' });
  });

  it('a role that is not a role is refused too', async () => {
    const err = await startWith((a) =>
      a.get('/api/v1/odd', { config: { role: 'admin' as never } }, async () => ({})),
    );
    expect(err).toMatchObject({ code: 'API_ROUTE_ROLE_MISSING' });
  });

  it('declared routes start; public ones answer without a token, the rest need one', async () => {
    const err = await startWith((a) => {
      a.get('/api/v1/declared', { config: { role: 'viewer' } }, async () => ({ ok: true }));
      a.get('/api/v1/open', { config: { public: true } }, async () => ({ ok: true }));
    });
    expect(err).toBeUndefined();
    expect((await app.inject({ url: '/api/v1/open' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/v1/declared' })).statusCode).toBe(401);
    const ok = await app.inject({ url: '/api/v1/declared', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
  });

  it('every route of the control plane declares its role (the OpenAPI document shows it)', async () => {
    const doc = (await app.inject({ url: '/api/docs' })).json() as {
      paths: Record<string, Record<string, { security: unknown[]; 'x-bookml-role'?: string }>>;
    };
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (op.security.length === 0) continue;
        expect(['viewer', 'operator', 'approver'], `${method} ${path}`).toContain(op['x-bookml-role']);
        // A POST that only reads (which blobs are missing) is the one write-shaped route a viewer may call.
        if (method !== 'get' && path !== '/api/v1/artifacts/lookup')
          expect(op['x-bookml-role'], `${method} ${path}`).not.toBe('viewer');
      }
    }
  });
});
