/**
 * Slow and greedy clients (issue 11, item 8): a POST whose body is shorter than its Content-Length, a
 * request whose headers never end, an idle keep-alive connection — each is closed by the server after
 * its configured timeout, with a typed 408 when an answer can still be written; and one client address
 * cannot hold more than its share of connections. Over real sockets: these are socket behaviours.
 * Timeouts are short here so the tests are quick; nothing asserts on elapsed time.
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import { ManualClock } from '../src/core/index.js';
import { bundleDirSource, type ServeServer } from '../src/serve/index.js';
import type { MetadataDb } from '../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../src/store/test-databases.js';
import { buildWebhookApp, signedWebhookHeaders } from '../src/triggers/index.js';
import { startServer, tempDir, writeModel } from './serve-fixture.js';

const TIMEOUTS = { headersMs: 300, requestMs: 400, keepAliveMs: 300 };

/** A raw connection that records what the server sends and whether the server closed it. */
interface RawClient {
  readonly socket: Socket;
  /** Resolves with everything received once the connection is closed (by either side). */
  readonly closed: Promise<string>;
  received(): string;
}

async function rawClient(port: number): Promise<RawClient> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let data = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    data += d;
  });
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(data)));
  return { socket, closed, received: () => data };
}

/** Waits for the server to close `c`; fails the test (instead of hanging) if it never does. */
async function closedByServer(c: RawClient): Promise<string> {
  let guard: NodeJS.Timeout | undefined;
  const never = new Promise<never>((_, reject) => {
    guard = setTimeout(
      () => reject(new Error(`the server kept the connection open; got: ${c.received()}`)),
      8000,
    );
  });
  try {
    return await Promise.race([c.closed, never]);
  } finally {
    clearTimeout(guard);
  }
}

/** The JSON body of a raw HTTP/1.1 answer. */
function bodyOf(raw: string): Record<string, unknown> {
  return JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
}

/** A POST announcing 200 bytes and sending 14 (with the headers `sign` gives for the whole body). */
function shortBody(path: string, port: number, sign?: (body: string) => Record<string, string>): string {
  const body = `{"book_ids":[1${' '.repeat(185)}]}`;
  const extra = Object.entries(sign?.(body) ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return (
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n${extra}` +
    `Content-Length: ${body.length}\r\n\r\n${body.slice(0, 14)}`
  );
}

/** The same checks against every server bookml runs. */
function slowClientSuite(
  name: string,
  setup: () => Promise<{
    port: number;
    path: string;
    timeoutCode: string;
    /** Headers that get a POST past authentication to its body (the webhook's signature). */
    sign?: (body: string) => Record<string, string>;
    close(): Promise<void>;
  }>,
) {
  describe(name, () => {
    let port: number;
    let path: string;
    let timeoutCode: string;
    let sign: ((body: string) => Record<string, string>) | undefined;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ port, path, timeoutCode, sign, close } = await setup());
    });
    afterAll(async () => {
      await close();
    });

    it('closes a POST whose body is shorter than its Content-Length, answering 408 with a code', async () => {
      const c = await rawClient(port);
      c.socket.write(shortBody(path, port, sign));
      const raw = await closedByServer(c);
      expect(raw).toMatch(/^HTTP\/1\.1 408 /);
      expect(bodyOf(raw)).toMatchObject({ statusCode: 408, code: timeoutCode });
    });

    it('closes a request whose headers never end', async () => {
      const c = await rawClient(port);
      c.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: 1\r\n`);
      const raw = await closedByServer(c);
      expect(raw).toMatch(/^HTTP\/1\.1 408 /);
      expect(bodyOf(raw)).toMatchObject({ statusCode: 408, code: timeoutCode });
    });

    it('closes an idle keep-alive connection after its answer', async () => {
      const c = await rawClient(port);
      c.socket.write(
        `GET /nothing-here HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`,
      );
      const raw = await closedByServer(c);
      expect(raw).toMatch(/^HTTP\/1\.1 404 /);
      expect(raw).toMatch(/keep-alive/i);
    });
  });
}

let serve: ServeServer;
slowClientSuite('serving app', async () => {
  const root = tempDir();
  await writeModel(join(root, 'm'));
  serve = await startServer(bundleDirSource(join(root, 'm')), {
    config: { timeouts: TIMEOUTS, maxConnectionsPerAddress: 3 },
  });
  await serve.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    port: (serve.app.server.address() as { port: number }).port,
    path: '/recommend',
    timeoutCode: 'SERVE_REQUEST_TIMEOUT',
    close: () => serve.app.close(),
  };
});

