/**
 * Property-based tests of the webhook (issue 11, item 12), fixed seed and bounded runs: its body
 * parsers (`datasetPath`, `idempotencyKey`) and its HTTP routes. Properties: never a 5xx, never a
 * crash, every refusal carries its code (and a 400 its field), nothing refused reaches the bus, and
 * what is accepted is published as sent.
 */
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { EventLog, type MetadataDb } from '../../store/index.js';
import { createTestDatabase, type TestDatabase } from '../../store/test-databases.js';
import { TableBus } from '../bus/index.js';
import { TriggersError } from '../errors.js';
import { signedWebhookHeaders } from './signature.js';
import { buildWebhookApp } from './webhook-app.js';
import { datasetPath, idempotencyKey } from './webhook-bodies.js';

const SEED = 20_261_203;
const runs = (numRuns: number) => ({ seed: SEED, numRuns });

const SECRET = 'whsec-props-0123456789abcdef';
const TOKEN = 'token-props-0123456789abcdef';
const START = Date.parse('2026-01-01T00:00:00Z');
const CODE = /^TRIGGERS_[A-Z0-9_]+$/;
const LEAK = /FST_|node_modules|\n\s+at\s|\.[jt]s:\d+:\d+/;

/** Any text, now and then beyond ASCII: NUL, controls, astral characters, lone surrogates. */
const anyText = (maxLength: number) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ maxLength, unit: 'binary' }),
    fc.string({ maxLength, unit: 'grapheme' }),
  );

function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('webhook body parsers (fast-check, fixed seed)', () => {
  it('datasetPath: a path comes back as given, a file:// URI as its path, anything else a 400 naming dataset_uri', () => {
    const uri = fc.oneof(
      anyText(40),
      fc.webUrl(),
      fc.constantFrom('s3://b/a.csv', 'file://nas/a.csv', 'file:///a%00b', 'file:///%E9', 'FILE:///x'),
      fc.string({ maxLength: 20 }).map((s) => `file://${s}`),
    );
    fc.assert(
      fc.property(uri, (u) => {
        const e = thrownBy(() => datasetPath(u));
        if (e === undefined) {
          const path = datasetPath(u);
          expect(typeof path).toBe('string');
          if (!/^file:/i.test(u)) expect(path).toBe(u);
          return;
        }
        expect(e, String(e)).toBeInstanceOf(TriggersError);
        expect(e).toMatchObject({ code: 'TRIGGERS_BAD_REQUEST', field: 'dataset_uri', status: 400 });
        // The message never repeats what was sent (it may name a bucket or a private path).
        if (u.length > 8) expect((e as Error).message).not.toContain(u);
      }),
      runs(500),
    );
  });

  it('datasetPath: every absolute path round-trips through its file:// URI', () => {
    const segment = fc
      .string({ minLength: 1, maxLength: 10, unit: 'binary' })
      .filter((s) => !s.includes('/') && !s.includes('\0') && Buffer.from(s).toString() === s);
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), (segments) => {
        const path = `/${segments.join('/')}`;
        // Encoded by hand: Node's pathToFileURL drops a trailing control character.
        expect(datasetPath(`file://${segments.map((x) => `/${encodeURIComponent(x)}`).join('')}`)).toBe(path);
        expect(datasetPath(pathToFileURL(`${path}/x`).href)).toBe(`${path}/x`);
      }),
      runs(300),
    );
  });

  it('idempotencyKey: 1–128 visible ASCII characters come back as sent; anything else is a 400 naming the header', () => {
    const value = fc.oneof(
      fc.stringMatching(/^[\x21-\x7e]{1,128}$/),
      anyText(140),
      fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }),
    );
    fc.assert(
      fc.property(value, (v) => {
        const headers = { 'idempotency-key': v as string };
        const e = thrownBy(() => idempotencyKey(headers));
        if (e === undefined) {
          expect(idempotencyKey(headers)).toBe(v);
          expect(v).toMatch(/^[\x21-\x7e]{1,128}$/);
        } else {
          expect(e).toMatchObject({ code: 'TRIGGERS_BAD_REQUEST', field: 'idempotency-key', status: 400 });
        }
      }),
      runs(500),
    );
  });
});

