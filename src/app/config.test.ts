import { describe, expect, it } from 'vitest';
import { imageRefOf, lineageCodeVersion, resolveAppConfig } from './config.js';

describe('resolveAppConfig: S3 and claim settings', () => {
  it('reads the S3 endpoint, region, path style and keys from BOOKML_S3_* and the standard AWS variables', () => {
    const c = resolveAppConfig({
      env: {
        BOOKML_ARTIFACTS: 's3://bookml/artifacts',
        BOOKML_S3_ENDPOINT: 'http://minio.storage:9000',
        AWS_DEFAULT_REGION: 'eu-west-3',
        BOOKML_S3_FORCE_PATH_STYLE: 'false',
        AWS_ACCESS_KEY_ID: 'AKIA0000',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_SESSION_TOKEN: 'token',
        BOOKML_PVC_ROOT: '/data/claims',
      },
    });
    expect(c.artifactsUrl).toBe('s3://bookml/artifacts');
    expect(c.s3).toEqual({
      endpoint: 'http://minio.storage:9000',
      region: 'eu-west-3',
      forcePathStyle: false,
      credentials: { accessKeyId: 'AKIA0000', secretAccessKey: 'secret', sessionToken: 'token' },
    });
    expect(c.pvcRoot).toBe('/data/claims');
    expect(Object.isFrozen(c.s3)).toBe(true);
  });

  it('defaults to nothing (the SDK finds AWS itself) and claims under /mnt/pvc; AWS_REGION wins', () => {
    const c = resolveAppConfig({ env: { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'eu-west-1' } });
    expect(c.s3).toEqual({ region: 'us-west-2' });
    expect(c.pvcRoot).toBe('/mnt/pvc');
    expect(resolveAppConfig({ env: { AWS_ENDPOINT_URL_S3: 'https://s3.example' } }).s3).toEqual({
      endpoint: 'https://s3.example',
    });
  });

  it('refuses half a key pair, a non-http endpoint and a relative claim root, naming each', () => {
    const bad = (env: Record<string, string>) => {
      try {
        resolveAppConfig({ env });
      } catch (e) {
        return e as { code: string; message: string };
      }
      throw new Error('accepted');
    };
    expect(bad({ AWS_ACCESS_KEY_ID: 'AKIA0000' })).toMatchObject({
      code: 'APP_CONFIG_INVALID',
      message: expect.stringContaining('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together'),
    });
    expect(bad({ BOOKML_S3_ENDPOINT: 'minio:9000' }).message).toContain('s3Endpoint');
    expect(bad({ BOOKML_PVC_ROOT: 'claims' }).message).toContain('pvcRoot: must be an absolute path');
    expect(bad({ BOOKML_S3_FORCE_PATH_STYLE: 'yes' }).message).toContain('s3ForcePathStyle');
  });
});

describe('resolveAppConfig: prediction log and image', () => {
  const digest = `sha256:${'ab'.repeat(32)}`;

  it('keeps the prediction log in the workspace by default; BOOKML_PREDICTIONS=database moves it', () => {
    expect(resolveAppConfig({ env: {} }).predictions).toBe('workspace');
    expect(resolveAppConfig({ env: { BOOKML_PREDICTIONS: 'database' } }).predictions).toBe('database');
    expect(() => resolveAppConfig({ env: { BOOKML_PREDICTIONS: 'redis' } })).toThrow(/predictions/);
  });

  it('reads BOOKML_IMAGE and the digest of a pinned reference; lineage carries both', () => {
    expect(resolveAppConfig({ env: {} }).image).toBeUndefined();
    const pinned = resolveAppConfig({ env: { BOOKML_IMAGE: `ghcr.io/shop/bookml@${digest}` } }).image;
    expect(pinned).toEqual({ ref: `ghcr.io/shop/bookml@${digest}`, digest });
    const tagged = resolveAppConfig({ env: { BOOKML_IMAGE: 'registry.local:5000/bookml:0.1.0' } }).image;
    expect(tagged).toEqual({ ref: 'registry.local:5000/bookml:0.1.0', digest: null });
    expect(imageRefOf(`bookml:1@${digest}`).digest).toBe(digest);
    expect(() => resolveAppConfig({ env: { BOOKML_IMAGE: 'bookml@sha256:short' } })).toThrow(/image/);
    expect(lineageCodeVersion({ version: '0.1.0', gitSha: 'abc' }, pinned)).toEqual({
      version: '0.1.0',
      gitSha: 'abc',
      image: `ghcr.io/shop/bookml@${digest}`,
      imageDigest: digest,
    });
    expect(lineageCodeVersion({ version: '0.1.0', gitSha: null }, undefined)).toEqual({
      version: '0.1.0',
      gitSha: null,
    });
  });
});
