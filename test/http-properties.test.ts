/**
 * Property-based tests of every HTTP surface (issue 11, item 12): `/recommend` query strings and JSON
 * bodies, KServe V1 and V2 (tensors), a sample of mutating `/api/v1` routes and MLflow routes, fed
 * with generated input — mostly wrong, some right. Properties: never a 5xx, never a crash, every
 * refusal carries its code (and, for a 400, the field it is about), and what is accepted round-trips
 * (the answer echoes the input; what was stored reads back the same). Fixed seed, bounded runs.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildControlPlane, loadApiConfig, MLFLOW_STATUS } from '../src/api/index.js';
import { ManualClock } from '../src/core/index.js';
import type { StepEvents } from '../src/pipeline/index.js';
import { bundleDirSource, type ServeServer } from '../src/serve/index.js';
import type { MetadataDb } from '../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../src/store/test-databases.js';
import { startServer, tempDir, writeModel } from './serve-fixture.js';

const SEED = 20_261_103;
const runs = (numRuns: number) => ({ seed: SEED, numRuns });

const CODE = /^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/;
const LEAK = /FST_|node_modules|\n\s+at\s|\.[jt]s:\d+:\d+/;

/** The answer is not a 5xx, is JSON, and a refusal says what and (for a 400) where. */
function expectSafe(res: LightMyRequestResponse, what: string): Record<string, unknown> {
  expect(res.statusCode, `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`).toBeLessThan(500);
  expect(res.headers['content-type'], what).toMatch(/^application\/json/);
  const body = res.json() as Record<string, unknown>;
  if (res.statusCode >= 400) {
    expect(res.body, what).not.toMatch(LEAK);
    expect(body.code, `${what}: ${res.body}`).toMatch(CODE);
    expect(body.message, what).toEqual(expect.any(String));
    if (res.statusCode === 400) expect(body.field, `${what}: ${res.body}`).toEqual(expect.any(String));
  }
  return body;
}

/**
 * How many inputs each property saw accepted: a property whose inputs are almost all refused would
 * test refusals only, so each asserts at the end that enough of its inputs got through.
 */
const ACCEPTED = new Map<string, { ok: number; all: number }>();
function accepted(res: LightMyRequestResponse, property: string): void {
  const c = ACCEPTED.get(property) ?? { ok: 0, all: 0 };
  c.all++;
  if (res.statusCode < 300) c.ok++;
  ACCEPTED.set(property, c);
}
function expectEnoughAccepted(property: string, share: number): void {
  const c = ACCEPTED.get(property) ?? { ok: 0, all: 0 };
  expect(c.ok / Math.max(1, c.all), `${property}: ${c.ok} of ${c.all} accepted`).toBeGreaterThanOrEqual(
    share,
  );
}

const describeInput = (req: InjectOptions) =>
  `${req.method ?? 'GET'} ${req.url} ${typeof req.payload === 'string' ? req.payload.slice(0, 300) : ''}`;

// ---------------------------------------------------------------- serving

/** Any text, now and then beyond ASCII: NUL, controls, astral characters. */
const anyText = (maxLength: number) =>
  fc.oneof(fc.string({ maxLength }), fc.string({ maxLength, unit: 'binary' }));

const INFERENCE_TYPES = [undefined, 'application/json', 'application/x-www-form-urlencoded', 'text/plain'];

/** Anything a client may put where a book id goes: of the wrong type, or not an id at all. */
const oddValue = fc.oneof(
  fc.integer({ min: -3, max: 60 }),
  fc.constantFrom('item 1', 'item 99', '1', ''),
  anyText(12),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
);
/** A book id of the model's type, known (1..40) or not (41..45); now and then anything at all. */
const bookId = (numeric: boolean) =>
  fc.oneof(
    {
      weight: 12,
      arbitrary: fc.integer({ min: 1, max: 45 }).map((n) => (numeric ? n : `item ${n}`)),
    },
    oddValue,
  );