describe('webhook routes (fast-check, fixed seed)', () => {
  let t: TestDatabase;
  let mdb: MetadataDb;
  let clock: ManualClock;
  let bus: TableBus;
  let app: FastifyInstance;
  beforeAll(async () => {
    clock = new ManualClock(START);
    t = await createTestDatabase('sqlite');
    mdb = await t.open({ clock });
    bus = new TableBus({ db: mdb });
    app = buildWebhookApp({ bus, db: mdb, secret: SECRET, bearerTokens: [TOKEN] });
  });
  afterAll(async () => {
    await app.close();
    await bus.close();
    await t.dispose();
  });

  const stored = async () => new EventLog(mdb).read({ limit: 100_000 });

  /** The answer is not a 5xx, is JSON, and a refusal names its code (and, for a 400, its field). */
  function expectSafe(res: LightMyRequestResponse, what: string): Record<string, unknown> {
    expect(res.statusCode, `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`).toBeLessThan(500);
    expect(res.headers['content-type'], what).toMatch(/^application\/json/);
    const body = res.json() as Record<string, unknown>;
    if (res.statusCode >= 400) {
      expect(res.body, what).not.toMatch(LEAK);
      expect(res.body, what).not.toContain(SECRET);
      expect(body.code, `${what}: ${res.body}`).toMatch(CODE);
      expect(body.message, what).toEqual(expect.any(String));
      if (res.statusCode === 400) expect(body.field, `${what}: ${res.body}`).toEqual(expect.any(String));
    }
    return body;
  }

  /** Deep nesting (a stack-overflow probe) within the 64 KiB limit, and over it. */
  const deep = fc
    .constantFrom(100, 5_000, 30_000, 40_000)
    .map((n) => `{"a":${'['.repeat(n)}${']'.repeat(n)}}`);
  const jsonText = fc.oneof(
    { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    {
      weight: 4,
      arbitrary: fc
        .record(
          {
            dataset_uri: fc.oneof(fc.constantFrom('/data/a.csv', 'file:///data/b%20c.jsonl'), anyText(30)),
            dataset_hash: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), anyText(10)),
            extra: fc.jsonValue({ maxDepth: 1 }),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
    },
    anyText(60),
    deep,
    fc.constantFrom('', 'null', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '{'),
  );
  const request = fc.record({
    path: fc.oneof(
      { weight: 3, arbitrary: fc.constant('/recommender-dataset-ready') },
      { weight: 3, arbitrary: fc.constantFrom('/events/orders', '/events/shop_1') },
      fc.string({ maxLength: 12 }).map((s) => `/events/${encodeURIComponent(s)}`),
    ),
    body: jsonText,
    contentType: fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      undefined,
      'text/plain',
      'application/x-www-form-urlencoded',
    ),
    auth: fc.constantFrom('signature', 'signature', 'bearer', 'wrong-secret', 'stale', 'none'),
    idempotency: fc.option(fc.oneof(fc.stringMatching(/^[\x21-\x7e]{1,20}$/), anyText(10)), {
      nil: undefined,
    }),
  });

  it('any signed, unsigned or badly signed request: never a 5xx; accepted bodies are published as sent', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        clock.advance(1_000);
        const now = clock.now();
        const headers: Record<string, string> = {};
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.idempotency !== undefined) headers['idempotency-key'] = r.idempotency;
        if (r.auth === 'bearer') headers.authorization = `Bearer ${TOKEN}`;
        else if (r.auth === 'signature') Object.assign(headers, signedWebhookHeaders(SECRET, r.body, now));
        else if (r.auth === 'wrong-secret')
          Object.assign(headers, signedWebhookHeaders('another-secret-0123456789', r.body, now));
        else if (r.auth === 'stale')
          Object.assign(headers, signedWebhookHeaders(SECRET, r.body, now - 3_600_000));
        const before = (await stored()).length;
        let res: LightMyRequestResponse;
        try {
          res = await app.inject({ method: 'POST', url: r.path, payload: r.body, headers });
        } catch (e) {
          // light-my-request refuses header values Node would never send (a control byte).
          if ((e as { code?: string }).code === 'ERR_INVALID_CHAR') return;
          throw e;
        }
        const what = `${r.auth} ${r.path} ${r.contentType} ${JSON.stringify(r.idempotency)} ${r.body.slice(0, 200)}`;
        const out = expectSafe(res, what);
        const after = await stored();
        if (res.statusCode !== 202) {
          expect(after.length, what).toBe(before);
          if (r.auth === 'none' || r.auth === 'wrong-secret' || r.auth === 'stale')
            expect(res.statusCode, what).toBe(401);
          return;
        }
        accepted++;
        expect(r.auth === 'signature' || r.auth === 'bearer', what).toBe(true);
        const event = after.find((e) => String(e.id) === out.event_id);
        expect(event, what).toBeDefined();
        const sent = JSON.parse(r.body) as Record<string, unknown>;
        if (r.path === '/recommender-dataset-ready') {
          expect(event?.topic).toBe('dataset.ready');
          expect(event?.payload).toMatchObject({ dataset_uri: sent.dataset_uri });
        } else if (r.idempotency === undefined || after.length > before) {
          expect(event?.payload, what).toEqual(sent);
        }
      }),
      runs(250),
    );
    expect(accepted, 'enough requests accepted to check what is published').toBeGreaterThan(10);
  });
});
