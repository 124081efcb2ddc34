import { describe, expect, it } from 'vitest';
import { defineErrors } from './error-catalogue.js';
import { BookmlError } from './errors.js';
import { type HttpErrorSurface, toHttpError } from './http-error.js';

const T_ERRORS = defineErrors('T', {
  T_BAD_REQUEST: { status: 400, description: 'bad request' },
  T_MALFORMED_JSON: { status: 400, description: 'bad JSON' },
  T_MEDIA_TYPE: { status: 415, description: 'media type' },
  T_TOO_LARGE: { status: 413, description: 'too large' },
  T_NOT_FOUND: { status: 404, description: 'no route' },
  T_BUSY: { status: 503, retryable: true, description: 'busy' },
});
const surface: HttpErrorSurface = {
  badRequest: T_ERRORS.T_BAD_REQUEST,
  malformedJson: T_ERRORS.T_MALFORMED_JSON,
  unsupportedMediaType: T_ERRORS.T_MEDIA_TYPE,
  bodyTooLarge: T_ERRORS.T_TOO_LARGE,
  notFound: T_ERRORS.T_NOT_FOUND,
};

/** An error shaped like Fastify's own (`@fastify/error`). */
const fastifyError = (code: string, statusCode: number, message = 'fastify says no') =>
  Object.assign(new Error(message), { code, statusCode });

describe('toHttpError', () => {
  it('keeps a bookml error as it is, adding the request id only to a 5xx', () => {
    const client = toHttpError(
      new BookmlError(T_ERRORS.T_NOT_FOUND, 'no model "x"', { field: 'model' }),
      'r1',
      surface,
    );
    expect(client).toEqual({
      statusCode: 404,
      body: { statusCode: 404, code: 'T_NOT_FOUND', message: 'no model "x"', field: 'model' },
      unexpected: false,
    });
    const busy = toHttpError(new BookmlError(T_ERRORS.T_BUSY, 'busy', { retryAfterMs: 1500 }), 'r2', surface);
    expect(busy).toMatchObject({
      statusCode: 503,
      retryAfterMs: 1500,
      body: { code: 'T_BUSY', requestId: 'r2' },
    });
  });

  it('names the field of a schema failure the way the client wrote it', () => {
    const validation = (issue: object, context = 'body') =>
      Object.assign(new Error('x'), { validation: [issue], validationContext: context, statusCode: 400 });
    expect(
      toHttpError(
        validation({ keyword: 'required', instancePath: '/instances/1', params: { missingProperty: 'k' } }),
        'r',
        surface,
      ).body,
    ).toEqual({
      statusCode: 400,
      code: 'T_BAD_REQUEST',
      message: 'instances[1].k: required',
      field: 'instances[1].k',
    });
    expect(
      toHttpError(
        validation({
          keyword: 'additionalProperties',
          instancePath: '',
          params: { additionalProperty: 'x' },
        }),
        'r',
        surface,
      ).body,
    ).toMatchObject({ field: 'x', message: 'x: unknown field' });
    expect(
      toHttpError(
        validation({ keyword: 'type', instancePath: '/k', message: 'must be integer', params: {} }),
        'r',
        surface,
      ).body,
    ).toMatchObject({ field: 'k', message: 'k: must be integer' });
  });

  it.each([
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'T_MALFORMED_JSON', 'body'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'T_MALFORMED_JSON', 'body'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'T_MEDIA_TYPE', 'content-type'],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'T_TOO_LARGE', 'body'],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'T_BAD_REQUEST', 'body'],
    ['FST_ERR_BAD_URL', 400, 'T_BAD_REQUEST', 'path'],
    ['FST_ERR_MAX_PARAM_LENGTH', 414, 'T_BAD_REQUEST', 'path'],
    ['FST_ERR_SOMETHING_NEW', 429, 'T_BAD_REQUEST', undefined],
    ['FST_ERR_NOT_FOUND', 404, 'T_NOT_FOUND', 'path'],
  ] as const)('maps Fastify %s (%i) to %s', (code, status, mapped, field) => {
    const { statusCode, body } = toHttpError(fastifyError(code, status), 'r', surface);
    expect(body.code).toBe(mapped);
    expect(statusCode).toBe(T_ERRORS[mapped].status);
    expect(body.field).toBe(field);
    expect(JSON.stringify(body)).not.toContain('FST_');
  });

  it('answers anything else with 500 INTERNAL, the request id and none of its detail', () => {
    for (const err of [
      new Error('db password is hunter2'),
      'a string',
      null,
      fastifyError('FST_ERR_X', 500),
    ]) {
      const answer = toHttpError(err, 'req-9', surface);
      expect(answer).toMatchObject({ statusCode: 500, unexpected: true });
      expect(answer.body).toEqual({
        statusCode: 500,
        code: 'INTERNAL',
        message: 'internal error; quote request id req-9 when reporting it',
        requestId: 'req-9',
      });
    }
  });
});
