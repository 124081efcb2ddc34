import { describe, expect, it } from 'vitest';
import { resolveAppConfig } from './config.js';

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
