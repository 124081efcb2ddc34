import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleDirSource, type ServeServer } from '../src/serve/index.js';
import { startServer, tempDir, writeModel } from './serve-fixture.js';

let numeric: ServeServer;
let names: ServeServer;

beforeAll(async () => {
  const root = tempDir();
  await writeModel(join(root, 'n'), { k: 10 });
  await writeModel(join(root, 's'), { k: 10, names: true });
  const config = { limits: { recommendBodyBytes: 512, maxBasket: 5, maxBatch: 4 } };
  numeric = await startServer(bundleDirSource(join(root, 'n')), { config });
  names = await startServer(bundleDirSource(join(root, 's')), { config });
});
afterAll(async () => {
  await numeric.app.close();
  await names.app.close();
});

const json = (url: string, payload: unknown): InjectOptions => ({
  method: 'POST',
  url,
  headers: { 'content-type': 'application/json' },
  payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
});
const infer = '/v2/models/recommender/infer';
const tensor = (over: object) => ({ name: 'book_id', datatype: 'INT64', shape: [1], data: [1], ...over });

/** [case, request, status, code, field]: every client mistake is a 4xx naming the field. */
const CASES: Array<[string, InjectOptions, number, string, string | undefined]> = [
  ['missing book_id', { url: '/recommend?k=3' }, 400, 'SERVE_INVALID_REQUEST', 'book_id'],
  ['empty book_id', { url: '/recommend?book_id=&k=3' }, 400, 'SERVE_INVALID_REQUEST', 'book_id'],
  ['non-integer book_id', { url: '/recommend?book_id=abc' }, 400, 'SERVE_INVALID_BOOK_ID', 'book_id'],
  ['fractional book_id', { url: '/recommend?book_id=1.5' }, 400, 'SERVE_INVALID_BOOK_ID', 'book_id'],
  ['non-integer k', { url: '/recommend?book_id=1&k=three' }, 400, 'SERVE_INVALID_REQUEST', 'k'],
  ['k = 0', { url: '/recommend?book_id=1&k=0' }, 400, 'SERVE_INVALID_REQUEST', 'k'],
  ['k above the model', { url: '/recommend?book_id=1&k=11' }, 422, 'MODEL_K_OUT_OF_RANGE', 'k'],
  ['malformed JSON', json('/recommend', '{"book_ids":[1,'), 400, 'SERVE_MALFORMED_JSON', 'body'],
  ['empty JSON body', json('/recommend', ''), 400, 'SERVE_MALFORMED_JSON', 'body'],
  [
    'wrong content type',
    { method: 'POST', url: '/recommend', headers: { 'content-type': 'text/plain' }, payload: 'book_ids=1' },
    415,
    'SERVE_UNSUPPORTED_MEDIA_TYPE',
    'content-type',
  ],
  [
    'body over the limit',
    json('/recommend', { book_ids: [1], pad: 'x'.repeat(2000) }),
    413,
    'SERVE_BODY_TOO_LARGE',
    'body',
  ],
  ['basket missing', json('/recommend', { k: 3 }), 400, 'SERVE_INVALID_REQUEST', 'book_ids'],
  ['basket empty', json('/recommend', { book_ids: [] }), 400, 'SERVE_INVALID_REQUEST', 'book_ids'],
  [
    'basket too big',
    json('/recommend', { book_ids: [1, 2, 3, 4, 5, 6] }),
    400,
    'SERVE_INVALID_REQUEST',
    'book_ids',
  ],
  [
    'basket of strings',
    json('/recommend', { book_ids: [1, 'two'] }),
    400,
    'SERVE_INVALID_BOOK_ID',
    'book_ids[1]',
  ],
  ['basket of floats', json('/recommend', { book_ids: [1.5] }), 400, 'SERVE_INVALID_BOOK_ID', 'book_ids[0]'],
  ['unknown body key', json('/recommend', { book_ids: [1], x: 1 }), 400, 'SERVE_INVALID_REQUEST', 'x'],
  ['basket k too big', json('/recommend', { book_ids: [1], k: 50 }), 422, 'MODEL_K_OUT_OF_RANGE', 'k'],
  ['V1 no instances', json('/v1/models/recommender:predict', {}), 400, 'SERVE_INVALID_REQUEST', 'instances'],
  [
    'V1 instances not a list',
    json('/v1/models/recommender:predict', { instances: 1 }),
    400,
    'SERVE_INVALID_REQUEST',
    'instances',
  ],
  [
    'V1 bad instance',
    json('/v1/models/recommender:predict', { instances: [{ book_id: 1 }, { book_id: 'x' }] }),
    400,
    'SERVE_INVALID_BOOK_ID',
    'instances[1].book_id',
  ],
  [
    'V1 bad k',
    json('/v1/models/recommender:predict', { instances: [{ book_id: 1, k: 0 }] }),
    400,
    'SERVE_INVALID_REQUEST',
    'instances[0].k',
  ],
  [
    'V1 too many instances',
    json('/v1/models/recommender:predict', { instances: [1, 2, 3, 4, 5] }),
    400,
    'SERVE_INVALID_REQUEST',
    'instances',
  ],
  [
    'V1 unknown model',
    json('/v1/models/other:predict', { instances: [1] }),
    404,
    'SERVE_MODEL_NOT_FOUND',
    'name',
  ],
  ['V1 malformed JSON', json('/v1/models/recommender:predict', '{'), 400, 'SERVE_MALFORMED_JSON', 'body'],
  ['V2 no inputs', json(infer, {}), 400, 'SERVE_INVALID_TENSOR', 'inputs'],
  ['V2 inputs not a list', json(infer, { inputs: {} }), 400, 'SERVE_INVALID_TENSOR', 'inputs'],
  [
    'V2 wrong datatype',
    json(infer, { inputs: [tensor({ datatype: 'FP32' })] }),
    400,
    'SERVE_INVALID_TENSOR',
    'inputs[0].datatype',
  ],
  [
    'V2 shape/data mismatch',
    json(infer, { inputs: [tensor({ shape: [2], data: [1] })] }),
    400,
    'SERVE_INVALID_TENSOR',
    'inputs[0].data',
  ],
  [
    'V2 wrong rank',
    json(infer, { inputs: [tensor({ shape: [1, 2], data: [1, 2] })] }),
    400,
    'SERVE_INVALID_TENSOR',
    'inputs[0].shape',
  ],
  [
    'V2 negative shape',
    json(infer, { inputs: [tensor({ shape: [-1] })] }),
    400,
    'SERVE_INVALID_TENSOR',
    'inputs[0].shape',
  ],
  [
    'V2 float in INT64',
    json(infer, { inputs: [tensor({ data: [1.5] })] }),
    400,
    'SERVE_INVALID_TENSOR',
    'inputs[0].data[0]',
  ],
  [
    'V2 unsafe integer',
    json(infer, { inputs: [tensor({ data: [2 ** 53 + 2] })] }),
    400,
    'SERVE_INVALID_TENSOR',
    'inputs[0].data[0]',
  ],
  [
    'V2 bad nesting',
    json(infer, { inputs: [tensor({ shape: [2, 1], data: [[1, 2]] })] }),
    400,
    'SERVE_INVALID_TENSOR',
    'inputs[0].data',
  ],
  [
    'V2 unknown input',
    json(infer, { inputs: [tensor({}), tensor({ name: 'user' })] }),
    400,
    'SERVE_INVALID_TENSOR',
    'inputs[1].name',
  ],
  [
    'V2 k out of range',
    json(infer, { inputs: [tensor({}), { name: 'k', datatype: 'INT32', shape: [1], data: [99] }] }),
    400,
    'SERVE_INVALID_TENSOR',
    'inputs[1].data[0]',
  ],
  [
    'V2 unknown output',
    json(infer, { inputs: [tensor({})], outputs: [{ name: 'x' }] }),
    400,
    'SERVE_INVALID_TENSOR',
    'outputs[0].name',
  ],
  [
    'V2 batch too big',
    json(infer, { inputs: [tensor({ shape: [5], data: [1, 2, 3, 4, 5] })] }),
    400,
    'SERVE_INVALID_TENSOR',
    'inputs[0].shape',
  ],
  ['V2 unknown model', json('/v2/models/other/infer', { inputs: [] }), 404, 'SERVE_MODEL_NOT_FOUND', 'name'],
  ['unknown route', { url: '/nope' }, 404, 'SERVE_ROUTE_NOT_FOUND', 'path'],
];

