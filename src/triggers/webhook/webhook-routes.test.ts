import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, Rng } from '../../core/index.js';
import { EventLog, type MetadataDb } from '../../store/index.js';
import { createTestDatabase, type TestDatabase } from '../../store/test-databases.js';
import { TableBus } from '../bus/index.js';
import { SIGNATURE_HEADER, signedWebhookHeaders, signWebhook, TIMESTAMP_HEADER } from './signature.js';
import { buildWebhookApp } from './webhook-app.js';
import type { WebhookDeps } from './webhook-routes.js';
import { webhookRoutes } from './webhook-routes.js';

const SECRET = 'whsec-test-0123456789abcdef';
const TOKEN = 'token-test-0123456789abcdef';
const START = Date.parse('2026-01-01T00:00:00Z');
const DATASET = '/recommender-dataset-ready';

describe('webhook routes', () => {
  let t: TestDatabase;
  let mdb: MetadataDb;
  let clock: ManualClock;
  let bus: TableBus;
  let app: FastifyInstance;

  const build = (overrides: Partial<WebhookDeps> = {}) =>
    buildWebhookApp({ bus, db: mdb, secret: SECRET, bearerTokens: [TOKEN], ...overrides });

  beforeEach(async () => {
    clock = new ManualClock(START);
    t = await createTestDatabase('sqlite');
    mdb = await t.open({ clock });
    bus = new TableBus({ db: mdb });
    app = build();
  });
  afterEach(async () => {
    await app.close();
    await bus.close();
    await t.dispose();
  });

  const events = () => new EventLog(mdb).read({ limit: 10_000 });

  /** POSTs `body` signed at `at` (epoch ms, default now) with `secret`. */
  const signed = (
    url: string,
    body: string,
    opts: { at?: number; secret?: string; headers?: Record<string, string>; target?: FastifyInstance } = {},
  ) =>
    (opts.target ?? app).inject({
      method: 'POST',
      url,
      payload: body,
      headers: {
        ...signedWebhookHeaders(opts.secret ?? SECRET, body, opts.at ?? clock.now()),
        ...opts.headers,
      },
    });
  const datasetBody = (uri = 'file:///data/orders.csv') => JSON.stringify({ dataset_uri: uri });

  const expectError = (res: LightMyRequestResponse, status: number, code: string, field?: string) => {
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(body).toMatchObject({ statusCode: status, code });
    if (field !== undefined) expect(body.field).toBe(field);
    expect(typeof body.message).toBe('string');
    // Nothing secret or sent comes back.
    expect(res.body).not.toContain(SECRET);
    expect(res.body).not.toContain(TOKEN);
    expect(res.body).not.toMatch(/[0-9a-f]{64}/i);
  };

  it('accepts a signed dataset-ready request: 202 with the id of the one event it published', async () => {
    const res = await signed(DATASET, datasetBody('file:///data/orders%202026.csv'));
    expect(res.statusCode).toBe(202);
    const { event_id } = res.json();
    const stored = await events();
    expect(stored).toHaveLength(1);
    expect(String(stored[0].id)).toBe(event_id);
    expect(stored[0].topic).toBe('dataset.ready');
    expect(stored[0].payload).toEqual({
      dataset_uri: 'file:///data/orders%202026.csv',
      path: '/data/orders 2026.csv',
    });
  });

  it('takes a plain path as the dataset URI', async () => {
    const res = await signed(DATASET, datasetBody('exports/orders.jsonl'));
    expect(res.statusCode).toBe(202);
    expect((await events())[0].payload).toEqual({
      dataset_uri: 'exports/orders.jsonl',
      path: 'exports/orders.jsonl',
    });
  });

  it('publishes a signed JSON object on events.<source>', async () => {
    const res = await signed('/events/bookstore', JSON.stringify({ kind: 'inventory', rows: 12 }));
    expect(res.statusCode).toBe(202);
    const [event] = await events();
    expect(event.topic).toBe('events.bookstore');
    expect(event.payload).toEqual({ kind: 'inventory', rows: 12 });
    expect(String(event.id)).toBe(res.json().event_id);
  });

  it('refuses an unsigned request with 401 and publishes nothing', async () => {
    const res = await app.inject({
      method: 'POST',
      url: DATASET,
      payload: datasetBody(),
      headers: { 'content-type': 'application/json' },
    });
    expectError(res, 401, 'TRIGGERS_WEBHOOK_UNAUTHORIZED');
    expect(res.headers['www-authenticate']).toContain('Bearer');
    expect(await events()).toHaveLength(0);
  });

  it('refuses a wrong signature, a signature of another body and a malformed one', async () => {
    const body = datasetBody();
    expectError(
      await signed(DATASET, body, { secret: 'another-secret-0123456789' }),
      401,
      'TRIGGERS_WEBHOOK_BAD_SIGNATURE',
    );
    const ts = String(Math.floor(clock.now() / 1000));
    const otherBody = await app.inject({
      method: 'POST',
      url: DATASET,
      payload: body,
      headers: {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: ts,
        [SIGNATURE_HEADER]: signWebhook(SECRET, ts, datasetBody('file:///data/other.csv')),
      },
    });
    expectError(otherBody, 401, 'TRIGGERS_WEBHOOK_BAD_SIGNATURE', SIGNATURE_HEADER);
    // The same bytes with one more space are another body: the signature covers the raw bytes.
    const spaced = await app.inject({
      method: 'POST',
      url: DATASET,
      payload: `${body} `,
      headers: {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: ts,
        [SIGNATURE_HEADER]: signWebhook(SECRET, ts, body),
      },
    });
    expectError(spaced, 401, 'TRIGGERS_WEBHOOK_BAD_SIGNATURE');
    const malformed = await signed(DATASET, body, { headers: { [SIGNATURE_HEADER]: 'md5=abc' } });
    expectError(malformed, 401, 'TRIGGERS_WEBHOOK_BAD_SIGNATURE');
    const noTimestamp = await app.inject({
      method: 'POST',
      url: DATASET,
      payload: body,
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(SECRET, ts, body) },
    });
    expectError(noTimestamp, 401, 'TRIGGERS_WEBHOOK_UNAUTHORIZED');
    const millis = await signed(DATASET, body, { headers: { [TIMESTAMP_HEADER]: `${ts}.5` } });
    expectError(millis, 401, 'TRIGGERS_WEBHOOK_UNAUTHORIZED', TIMESTAMP_HEADER);
    expect(await events()).toHaveLength(0);
  });

  it('refuses a request signed more than 5 minutes away from the clock, either way', async () => {
    const body = datasetBody();
    expectError(
      await signed(DATASET, body, { at: clock.now() - 6 * 60_000 }),
      401,
      'TRIGGERS_WEBHOOK_STALE',
      TIMESTAMP_HEADER,
    );
    expectError(await signed(DATASET, body, { at: clock.now() + 6 * 60_000 }), 401, 'TRIGGERS_WEBHOOK_STALE');
    expect(await events()).toHaveLength(0);
    expect((await signed(DATASET, body, { at: clock.now() - 4 * 60_000 })).statusCode).toBe(202);
  });

  it('refuses a replayed signed request, also after a restart, until it is stale anyway', async () => {
    const body = datasetBody();
    const headers = signedWebhookHeaders(SECRET, body, clock.now());
    const send = (target: FastifyInstance, h: Record<string, string> = headers) =>
      target.inject({ method: 'POST', url: DATASET, payload: body, headers: h });
    expect((await send(app)).statusCode).toBe(202);
    expectError(await send(app), 401, 'TRIGGERS_WEBHOOK_REPLAYED', SIGNATURE_HEADER);
    // Hex is case-insensitive: the same signature in capitals is still the same request.
    const upper = {
      ...headers,
      [SIGNATURE_HEADER]: `sha256=${headers[SIGNATURE_HEADER].slice(7).toUpperCase()}`,
    };
    expectError(await send(app, upper), 401, 'TRIGGERS_WEBHOOK_REPLAYED');

    const restarted = build();
    expectError(await send(restarted), 401, 'TRIGGERS_WEBHOOK_REPLAYED');
    clock.advance(5 * 60_000 + 1000);
    expectError(await send(restarted), 401, 'TRIGGERS_WEBHOOK_STALE');
    await restarted.close();
    expect(await events()).toHaveLength(1);
  });

  it('accepts a bearer token instead of a signature, and refuses a wrong one', async () => {
    const send = (authorization: string) =>
      app.inject({
        method: 'POST',
        url: DATASET,
        payload: datasetBody(),
        headers: { 'content-type': 'application/json', authorization },
      });
    expect((await send(`Bearer ${TOKEN}`)).statusCode).toBe(202);
    expectError(await send(`Bearer ${TOKEN}x`), 401, 'TRIGGERS_WEBHOOK_UNAUTHORIZED', 'authorization');
    expectError(await send(`Basic ${TOKEN}`), 401, 'TRIGGERS_WEBHOOK_UNAUTHORIZED');
    expect(await events()).toHaveLength(1);
  });

  it('answers 413 to a body over the limit, and 401 to an unsigned one before reading it', async () => {
    const big = JSON.stringify({ dataset_uri: `/data/${'x'.repeat(70_000)}.csv` });
    expectError(await signed(DATASET, big), 413, 'TRIGGERS_BODY_TOO_LARGE', 'body');
    const unsigned = await app.inject({
      method: 'POST',
      url: DATASET,
      payload: big,
      headers: { 'content-type': 'application/json' },
    });
    expectError(unsigned, 401, 'TRIGGERS_WEBHOOK_UNAUTHORIZED');
    const small = build({ bodyLimitBytes: 64 });
    expectError(
      await signed(DATASET, datasetBody('/data/a-rather-long-name-for-a-webhook-with-a-64-byte-limit.csv'), {
        target: small,
      }),
      413,
      'TRIGGERS_BODY_TOO_LARGE',
    );
    await small.close();
    expect(await events()).toHaveLength(0);
  });

  it('refuses a bad body with 400 naming the field, and publishes nothing', async () => {
    const cases: Array<[string, string, string]> = [
      [DATASET, '{}', 'dataset_uri'],
      [DATASET, '{"dataset_uri":""}', 'dataset_uri'],
      [DATASET, '{"dataset_uri":42}', 'dataset_uri'],
      [DATASET, '{"dataset_uri":"s3://Bucket/orders.csv"}', 'dataset_uri'],
      [DATASET, '{"dataset_uri":"https://example.org/orders.csv"}', 'dataset_uri'],
      [DATASET, '{"dataset_uri":"file://otherhost/orders.csv"}', 'dataset_uri'],
      [DATASET, '{"dataset_uri":"/data/a.csv","extra":1}', 'extra'],
      [DATASET, '{"dataset_uri": "/data/a.csv"', 'body'],
      [DATASET, '', 'body'],
      ['/events/bookstore', '[1,2]', 'body'],
      ['/events/bookstore', 'null', 'body'],
      ['/events/Book%20Store', '{}', 'source'],
    ];
    for (const [url, body, field] of cases) {
      const res = await signed(url, body);
      expectError(res, 400, 'TRIGGERS_BAD_REQUEST', field);
      expect(res.body).not.toContain('bucket');
    }
    expect(await events()).toHaveLength(0);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const body = 'dataset_uri=/data/a.csv';
    const res = await signed(DATASET, body, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectError(res, 415, 'TRIGGERS_UNSUPPORTED_MEDIA_TYPE', 'content-type');
    expect(await events()).toHaveLength(0);
  });

  it('turns one Idempotency-Key into one event, whoever sends it how often', async () => {
    const body = datasetBody();
    const first = await signed(DATASET, body, { headers: { 'idempotency-key': 'export-2026-01-01' } });
    clock.advance(1000); // a fresh signature: a retry, not a replay
    const again = await signed(DATASET, body, { headers: { 'idempotency-key': 'export-2026-01-01' } });
    const bearer = await app.inject({
      method: 'POST',
      url: DATASET,
      payload: body,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${TOKEN}`,
        'idempotency-key': 'export-2026-01-01',
      },
    });
    expect([first.statusCode, again.statusCode, bearer.statusCode]).toEqual([202, 202, 202]);
    expect(again.json().event_id).toBe(first.json().event_id);
    expect(bearer.json().event_id).toBe(first.json().event_id);
    expect(await events()).toHaveLength(1);

    clock.advance(1000);
    const other = await signed(DATASET, body, { headers: { 'idempotency-key': 'export-2026-01-02' } });
    expect(other.json().event_id).not.toBe(first.json().event_id);
    clock.advance(1000);
    expectError(
      await signed(DATASET, body, { headers: { 'idempotency-key': 'has space' } }),
      400,
      'TRIGGERS_BAD_REQUEST',
      'idempotency-key',
    );
    expect(await events()).toHaveLength(2);
  });

  it('gives the signature back when the bus refuses the event, so the sender can retry it', async () => {
    const closedBus = new TableBus({ db: mdb });
    await closedBus.close();
    const failing = build({ bus: closedBus });
    const body = datasetBody();
    const headers = signedWebhookHeaders(SECRET, body, clock.now());
    const res = await failing.inject({ method: 'POST', url: DATASET, payload: body, headers });
    expectError(res, 503, 'TRIGGERS_BUS_CLOSED');
    await failing.close();
    expect((await app.inject({ method: 'POST', url: DATASET, payload: body, headers })).statusCode).toBe(202);
  });

  it('answers 404 in the same shape for a path it does not serve', async () => {
    const res = await signed('/recommender-dataset', datasetBody());
    expectError(res, 404, 'TRIGGERS_ROUTE_NOT_FOUND', 'path');
  });

  it('keeps its parser and validation to itself when mounted on another server', async () => {
    const host = Fastify();
    host.post('/echo', async (request) => request.body);
    host.register(webhookRoutes({ bus, db: mdb, secret: SECRET }));
    const echoed = await host.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    expect(echoed.json()).toEqual({ a: 1 });
    expectError(
      await signed(DATASET, '{"dataset_uri":"/data/a.csv","extra":1}', { target: host }),
      400,
      'TRIGGERS_BAD_REQUEST',
      'extra',
    );
    expect((await signed(DATASET, datasetBody(), { target: host })).statusCode).toBe(202);
    await host.close();
  });

  it('refuses to start without credentials or with a short secret, without echoing it', () => {
    expect(() => build({ secret: undefined, bearerTokens: [] })).toThrow(
      expect.objectContaining({ code: 'TRIGGERS_CONFIG_INVALID', field: 'secret' }),
    );
    let thrown: unknown;
    try {
      build({ secret: 'short-secret' });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'TRIGGERS_CONFIG_INVALID', field: 'secret' });
    expect((thrown as Error).message).not.toContain('short-secret');
    expect(() => build({ bearerTokens: ['tiny'] })).toThrow(
      expect.objectContaining({ field: 'bearerTokens' }),
    );
  });

  it('publishes nothing for 5,000 requests without valid credentials', async () => {
    const rng = new Rng(20260101);
    const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];
    const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[rng.int(16)]).join('');
    const urls = [DATASET, '/events/bookstore', '/events/x'];
    const bodies = [
      datasetBody(),
      '{}',
      '{"dataset_uri":"/data/a.csv"}',
      '{"kind":"x"}',
      '',
      'not json',
      '[]',
    ];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 5000; i++) {
      const body = pick(bodies);
      const now = Math.floor(clock.now() / 1000);
      const forged: Record<string, string> = { 'content-type': 'application/json' };
      switch (rng.int(8)) {
        case 0: // nothing at all
          break;
        case 1: // random signature, fresh timestamp
          Object.assign(forged, { [TIMESTAMP_HEADER]: String(now), [SIGNATURE_HEADER]: `sha256=${hex(64)}` });
          break;
        case 2: // signed with a guessed secret
          Object.assign(forged, signedWebhookHeaders(`guess-${hex(24)}`, body, clock.now()));
          break;
        case 3: // a valid signature of another body
          Object.assign(forged, {
            [TIMESTAMP_HEADER]: String(now),
            [SIGNATURE_HEADER]: signWebhook(SECRET, now, `${body}${hex(2)}`),
          });
          break;
        case 4: // a valid signature, but stale
          Object.assign(
            forged,
            signedWebhookHeaders(SECRET, body, clock.now() - (301 + rng.int(10_000)) * 1000),
          );
          break;
        case 5: // a wrong bearer token
          forged.authorization = `Bearer ${TOKEN.slice(0, 10)}${hex(17)}`;
          break;
        case 6: // garbage headers
          Object.assign(forged, {
            [TIMESTAMP_HEADER]: hex(rng.int(20)),
            [SIGNATURE_HEADER]: hex(rng.int(80)),
          });
          break;
        default: // a signature with no timestamp
          forged[SIGNATURE_HEADER] = signWebhook(SECRET, now, body);
      }
      const res = await app.inject({ method: 'POST', url: pick(urls), payload: body, headers: forged });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (i % 500 === 0) clock.advance(rng.int(60_000));
    }
    expect([...statuses.keys()]).toEqual([401]);
    expect(await events()).toHaveLength(0);
  });
});