let t: TestDatabase;
let api: FastifyInstance;
slowClientSuite('control plane', async () => {
  t = await createTestDatabase('sqlite');
  const mdb: MetadataDb = await t.open({ clock: new ManualClock(1_700_000_000_000) });
  api = await buildControlPlane({
    db: mdb,
    config: loadApiConfig({ env: {}, file: { timeouts: TIMEOUTS, maxConnectionsPerAddress: 3 } }),
    logger: false,
  });
  await api.listen({ host: '127.0.0.1', port: 0 });
  return {
    port: (api.server.address() as { port: number }).port,
    path: '/api/v1/models',
    timeoutCode: 'API_REQUEST_TIMEOUT',
    close: async () => {
      await api.close();
      await t.dispose();
    },
  };
});

slowClientSuite('webhook server', async () => {
  const db = await createTestDatabase('sqlite');
  const clock = new ManualClock(1_700_000_000_000);
  const secret = 'webhook-secret-0123456789';
  const app = buildWebhookApp(
    { bus: { publish: async () => ({ id: 'e1' }) } as never, db: await db.open({ clock }), clock, secret },
    { limits: { ...TIMEOUTS, maxConnectionsPerAddress: 3 } },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    port: (app.server.address() as { port: number }).port,
    path: '/recommender-dataset-ready',
    timeoutCode: 'TRIGGERS_REQUEST_TIMEOUT',
    sign: (body) => signedWebhookHeaders(secret, body, clock.now()),
    close: async () => {
      await app.close();
      await db.dispose();
    },
  };
});

describe('connections per client address', () => {
  let server: ServeServer;
  let port: number;
  beforeAll(async () => {
    const root = tempDir();
    await writeModel(join(root, 'm'));
    server = await startServer(bundleDirSource(join(root, 'm')), {
      config: { maxConnectionsPerAddress: 2 },
    });
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    port = (server.app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await server.app.close();
  });

  const ask = (c: RawClient) =>
    new Promise<string>((resolve) => {
      const before = c.received().length;
      const check = () => {
        const got = c.received().slice(before);
        if (/\r\n\r\n[\s\S]*\}$/.test(got)) {
          c.socket.off('data', check);
          resolve(got);
        }
      };
      c.socket.on('data', check);
      c.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    });

  it('refuses a connection beyond the cap, keeps the others, and accepts again once one closes', async () => {
    const a = await rawClient(port);
    const b = await rawClient(port);
    expect(await ask(a)).toMatch(/^HTTP\/1\.1 200 /);
    expect(await ask(b)).toMatch(/^HTTP\/1\.1 200 /);

    const refused = await rawClient(port);
    await closedByServer(refused);
    // The two within the cap still answer.
    expect(await ask(a)).toMatch(/^HTTP\/1\.1 200 /);

    a.socket.destroy();
    await a.closed;
    // The server counts the close asynchronously: retry until it has.
    let answered = '';
    for (let i = 0; i < 50 && answered === ''; i++) {
      const c = await rawClient(port);
      const got = await Promise.race([ask(c), c.closed.then(() => '')]);
      answered = got;
      c.socket.destroy();
    }
    expect(answered).toMatch(/^HTTP\/1\.1 200 /);
    b.socket.destroy();
    const metrics = await server.app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/^bookml_serve_connections_refused_total [1-9]/m);
  });
});

describe('defaults', () => {
  it('every server has finite header, request and keep-alive timeouts without any configuration', async () => {
    const root = tempDir();
    await writeModel(join(root, 'm'));
    const served = await startServer(bundleDirSource(join(root, 'm')));
    const db = await createTestDatabase('sqlite');
    const plane = await buildControlPlane({
      db: await db.open({ clock: new ManualClock(0) }),
      config: loadApiConfig({ env: {} }),
      logger: false,
    });
    const hook = buildWebhookApp({
      bus: { publish: async () => ({ id: 'e1' }) } as never,
      db: await db.open({ clock: new ManualClock(0) }),
      secret: 'webhook-secret-0123456789',
    });
    try {
      for (const s of [served.app.server, plane.server, hook.server]) {
        expect(s.requestTimeout).toBeGreaterThan(0);
        expect(s.headersTimeout).toBeGreaterThan(0);
        expect(s.headersTimeout).toBeLessThanOrEqual(s.requestTimeout);
        expect(s.keepAliveTimeout).toBeGreaterThan(0);
      }
    } finally {
      await served.app.close();
      await plane.close();
      await hook.close();
      await db.dispose();
    }
  });
});