describe('bad input', () => {
  it.each(CASES)('%s → %s %s', async (_name, req, status, code, field) => {
    const res = await numeric.app.inject(req);
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(body).toMatchObject({ code, message: expect.any(String) });
    expect(body.field).toBe(field);
    expect(JSON.stringify(body)).not.toMatch(/\s+at\s+\S+\s+\(|node_modules|\.ts:\d+/);
    const url = (req.url as string) ?? '';
    if (url.startsWith('/v1') || url.startsWith('/v2')) expect(body.error).toBe(body.message);
  });

  it('accepts the model id type: names for a string-id model, integers refused', async () => {
    const ok = await names.app.inject({ url: `/recommend?book_id=${encodeURIComponent('item 1')}&k=3` });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ book_id: 'item 1', fallback: false });
    expect(typeof ok.json().recommendations[0].book_id).toBe('string');
    const unknown = await names.app.inject({ url: '/recommend?book_id=whole%20milk' });
    expect(unknown.json()).toMatchObject({ book_id: 'whole milk', fallback: true });
    const basket = await names.app.inject(json('/recommend', { book_ids: ['item 1', 2] }));
    expect(basket.statusCode).toBe(400);
    expect(basket.json()).toMatchObject({ code: 'SERVE_INVALID_BOOK_ID', field: 'book_ids[1]' });
    const v2 = await names.app.inject(
      json(infer, { inputs: [{ name: 'book_id', datatype: 'BYTES', shape: [1], data: ['item 2'] }] }),
    );
    expect(v2.statusCode).toBe(200);
    expect(v2.json().outputs[0]).toMatchObject({ name: 'book_ids', datatype: 'BYTES' });
    const wrong = await names.app.inject(json(infer, { inputs: [tensor({})] }));
    expect(wrong.json()).toMatchObject({ code: 'SERVE_INVALID_TENSOR', field: 'inputs[0].datatype' });
  });

  it('a client mistake never shows as a 5xx in the metrics', async () => {
    const text = (await numeric.app.inject({ url: '/metrics' })).body;
    expect(text).not.toMatch(/status="5xx"/);
    expect(text).toMatch(/status="4xx"/);
  });
});
