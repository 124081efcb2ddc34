/**
 * KServe conformance where bookml used to be stricter than the KServe server (issue 11, items 15 and
 * 16): inference bodies are JSON whatever the Content-Type says (plain `curl -d` sends
 * `application/x-www-form-urlencoded`, `requests.post(data=…)` sends none, `fetch` with a string sends
 * `text/plain`), and V2 request `parameters` are scalars: strings, numbers or booleans.
 */
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleDirSource, type ServeServer } from '../src/serve/index.js';
import { startServer, tempDir, writeModel } from './serve-fixture.js';

let server: ServeServer;

beforeAll(async () => {
  const root = tempDir();
  await writeModel(join(root, 'm'), { k: 10 });
  server = await startServer(bundleDirSource(join(root, 'm')));
});
afterAll(async () => {
  await server.app.close();
});

const V1 = '/v1/models/recommender:predict';
const V2 = '/v2/models/recommender/infer';
const v1Body = JSON.stringify({ instances: [1, { book_id: 2, k: 3 }] });
const v2Body = JSON.stringify({
  inputs: [{ name: 'book_id', datatype: 'INT64', shape: [2], data: [1, 2] }],
  parameters: { k: 3 },
});

const post = (url: string, payload: string, contentType: string | undefined): InjectOptions => ({
  method: 'POST',
  url,
  payload,
  headers: contentType === undefined ? {} : { 'content-type': contentType },
});

describe('inference bodies are JSON whatever the Content-Type says (item 15)', () => {
  const TYPES: Array<[string, string | undefined]> = [
    ['no content type (requests.post(data=…))', undefined],
    ["curl -d's default", 'application/x-www-form-urlencoded'],
    ['fetch with a string body', 'text/plain;charset=UTF-8'],
    ['an octet stream', 'application/octet-stream'],
  ];

  it.each(TYPES)('V1 :predict with %s answers as with application/json', async (_name, type) => {
    const expected = await server.app.inject(post(V1, v1Body, 'application/json'));
    expect(expected.statusCode).toBe(200);
    const res = await server.app.inject(post(V1, v1Body, type));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual(expected.json());
  });

  it.each(TYPES)('V2 infer with %s answers as with application/json', async (_name, type) => {
    const expected = await server.app.inject(post(V2, v2Body, 'application/json'));
    expect(expected.statusCode).toBe(200);
    for (const url of [V2, '/v2/models/recommender/versions/v1/infer']) {
      const res = await server.app.inject(post(url, v2Body, type));
      if (url === V2) {
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json()).toEqual(expected.json());
      } else {
        // Not a version loaded here: the path is refused, never the body's content type.
        expect(res.json().code).not.toBe('SERVE_UNSUPPORTED_MEDIA_TYPE');
      }
    }
  });

  it('a body that is not JSON is 400 SERVE_MALFORMED_JSON in the KServe shape, whatever its type', async () => {
    for (const url of [V1, V2]) {
      for (const type of [undefined, 'application/x-www-form-urlencoded', 'text/plain']) {
        const res = await server.app.inject(post(url, 'instances=1&k=3', type));
        expect(res.statusCode, `${url} ${type}`).toBe(400);
        expect(res.json()).toMatchObject({
          code: 'SERVE_MALFORMED_JSON',
          field: 'body',
          error: expect.any(String),
        });
      }
    }
  });

  it('POST /recommend (bookml’s own route) still asks for application/json', async () => {
    const res = await server.app.inject(
      post('/recommend', '{"book_ids":[1]}', 'application/x-www-form-urlencoded'),
    );
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ code: 'SERVE_UNSUPPORTED_MEDIA_TYPE', field: 'content-type' });
  });
});

describe('V2 parameters are strings, numbers or booleans (item 16)', () => {
  const infer = (parameters: unknown) =>
    server.app.inject({
      method: 'POST',
      url: V2,
      payload: { inputs: [{ name: 'book_id', datatype: 'INT64', shape: [1], data: [1] }], parameters },
    });
  const kOf = (body: { outputs: { name: string; shape: number[] }[] }) =>
    body.outputs.find((o) => o.name === 'book_ids')?.shape[1];

  it.each([
    ['a number', 3],
    ['a string', '3'],
    ['a string with spaces', ' 3 '],
  ])('k as %s', async (_name, k) => {
    const res = await infer({ k });
    expect(res.statusCode, res.body).toBe(200);
    expect(kOf(res.json())).toBe(3);
  });

  it('other scalar parameters (strings, numbers, booleans) are accepted and ignored', async () => {
    const res = await infer({ content_type: 'np', binary_data_output: false, priority: 1.5, k: '4' });
    expect(res.statusCode, res.body).toBe(200);
    expect(kOf(res.json())).toBe(4);
  });

  it.each([
    ['k as a boolean', { k: true }, 'parameters.k'],
    ['k as a fraction in a string', { k: '3.5' }, 'parameters.k'],
    ['k as words', { k: 'three' }, 'parameters.k'],
    ['k as an empty string', { k: '' }, 'parameters.k'],
    ['k out of range in a string', { k: '11' }, 'parameters.k'],
    ['a parameter that is an object', { k: 3, extra: { a: 1 } }, 'parameters.extra'],
    ['a parameter that is a list', { tags: ['a'] }, 'parameters.tags'],
    ['a parameter that is null', { k: null }, 'parameters.k'],
    ['parameters that are not an object', [1], 'parameters'],
  ])('%s is 400 naming the field', async (_name, parameters, field) => {
    const res = await infer(parameters);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ field, error: expect.any(String) });
    expect(res.json().code).toMatch(/^SERVE_INVALID_(TENSOR|REQUEST)$/);
  });
});
