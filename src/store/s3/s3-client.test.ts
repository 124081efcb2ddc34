import { describe, expect, it } from 'vitest';
import { isMissingKey, parseS3Url, s3Error } from './s3-client.js';

const sdk = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), {
    name,
    $metadata: status === undefined ? {} : { httpStatusCode: status },
    ...extra,
  });

describe('S3 client helpers', () => {
  it('parses s3:// URLs into a bucket and a key kept as written', () => {
    expect(parseS3Url('s3://models', 'f')).toEqual({ bucket: 'models', key: '' });
    expect(parseS3Url('s3://models/', 'f')).toEqual({ bucket: 'models', key: '' });
    expect(parseS3Url('s3://my.models-1/a/b/', 'f')).toEqual({ bucket: 'my.models-1', key: 'a/b/' });
    for (const bad of [
      's3:/x',
      'http://x/y',
      's3://ab/x',
      's3://Models/x',
      's3://m//x',
      's3://models/a/../b',
    ]) {
      expect(() => parseS3Url(bad, 'datasetUri')).toThrow(expect.objectContaining({ field: 'datasetUri' }));
    }
  });

  it('tells an absent key from an absent bucket', () => {
    expect(isMissingKey(sdk('NoSuchKey', 404))).toBe(true);
    expect(isMissingKey(sdk('NotFound', 404))).toBe(true);
    expect(isMissingKey(sdk('NoSuchBucket', 404))).toBe(false);
    expect(isMissingKey(sdk('AccessDenied', 403))).toBe(false);
    expect(isMissingKey(null)).toBe(false);
  });

  it('maps SDK failures to typed store errors: configuration, refusal, transient', () => {
    expect(s3Error(sdk('NoSuchBucket', 404), 'opening', 's3://b/p')).toMatchObject({
      code: 'STORE_CONFIG_INVALID',
      field: 'BOOKML_ARTIFACTS',
    });
    const denied = s3Error(sdk('AccessDenied', 403), 'reading', 's3://b/p');
    expect(denied).toMatchObject({ code: 'STORE_ARTIFACT_IO', retryable: false });
    expect(denied.message).toContain('credentials');
    for (const transient of [
      sdk('InternalError', 500),
      sdk('SlowDown', 503),
      sdk('Error', undefined, { code: 'ECONNRESET' }),
    ]) {
      expect(s3Error(transient, 'reading', 's3://b/p')).toMatchObject({
        code: 'STORE_ARTIFACT_IO',
        retryable: true,
      });
    }
    expect(s3Error(sdk('InvalidRequest', 400), 'reading', 's3://b/p')).toMatchObject({ retryable: false });
  });
});
