import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bundleDirSource,
  ROLE_HEADER,
  ROUTING_KEY_HEADER,
  type ServeServer,
  VERSION_HEADER,
} from '../src/serve/index.js';
import { memorySink, startServer, tempDir, writeModel } from './serve-fixture.js';

/** One GET over a socket: status, the headers that matter, body. */
function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: {
            'content-type': res.headers['content-type'],
            'content-length': res.headers['content-length'],
            [VERSION_HEADER]: res.headers[VERSION_HEADER] as string | undefined,
            [ROLE_HEADER]: res.headers[ROLE_HEADER] as string | undefined,
          },
          body,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** The same request through Fastify's route (inject never takes the fast path). */
async function viaRoute(server: ServeServer, path: string, headers: Record<string, string> = {}) {
  const res = await server.app.inject({ url: path, headers });
  return {
    status: res.statusCode,
    headers: {
      'content-type': res.headers['content-type'] as string | undefined,
      'content-length': res.headers['content-length'] as string | undefined,
      [VERSION_HEADER]: res.headers[VERSION_HEADER] as string | undefined,
      [ROLE_HEADER]: res.headers[ROLE_HEADER] as string | undefined,
    },
    body: res.body,
  };
}

let open: ServeServer[] = [];
afterEach(async () => {
  for (const s of open) await s.app.close();
  open = [];
});

async function listening(server: ServeServer): Promise<number> {
  open.push(server);
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  return (server.app.server.address() as { port: number }).port;
}

describe('GET /recommend fast path', () => {
  it('answers byte for byte what the Fastify route answers, and hands every other request to it', async () => {
    const dir = join(tempDir(), 'm');
    await writeModel(dir, { books: 40, k: 10 });
    const sink = memorySink();
    const server = await startServer(bundleDirSource(dir), {
      predictionSink: sink,
      config: { predictionLog: { flushIntervalMs: 10 } },
    });
    const port = await listening(server);
    const fast = server.app.bookmlFast;
    expect(fast).not.toBeNull();

    const common: string[] = [];
    for (let book = 1; book <= 40; book++) {
      common.push(`/recommend?book_id=${book}&k=${1 + (book % 10)}`, `/recommend?book_id=${book}`);
    }
    common.push('/recommend?k=3&book_id=007', '/recommend?book_id=5&customer_id=c1&k=2');
    for (const path of common) {
      const taken = fast?.taken ?? 0;
      const [a, b] = await Promise.all([get(port, path), viaRoute(server, path)]);
      expect({ path, ...a }).toEqual({ path, ...b });
      expect(a.status).toBe(200);
      expect(fast?.taken).toBe(taken + 1);
    }

    // Unknown books, bad or out-of-range k, escapes, repeats, other keys and other paths: the route's answer.
    const others = [
      '/recommend?book_id=999999',
      '/recommend?book_id=1&k=11',
      '/recommend?book_id=1&k=0',
      '/recommend?book_id=1&k=abc',
      '/recommend?book_id=1&k=',
      '/recommend?book_id=x1',
      '/recommend?book_id=%31&k=2',
      '/recommend?book_id=1&book_id=2',
      '/recommend?book_id=1&explain=true',
      '/recommend?k=2',
      '/recommend?book_id',
      '/recommend/?book_id=1',
      '/recommend',
    ];
    for (const path of others) {
      const taken = fast?.taken ?? 0;
      const [a, b] = await Promise.all([get(port, path), viaRoute(server, path)]);
      expect(fast?.taken).toBe(taken);
      const strip = (body: string) => body.replace(/"requestId":"[^"]*"/, '');
      expect({ path, status: a.status, body: strip(a.body) }).toEqual({
        path,
        status: b.status,
        body: strip(b.body),
      });
    }

    // The hot counters and the prediction log see the fast answers.
    const metrics = (await get(port, '/metrics')).body;
    const ok = Number(
      /bookml_serve_requests_total\{method="GET",route="\/recommend",version="[^"]+",status="2xx"\} (\d+)/.exec(
        metrics,
      )?.[1],
    );
    expect(ok).toBeGreaterThanOrEqual(2 * common.length);
    await server.app.close();
    open = [];
    expect(sink.records.length).toBeGreaterThanOrEqual(2 * common.length);
    expect(sink.records[0]).toMatchObject({ route: 'recommend' });
  });

  it('leaves escaped ids (names with spaces) to the route', async () => {
    const dir = join(tempDir(), 'm');
    await writeModel(dir, { names: true });
    const server = await startServer(bundleDirSource(dir));
    const port = await listening(server);
    const fast = server.app.bookmlFast;
    for (const path of ['/recommend?book_id=item%201&k=3', '/recommend?book_id=item+2&k=3']) {
      const [x, y] = await Promise.all([get(port, path), viaRoute(server, path)]);
      expect(x).toEqual(y);
      expect(x.status).toBe(200);
    }
    expect(fast?.taken).toBe(0);
  });

  it('keeps the canary sticky per customer on the fast path', async () => {
    const a = join(tempDir(), 'a');
    const b = join(tempDir(), 'b');
    await writeModel(a, { seed: 1 });
    await writeModel(b, { seed: 2 });
    const server = await startServer(bundleDirSource(a), {
      canary: bundleDirSource(b),
      config: { canaryPercent: 50 },
    });
    const port = await listening(server);
    const fast = server.app.bookmlFast;
    const roles = new Set<string | undefined>();
    for (let c = 0; c < 40; c++) {
      const path = `/recommend?book_id=${(c % 30) + 1}&customer_id=c${c}&k=3`;
      const taken = fast?.taken ?? 0;
      const [x, y] = await Promise.all([get(port, path), viaRoute(server, path)]);
      expect(fast?.taken).toBe(taken + 1);
      expect(x).toEqual(y);
      const h = await get(port, `/recommend?book_id=${(c % 30) + 1}&k=3`, { [ROUTING_KEY_HEADER]: `c${c}` });
      expect(h.headers[ROLE_HEADER]).toBe(x.headers[ROLE_HEADER]);
      roles.add(x.headers[ROLE_HEADER]);
    }
    expect(roles).toEqual(new Set(['primary', 'canary']));
  });

  it('can be turned off, and bounds its bytes', async () => {
    const dir = join(tempDir(), 'm');
    await writeModel(dir, { books: 40, k: 10 });
    const off = await startServer(bundleDirSource(dir), { app: { fastPath: false } });
    open.push(off);
    expect(off.app.bookmlFast).toBeNull();

    const small = await startServer(bundleDirSource(dir), { config: { answerCacheBytes: 4096 } });
    const port = await listening(small);
    for (let book = 1; book <= 40; book++)
      expect((await get(port, `/recommend?book_id=${book}`)).status).toBe(200);
    const model = small.deployment.primary.current;
    if (!model || !small.app.bookmlFast) throw new Error('not ready');
    const bytes = small.app.bookmlFast.bytesOf(model);
    expect(bytes.bytes).toBeLessThanOrEqual(4096);
    expect(bytes.resets).toBeGreaterThan(0);
  });
});
