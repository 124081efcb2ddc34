/**
 * The loopback control plane without tokens gives every caller the approver role, so it must only
 * answer requests addressed to it (issue 11, item 9): a web page could otherwise drive it through DNS
 * rebinding (`Host: evil.example:8470` resolving to 127.0.0.1) or a cross-site form/fetch. The Host
 * header must name a bound address with the bound port; mutating requests a browser marks as
 * cross-site (`Origin`, `Sec-Fetch-Site`) are refused on every surface, with or without tokens.
 */
import { request } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import { ManualClock } from '../src/core/index.js';
import { createTestDatabase, type TestDatabase } from '../src/store/test-databases.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** A request over the socket with exactly these headers (fetch would not let the Host be set). */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function listening(config: ReturnType<typeof loadApiConfig>) {
  const t = await createTestDatabase('sqlite');
  const app = await buildControlPlane({
    db: await t.open({ clock: new ManualClock(1_700_000_000_000) }),
    config,
    logger: false,
  });
  await app.listen({ host: config.host, port: 0 });
  const { port } = app.server.address() as { port: number };
  return { t, app, port };
}

describe('without tokens (loopback, every caller is the local approver)', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    ({ t, app, port } = await listening(loadApiConfig({ env: {} })));
  });
  afterAll(async () => {
    await app.close();
    await t.dispose();
  });

  it.each([
    ['127.0.0.1 with the port', (p: number) => `127.0.0.1:${p}`],
    ['localhost with the port', (p: number) => `localhost:${p}`],
    ['[::1] with the port', (p: number) => `[::1]:${p}`],
    ['upper-case LOCALHOST', (p: number) => `LOCALHOST:${p}`],
  ])('answers Host: %s', async (_name, host) => {
    const res = await send(port, 'GET', '/api/v1/whoami', { host: host(port) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id: 'local' });
  });

  it.each([
    ['a rebound DNS name', (p: number) => `evil.example:${p}`],
    ['a rebound name without a port', () => 'evil.example'],
    ['the right name on another port', (p: number) => `127.0.0.1:${p + 1}`],
    ['a loopback name without the port', () => 'localhost'],
    ['a name that merely starts like localhost', (p: number) => `localhost.evil.example:${p}`],
    ['another loopback address', (p: number) => `127.0.0.2:${p}`],
  ])('refuses Host: %s with 403 API_HOST_NOT_ALLOWED, before any route runs', async (_name, host) => {
    for (const [method, path, body] of [
      ['GET', '/api/v1/whoami', undefined],
      ['POST', '/api/v1/models', { name: 'rebound' }],
      ['POST', '/api/2.0/mlflow/registered-models/create', { name: 'rebound' }],
      ['GET', '/metrics', undefined],
    ] as const) {
      const res = await send(port, method, path, { host: host(port) }, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      if (path.startsWith('/api/2.0/mlflow'))
        expect(res.body).toMatchObject({ error_code: 'PERMISSION_DENIED' });
      else expect(res.body).toMatchObject({ code: 'API_HOST_NOT_ALLOWED', field: 'host' });
    }
    // Nothing was created.
    const models = await send(port, 'GET', '/api/v1/models', { host: `127.0.0.1:${port}` });
    expect(models.body).toEqual({ models: [] });
  });

  const good = (p: number) => ({ host: `127.0.0.1:${p}` });

  it.each([
    ['Origin of another site', { origin: 'http://evil.example' }, 'origin'],
    ['Origin of another local port', { origin: 'http://127.0.0.1:1' }, 'origin'],
    ['Origin null (a sandboxed frame, a file: page)', { origin: 'null' }, 'origin'],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }, 'sec-fetch-site'],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }, 'sec-fetch-site'],
  ])('refuses a mutating request with %s: 403 API_CROSS_SITE_REQUEST', async (_name, headers, field) => {
    const res = await send(port, 'POST', '/api/v1/models', { ...good(port), ...headers }, { name: 'csrf' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'API_CROSS_SITE_REQUEST', field });
    const mlflow = await send(
      port,
      'POST',
      '/api/2.0/mlflow/registered-models/create',
      { ...good(port), ...headers },
      { name: 'csrf' },
    );
    expect(mlflow.status).toBe(403);
    expect(mlflow.body).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    const models = await send(port, 'GET', '/api/v1/models', good(port));
    expect(models.body).toEqual({ models: [] });
  });

  it('accepts a same-origin mutating request, and reads whatever their origin (CORS guards those)', async () => {
    const created = await send(
      port,
      'POST',
      '/api/v1/models',
      { ...good(port), origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' },
      { name: 'same-origin' },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const typed = await send(
      port,
      'POST',
      '/api/v1/models',
      { ...good(port), 'sec-fetch-site': 'none' },
      {
        name: 'typed-in',
      },
    );
    expect(typed.status).toBe(201);
    const read = await send(port, 'GET', '/api/v1/models', { ...good(port), origin: 'http://evil.example' });
    expect(read.status).toBe(200);
  });
});

describe('with tokens', () => {
  const TOKEN = 'operator-secret-0123456789';
  let t: TestDatabase;
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    ({ t, app, port } = await listening(
      loadApiConfig({ env: {}, file: { tokens: [{ id: 'ci', roles: ['operator'], token: TOKEN }] } }),
    ));
  });
  afterAll(async () => {
    await app.close();
    await t.dispose();
  });

  it('answers any Host (an ingress names the service as it likes): the token is the credential', async () => {
    const res = await send(port, 'GET', '/api/v1/whoami', {
      host: 'bookml.example.com',
      authorization: `Bearer ${TOKEN}`,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'ci' });
  });

  it('still refuses a cross-site mutating request', async () => {
    const res = await send(
      port,
      'POST',
      '/api/v1/models',
      { host: 'bookml.example.com', authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' },
      { name: 'csrf' },
    );
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'API_CROSS_SITE_REQUEST' });
    const ok = await send(
      port,
      'POST',
      '/api/v1/models',
      {
        host: 'bookml.example.com',
        authorization: `Bearer ${TOKEN}`,
        origin: 'https://bookml.example.com',
      },
      { name: 'behind-tls' },
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
  });
});
