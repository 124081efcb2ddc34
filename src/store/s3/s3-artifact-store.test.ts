import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { startS3rver } from '../../../test/fixtures/s3rver.js';
import { resolveWorkspace } from '../../core/index.js';
import { artifactStoreContract } from '../artifact-store.contract.js';
import { openArtifactStore } from '../open-artifact-store.js';
import { createS3Client, parseS3Url } from './index.js';

// Started once for the file; each test gets its own prefix in the bucket and its own cache folder.
const s3 = await startS3rver(['bookml']);
const skip = typeof s3 === 'string' ? s3 : undefined;
afterAll(async () => {
  if (typeof s3 !== 'string') await s3.close();
});

let n = 0;
artifactStoreContract(
  'artifact store contract: S3 (s3rver)',
  async () => {
    if (typeof s3 === 'string') throw new Error(s3);
    const cache = await mkdtemp(join(tmpdir(), 'bookml-s3-cache-'));
    const prefix = `runs/t${n++}`;
    const store = await openArtifactStore({ url: `s3://bookml/${prefix}`, s3: s3.settings, cacheDir: cache });
    const client = createS3Client(s3.settings);
    return {
      store,
      corrupt: async (sha256, bytes) => {
        const Key = `${prefix}/sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`;
        await client.send(new PutObjectCommand({ Bucket: 'bookml', Key, Body: bytes }));
      },
      close: () => rm(cache, { recursive: true, force: true }),
    };
  },
  skip,
);

describe.skipIf(skip !== undefined)(
  `S3 artifact store configuration${skip ? ` — skipped: ${skip}` : ''}`,
  () => {
    const ws = resolveWorkspace(join(tmpdir(), 'bookml-s3-ws-unused'), {});
    const settings = typeof s3 === 'string' ? {} : s3.settings;

    it('puts blobs under <prefix>/sha256/ab/… and names them s3://bucket/prefix/…', async () => {
      const store = await openArtifactStore({ workspace: ws, url: 's3://bookml/models/', s3: settings });
      expect(store).toMatchObject({ kind: 's3', location: 's3://bookml/models' });
      const ref = await store.put(Buffer.from('x'));
      expect(ref.uri).toBe(`s3://bookml/models/sha256/${ref.sha256.slice(0, 2)}/${ref.sha256.slice(2)}`);
      const root = await openArtifactStore({ workspace: ws, url: 's3://bookml', s3: settings });
      expect(root.uriOf(ref.sha256)).toBe(
        `s3://bookml/sha256/${ref.sha256.slice(0, 2)}/${ref.sha256.slice(2)}`,
      );
      await rm(ws.root, { recursive: true, force: true });
    });

    it('refuses a malformed URL and an absent bucket with STORE_CONFIG_INVALID', async () => {
      for (const url of ['s3://', 's3://A_B/x', 's3://bucket/../x']) {
        await expect(openArtifactStore({ workspace: ws, url, s3: settings })).rejects.toMatchObject({
          code: 'STORE_CONFIG_INVALID',
          field: 'url',
        });
        expect(() => parseS3Url(url, 'f')).toThrow();
      }
      await expect(
        openArtifactStore({ workspace: ws, url: 's3://no-such-bucket/x', s3: settings }),
      ).rejects.toMatchObject({ code: 'STORE_CONFIG_INVALID', field: 'BOOKML_ARTIFACTS' });
    });

    it('tidies what dead writers left in its local cache when it opens', async () => {
      const cache = await mkdtemp(join(tmpdir(), 'bookml-s3-cache-'));
      const { mkdir, readdir, writeFile } = await import('node:fs/promises');
      await mkdir(join(cache, 'tmp'), { recursive: true });
      // A pid no process has (above Linux's pid_max) and this process's own spool, which stays.
      await writeFile(join(cache, 'tmp', '99999999.0a1b.partial'), 'half');
      await writeFile(join(cache, 'tmp', `${process.pid}.0a1c.partial`), 'in progress');
      await openArtifactStore({ url: 's3://bookml/tidy', s3: settings, cacheDir: cache });
      expect(await readdir(join(cache, 'tmp'))).toEqual([`${process.pid}.0a1c.partial`]);
      await rm(cache, { recursive: true, force: true });
    });

    it('fails with a retryable STORE_ARTIFACT_IO when the endpoint does not answer', async () => {
      const down = { ...settings, endpoint: 'http://127.0.0.1:9' };
      await expect(
        openArtifactStore({ workspace: ws, url: 's3://bookml/x', s3: down }),
      ).rejects.toMatchObject({
        code: 'STORE_ARTIFACT_IO',
        retryable: true,
      });
    });
  },
);