/** A k the model takes (1..10); now and then one it refuses. */
const kValue = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 1, max: 10 }) },
  fc.integer({ min: -2, max: 1500 }),
  fc.constantFrom('3', 'three', '', '2.5'),
  fc.double(),
  fc.constant(null),
);

describe('serving surfaces', () => {
  let numeric: ServeServer;
  let names: ServeServer;
  beforeAll(async () => {
    const root = tempDir();
    await writeModel(join(root, 'n'), { k: 10 });
    await writeModel(join(root, 's'), { k: 10, names: true });
    const config = { limits: { maxBasket: 20, maxBatch: 16 } };
    numeric = await startServer(bundleDirSource(join(root, 'n')), { config });
    names = await startServer(bundleDirSource(join(root, 's')), { config });
  });
  afterAll(async () => {
    await numeric.app.close();
    await names.app.close();
  });

  /** One of the two servers (integer ids, named ids) with input generated for its id type. */
  const forEither = <T>(input: (numeric: boolean) => fc.Arbitrary<T>) =>
    fc.boolean().chain((isNumeric) => input(isNumeric).map((value) => ({ isNumeric, value })));
  const serverOf = (isNumeric: boolean) => (isNumeric ? numeric : names);
  const defaultK = (s: ServeServer) => s.deployment.primary.current?.defaultK;
  const withType = (contentType: string | undefined) =>
    contentType === undefined ? {} : { 'content-type': contentType };

  it('GET /recommend with any query string', async () => {
    const idText = (isNumeric: boolean) =>
      fc.oneof(
        {
          weight: 8,
          arbitrary: bookId(isNumeric).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
        },
        fc.constantFrom('017', '1.5', '1e2', ' 1', '0x10', '', 'item 3 ', '9999999999999999', '-1'),
        anyText(20),
      );
    const kText = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 1, max: 10 }).map(String) },
      fc.integer({ min: -2, max: 1200 }).map(String),
      fc.constantFrom('', '1e1', '0x3', ' 4', '3.0', '3.5'),
      fc.string({ maxLength: 4 }),
    );
    const query = (isNumeric: boolean) =>
      fc.record(
        {
          book_id: idText(isNumeric),
          k: kText,
          customer_id: anyText(300),
          other: fc.string({ maxLength: 5 }),
        },
        { requiredKeys: ['book_id'] },
      );
    // Raw text too: bad escapes, repeated keys, brackets, NUL.
    const raw = fc
      .array(
        fc.constantFrom('book_id', 'k', '=', '&', '%', '%2', '%zz', '%00', '1', 'a', '[]', '.', '+', 'é'),
        {
          maxLength: 16,
        },
      )
      .map((parts) => parts.join(''));
    const input = forEither((isNumeric) =>
      fc.oneof(
        { weight: 5, arbitrary: query(isNumeric).map((q) => ({ q, raw: null })) },
        raw.map((r) => ({ q: null, raw: r })),
      ),
    );
    await fc.assert(
      fc.asyncProperty(input, async ({ isNumeric, value }) => {
        const s = serverOf(isNumeric);
        const search =
          value.q === null
            ? value.raw
            : Object.entries(value.q)
                .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v as string)}`)
                .join('&');
        const req: InjectOptions = { method: 'GET', url: `/recommend?${search}` };
        const res = await s.app.inject(req);
        const body = expectSafe(res, describeInput(req));
        accepted(res, 'GET /recommend');
        if (res.statusCode !== 200 || value.q === null) return;
        // Accepted: the answer names the book asked for, with the k asked for.
        const { book_id: id, k } = value.q;
        expect(body.k).toBe(k === undefined ? defaultK(s) : Number(k));
        expect(body.book_id).toBe(isNumeric ? Number(id) : id);
        expect((body.recommendations as unknown[]).length).toBeLessThanOrEqual(body.k as number);
        expect(res.headers['x-bookml-model-version']).toBe(body.version);
      }),
      runs(500),
    );
    expectEnoughAccepted('GET /recommend', 0.2);
  });

  it('POST /recommend with any JSON body', async () => {
    const basket = (isNumeric: boolean) =>
      fc.record(
        {
          book_ids: fc.array(bookId(isNumeric), { minLength: 1, maxLength: 6 }),
          k: kValue,
          customer_id: fc.oneof(fc.string({ maxLength: 8 }), fc.integer()),
        },
        { requiredKeys: ['book_ids'] },
      );
    const payload = (isNumeric: boolean) =>
      fc.oneof(
        { weight: 8, arbitrary: basket(isNumeric).map((b) => JSON.stringify(b)) },
        // Too many books, an unknown key, a customer id of the wrong type.
        fc.array(bookId(isNumeric), { maxLength: 30 }).map((ids) => JSON.stringify({ book_ids: ids })),
        basket(isNumeric).map((b) => JSON.stringify({ ...b, extra: 1 })),
        basket(isNumeric).map((b) => JSON.stringify({ ...b, customer_id: [1] })),
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        fc.string({ maxLength: 30 }),
      );
    const type = fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      fc.constantFrom(...INFERENCE_TYPES),
    );
    await fc.assert(
      fc.asyncProperty(forEither(payload), type, async ({ isNumeric, value: text }, contentType) => {
        const s = serverOf(isNumeric);
        const req: InjectOptions = {
          method: 'POST',
          url: '/recommend',
          payload: text,
          headers: withType(contentType),
        };
        const res = await s.app.inject(req);
        const body = expectSafe(res, describeInput(req));
        accepted(res, 'POST /recommend');
        if (res.statusCode !== 200) return;
        const sent = JSON.parse(text) as { book_ids: unknown[]; k?: number };
        expect(body.book_ids).toEqual(sent.book_ids);
        expect(body.k).toBe(sent.k ?? defaultK(s));
        for (const u of body.unknown as unknown[]) expect(sent.book_ids).toContainEqual(u);
      }),
      runs(500),
    );
    expectEnoughAccepted('POST /recommend', 0.2);
  });

  it('KServe V1 :predict with any body and content type', async () => {
    const instance = (isNumeric: boolean) =>
      fc.oneof(
        bookId(isNumeric),
        fc.record({ book_id: bookId(isNumeric), k: kValue }, { requiredKeys: ['book_id'] }),
      );
    const body = (isNumeric: boolean) =>
      fc.oneof(
        {
          weight: 8,
          arbitrary: fc.record({ instances: fc.array(instance(isNumeric), { minLength: 1, maxLength: 5 }) }),
        },
        fc.record({ inputs: fc.array(instance(isNumeric), { maxLength: 4 }) }),
        fc.record({ instances: fc.array(instance(isNumeric), { maxLength: 20 }) }),
        fc.record({
          instances: fc.array(fc.record({ book_id: bookId(isNumeric), extra: fc.integer() }), {
            maxLength: 2,
          }),
        }),
        fc.record({ instances: fc.jsonValue({ maxDepth: 2 }) }),
        fc.jsonValue({ maxDepth: 3 }),
      );
    const target = fc.oneof(
      { weight: 12, arbitrary: fc.constant('recommender:predict') },
      fc.constantFrom('other:predict', 'recommender:explain', 'recommender:x', 'recommender'),
    );
    await fc.assert(
      fc.asyncProperty(
        forEither(body),
        fc.constantFrom(...INFERENCE_TYPES),
        target,
        async ({ isNumeric, value: b }, contentType, verb) => {
          const s = serverOf(isNumeric);
          const req: InjectOptions = {
            method: 'POST',
            url: `/v1/models/${verb}`,
            payload: JSON.stringify(b),
            headers: withType(contentType),
          };
          const res = await s.app.inject(req);
          if (verb.endsWith(':explain')) {
            // The protocol's own answer for a verb the model does not implement.
            expect(res.statusCode).toBe(501);
            expect(res.json()).toMatchObject({ code: 'SERVE_NOT_IMPLEMENTED', error: expect.any(String) });
            return;
          }
          const out = expectSafe(res, describeInput(req));
          accepted(res, 'V1 predict');
          if (res.statusCode >= 400) expect(out.error, describeInput(req)).toEqual(expect.any(String));
          if (res.statusCode !== 200) return;
          const sent = b as { instances?: unknown[]; inputs?: unknown[] };
          const instances = (sent.instances ?? sent.inputs) as unknown[];
          const predictions = out.predictions as Array<{
            book_id: unknown;
            k: number;
            recommendations: unknown[];
          }>;
          expect(predictions).toHaveLength(instances.length);
          instances.forEach((inst, i) => {
            const o =
              inst !== null && typeof inst === 'object' ? (inst as { book_id: unknown; k?: number }) : null;
            expect(predictions[i].book_id).toEqual(o ? o.book_id : inst);
            expect(predictions[i].k).toBe(o?.k ?? defaultK(s));
            expect(predictions[i].recommendations.length).toBeLessThanOrEqual(predictions[i].k);
          });
        },
      ),
      runs(500),
    );
    expectEnoughAccepted('V1 predict', 0.2);
  });

  it('Open Inference Protocol V2 infer with any tensors', async () => {
    // Requests shaped as the protocol says (accepted unless an element is wrong), and arbitrary ones.
    const wellFormed = (isNumeric: boolean) =>
      fc
        .record({
          rows: fc.array(bookId(isNumeric), { minLength: 1, maxLength: 6 }),
          nested: fc.boolean(),
          datatype: isNumeric
            ? fc.oneof(
                { weight: 6, arbitrary: fc.constantFrom('INT64', 'INT32', 'UINT32') },
                fc.constant('BYTES'),
              )
            : fc.oneof({ weight: 6, arbitrary: fc.constant('BYTES') }, fc.constant('INT64')),
          k: fc.option(
            fc.oneof(
              { weight: 6, arbitrary: fc.integer({ min: 1, max: 10 }) },
              fc.integer({ min: 1, max: 10 }).map(String),
              fc.constantFrom(0, ' 4 ', 'x', true, 11),
            ),
            { nil: undefined },
          ),
          kTensor: fc.option(fc.integer({ min: 1, max: 11 }), { nil: undefined, freq: 3 }),
          id: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
          outputs: fc.option(fc.subarray(['book_ids', 'scores', 'count', 'fallback', 'padded']), {
            nil: undefined,
          }),
          extra: fc.dictionary(
            fc.string({ maxLength: 4 }),
            fc.oneof(fc.string(), fc.integer(), fc.boolean()),
            {
              maxKeys: 2,
            },
          ),
        })
        .map((r) => ({
          ...(r.id === undefined ? {} : { id: r.id }),
          inputs: [
            {
              name: 'book_id',
              datatype: r.datatype,
              shape: r.nested ? [r.rows.length, 1] : [r.rows.length],
              data: r.nested ? r.rows.map((v) => [v]) : r.rows,
            },
            ...(r.kTensor === undefined
              ? []
              : [{ name: 'k', datatype: 'INT32', shape: [1], data: [r.kTensor] }]),
          ],
          parameters: { ...r.extra, ...(r.k === undefined ? {} : { k: r.k }) },
          ...(r.outputs === undefined ? {} : { outputs: r.outputs.map((name) => ({ name })) }),
        }));
    const tensor = fc.record(
      {
        name: fc.constantFrom('book_id', 'k', 'x'),
        datatype: fc.constantFrom('INT64', 'INT32', 'UINT8', 'BYTES', 'FP32', 'BOOL', 'int64'),
        shape: fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 3 }),
        data: fc.array(fc.oneof(oddValue, fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 2 })), {
          maxLength: 6,
        }),
        parameters: fc.jsonValue({ maxDepth: 1 }),
      },
      { requiredKeys: ['name', 'datatype', 'shape', 'data'] },
    );
    const arbitrary = fc.record(
      {
        id: fc.jsonValue({ maxDepth: 0 }),
        inputs: fc.oneof(fc.array(tensor, { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
        parameters: fc.jsonValue({ maxDepth: 1 }),
        outputs: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    );
    const body = (isNumeric: boolean) =>
      fc.oneof({ weight: 4, arbitrary: wellFormed(isNumeric) }, arbitrary as fc.Arbitrary<unknown>);
    const path = fc.oneof(
      { weight: 12, arbitrary: fc.constant('/v2/models/recommender/infer') },
      fc.constantFrom('/v2/models/other/infer', '/v2/models/recommender/versions/nope/infer'),
    );
    await fc.assert(
      fc.asyncProperty(
        forEither(body),
        fc.constantFrom(...INFERENCE_TYPES),
        path,
        async ({ isNumeric, value: b }, contentType, url) => {
          const s = serverOf(isNumeric);
          const req: InjectOptions = {
            method: 'POST',
            url,
            payload: JSON.stringify(b),
            headers: withType(contentType),
          };
          const res = await s.app.inject(req);
          const out = expectSafe(res, describeInput(req));
          accepted(res, 'V2 infer');
          if (res.statusCode >= 400) expect(out.error).toEqual(expect.any(String));
          if (res.statusCode !== 200) return;
          const sent = b as {
            id?: string;
            inputs: Array<{ name: string; shape: number[]; data: unknown[] }>;
            parameters?: { k?: unknown };
            outputs?: { name: string }[];
          };
          const book = sent.inputs.find((t) => t.name === 'book_id');
          const kTensor = sent.inputs.find((t) => t.name === 'k');
          const k = kTensor
            ? kTensor.data[0]
            : sent.parameters?.k !== undefined
              ? Number(sent.parameters.k)
              : defaultK(s);
          if (sent.id !== undefined) expect(out.id).toBe(sent.id);
          const outputs = out.outputs as Array<{ name: string; shape: number[]; data: unknown[] }>;
          const names = outputs.map((o) => o.name).sort();
          if (sent.outputs !== undefined)
            expect(names).toEqual([...new Set(sent.outputs.map((o) => o.name))].sort());
          for (const o of outputs) {
            expect(o.shape[0]).toBe(book?.shape[0]);
            if (o.name === 'book_ids' || o.name === 'scores') expect(o.shape[1]).toBe(k);
            expect(o.data).toHaveLength(o.shape.reduce((x, y) => x * y, 1));
          }
        },
      ),
      runs(500),
    );
    expectEnoughAccepted('V2 infer', 0.2);
  });
});

// ---------------------------------------------------------------- control plane

/** An event bus that remembers what was published. */
function memoryEvents(): StepEvents & { published: Array<{ topic: string; payload: unknown }> } {
  const published: Array<{ topic: string; payload: unknown }> = [];
  return {
    published,
    async publish(topic: string, payload: Record<string, unknown>) {
      published.push({ topic, payload });
      return { id: `e${published.length}` };
    },
  } as StepEvents & { published: Array<{ topic: string; payload: unknown }> };
}

describe('control plane', () => {
  let t: TestDatabase;
  let mdb: MetadataDb;
  let app: FastifyInstance;
  let events: ReturnType<typeof memoryEvents>;
  let runId: string;
  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    mdb = await t.open({ clock: new ManualClock(1_700_000_000_000) });
    events = memoryEvents();
    // No tokens: every caller is the local approver, so every route gets as far as its body.
    app = await buildControlPlane({ db: mdb, config: loadApiConfig({ env: {} }), logger: false, events });
    const json = { 'content-type': 'application/json' };
    await app.inject({
      method: 'POST',
      url: '/api/v1/models',
      headers: json,
      payload: { name: 'recommender' },
    });
    await app.inject({
      method: 'POST',
      url: '/api/v1/models/recommender/versions',
      headers: json,
      payload: { artifactUri: 'file:///m.bundle', metrics: { ndcg_at_10: 0.3 } },
    });
    const exp = await app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/experiments/create',
      headers: json,
      payload: { name: 'props' },
    });
    const run = await app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/runs/create',
      headers: json,
      payload: { experiment_id: exp.json().experiment_id },
    });
    runId = run.json().run.info.run_id;
  });
  afterAll(async () => {
    await app.close();
    await t.dispose();
  });

  // Any code point, NUL and astral characters included: PostgreSQL refuses NUL in text columns.
  const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ maxLength: 20, unit: 'binary' }));
  /** Mostly `good`, now and then `bad`: enough accepted input to check round trips, enough refused to check refusals. */
  const mostly = <T>(good: fc.Arbitrary<T>, ...bad: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> =>
    fc.oneof({ weight: 8, arbitrary: good as fc.Arbitrary<unknown> }, ...bad);
  const name = mostly(
    fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}$/),
    fc.constantFrom('recommender', '', ' ', 'a/b', 'UPPER', 'x'.repeat(200)),
    text,
  );
  const key = fc.stringMatching(/^[a-z][a-z0-9_.]{0,12}$/);
  const tags = mostly(
    fc.dictionary(key, text, { maxKeys: 3 }),
    fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(text, fc.integer()), { maxKeys: 3 }),
  );
  const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
  const metrics = mostly(
    fc.dictionary(key, finite, { maxKeys: 3 }),
    fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(finite, text), { maxKeys: 3 }),
  );
  const anyJson = fc.jsonValue({ maxDepth: 3 });
  const send = (method: 'POST' | 'PUT' | 'DELETE', url: string, payload: unknown) =>
    app.inject({
      method,
      url,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });

  it('mutating /api/v1 routes with any body', async () => {
    const createModel = fc.record(
      {
        name,
        description: mostly(text, fc.integer()),
        tags,
        policy: mostly(
          fc.constant({ gates: { latency: null } }),
          fc.dictionary(fc.string({ maxLength: 12 }), anyJson, { maxKeys: 2 }),
        ),
      },
      { requiredKeys: ['name'] },
    );
    const register = fc.record(
      {
        artifactUri: mostly(fc.constant('file:///x.bundle'), text),
        metrics,
        params: fc.dictionary(key, anyJson, { maxKeys: 3 }),
        tags,
        description: text,
        idempotencyKey: text,
      },
      { requiredKeys: ['artifactUri'] },
    );
    const promote = fc.tuple(
      mostly(fc.constantFrom('staging', 'production', 'champion'), fc.constantFrom('%20', 'a%2Fb')),
      fc.record(
        {
          version: mostly(fc.integer({ min: 1, max: 3 }), fc.integer({ min: -1, max: 0 }), text),
          reason: text,
        },
        { requiredKeys: ['version'] },
      ),
    );
    const event = fc.record(
      {
        topic: mostly(fc.constantFrom('dataset.ready', 'model.registered'), text),
        payload: mostly(fc.dictionary(key, anyJson, { maxKeys: 3 }), anyJson),
      },
      { requiredKeys: ['topic', 'payload'] },
    );
    const op = fc.oneof(
      createModel.map((body) => ({
        kind: 'create-model',
        method: 'POST' as const,
        url: '/api/v1/models',
        body,
      })),
      register.map((body) => ({
        kind: 'register',
        method: 'POST' as const,
        url: '/api/v1/models/recommender/versions',
        body,
      })),
      promote.map(([alias, body]) => ({
        kind: 'promote',
        method: 'PUT' as const,
        url: `/api/v1/models/recommender/aliases/${alias}`,
        body,
      })),
      fc
        .record(
          { alias: fc.constantFrom('production', 'staging', 'champion', ''), reason: text },
          { requiredKeys: [] },
        )
        .map((body) => ({
          kind: 'rollback',
          method: 'POST' as const,
          url: '/api/v1/models/recommender/rollback',
          body,
        })),
      event.map((body) => ({ kind: 'event', method: 'POST' as const, url: '/api/v1/events', body })),
      anyJson.map((body) => ({ kind: 'garbage', method: 'POST' as const, url: '/api/v1/models', body })),
    );
    const keys = new Set<string>();
    await fc.assert(
      fc.asyncProperty(op, async ({ kind, method, url, body }) => {
        const before = events.published.length;
        const res = await send(method, url, body);
        const out = expectSafe(res, `${method} ${url} ${JSON.stringify(body).slice(0, 300)}`);
        accepted(res, 'api');
        if (res.statusCode >= 300) {
          if (kind === 'event') expect(events.published.length).toBe(before);
          return;
        }
        const b = body as Record<string, unknown>;
        if (kind === 'create-model') {
          const got = (
            await app.inject({ url: `/api/v1/models/${encodeURIComponent(b.name as string)}` })
          ).json();
          expect(got.name).toBe(b.name);
          expect(got.description ?? undefined).toEqual(b.description);
          expect(got.tags).toEqual(b.tags ?? {});
        } else if (kind === 'register') {
          const got = (
            await app.inject({ url: `/api/v1/models/recommender/versions/${out.version}` })
          ).json();
          // A reused idempotency key answers with the version first registered under it.
          const replay = typeof b.idempotencyKey === 'string' && keys.has(b.idempotencyKey);
          if (typeof b.idempotencyKey === 'string') keys.add(b.idempotencyKey);
          expect(got).toMatchObject({
            artifactUri: out.artifactUri,
            metrics: out.metrics,
            params: out.params,
          });
          if (replay) return;
          expect(got.artifactUri).toBe(b.artifactUri);
          expect(got.metrics).toEqual(b.metrics ?? {});
          expect(got.params).toEqual(JSON.parse(JSON.stringify(b.params ?? {})));
          expect(got.tags).toEqual(b.tags ?? {});
        } else if (kind === 'promote') {
          const alias = decodeURIComponent(url.split('/').at(-1) as string);
          const got = (
            await app.inject({ url: `/api/v1/models/recommender/aliases/${encodeURIComponent(alias)}` })
          ).json();
          if (out.status === 'moved' || out.status === 'unchanged') expect(got.version).toBe(b.version);
        } else if (kind === 'event') {
          expect(events.published.at(-1)).toEqual({ topic: b.topic, payload: b.payload });
        }
      }),
      runs(300),
    );
    expectEnoughAccepted('api', 0.2);
  });

  it('MLflow routes with any body', async () => {
    const mlTags = mostly(
      fc.array(fc.record({ key, value: text }), { maxLength: 3 }),
      fc.array(
        fc.record(
          { key: fc.oneof(text, fc.integer()), value: fc.oneof(text, fc.integer()) },
          { requiredKeys: [] },
        ),
        {
          maxLength: 3,
        },
      ),
    );
    const value = mostly(finite, text, fc.constant(null));
    const metric = fc.record(
      {
        run_id: mostly(fc.constant('RUN'), text),
        key: mostly(key, text, fc.integer()),
        value,
        timestamp: mostly(fc.integer({ min: 0, max: 2 ** 40 }), text),
        step: mostly(fc.integer({ min: 0, max: 1000 }), text),
      },
      { requiredKeys: ['run_id', 'key', 'value', 'timestamp'] },
    );
    const op = fc.oneof(
      fc
        .record({ name, tags: mlTags }, { requiredKeys: ['name'] })
        .map((body) => ({ kind: 'experiment', path: 'experiments/create', body })),
      fc
        .record({ name, description: mostly(text, fc.integer()), tags: mlTags }, { requiredKeys: ['name'] })
        .map((body) => ({ kind: 'model', path: 'registered-models/create', body })),
      metric.map((body) => ({ kind: 'metric', path: 'runs/log-metric', body })),
      fc
        .record(
          {
            run_id: mostly(fc.constant('RUN'), text),
            metrics: mostly(
              fc.array(fc.record({ key, value: finite, timestamp: fc.integer({ min: 0, max: 2 ** 40 }) }), {
                maxLength: 3,
              }),
              fc.array(metric, { maxLength: 2 }),
            ),
            params: mlTags,
            tags: mlTags,
          },
          { requiredKeys: ['run_id'] },
        )
        .map((body) => ({ kind: 'batch', path: 'runs/log-batch', body })),
      fc
        .record(
          {
            name: mostly(fc.constant('recommender'), name),
            source: mostly(fc.constant('file:///m'), text),
            run_id: mostly(fc.constant('RUN'), text),
            description: text,
          },
          { requiredKeys: ['name', 'source'] },
        )
        .map((body) => ({ kind: 'version', path: 'model-versions/create', body })),
      fc
        .record(
          {
            name: mostly(fc.constant('recommender'), name),
            alias: mostly(fc.constantFrom('champion', 'challenger', 'staging'), text),
            version: mostly(fc.integer({ min: 1, max: 3 }).map(String), fc.integer(), text),
          },
          { requiredKeys: ['name', 'alias', 'version'] },
        )
        .map((body) => ({ kind: 'alias', path: 'registered-models/alias', body })),
      anyJson.map((body) => ({ kind: 'garbage', path: 'registered-models/create', body })),
    );
    await fc.assert(
      fc.asyncProperty(op, async ({ kind, path, body }) => {
        const payload = JSON.parse(JSON.stringify(body).replaceAll('"RUN"', JSON.stringify(runId))) as Record<
          string,
          unknown
        >;
        const res = await send('POST', `/api/2.0/mlflow/${path}`, payload);
        const what = `POST ${path} ${JSON.stringify(payload).slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
        accepted(res, 'mlflow');
        expect(res.statusCode, what).toBeLessThan(500);
        const out = res.json() as Record<string, unknown>;
        if (res.statusCode >= 400) {
          expect(Object.keys(MLFLOW_STATUS), what).toContain(out.error_code);
          expect(res.statusCode, what).toBe(MLFLOW_STATUS[out.error_code as keyof typeof MLFLOW_STATUS]);
          expect(out.message, what).toEqual(expect.any(String));
          expect(res.body, what).not.toMatch(LEAK);
          return;
        }
        const mlflow = (url: string) => app.inject({ url: `/api/2.0/mlflow/${url}` }).then((r) => r.json());
        if (kind === 'experiment') {
          const got = await mlflow(`experiments/get?experiment_id=${out.experiment_id}`);
          expect(got.experiment.name, what).toBe(payload.name);
        } else if (kind === 'model') {
          const got = await mlflow(
            `registered-models/get?name=${encodeURIComponent(payload.name as string)}`,
          );
          expect(got.registered_model.name, what).toBe(payload.name);
        } else if (kind === 'metric') {
          const got = await mlflow(
            `metrics/get-history?run_id=${payload.run_id}&metric_key=${encodeURIComponent(String(payload.key))}`,
          );
          const values = (got.metrics as Array<{ value: number; timestamp: number }>).map((m) => [
            m.value,
            m.timestamp,
          ]);
          expect(values, what).toContainEqual([payload.value, payload.timestamp]);
        } else if (kind === 'alias') {
          const got = await mlflow(
            `registered-models/alias?name=${encodeURIComponent(payload.name as string)}&alias=${encodeURIComponent(payload.alias as string)}`,
          );
          expect(got.model_version.version, what).toBe(String(payload.version));
        }
      }),
      runs(300),
    );
    expectEnoughAccepted('mlflow', 0.2);
  });
});
