/**
 * The local executor on an S3 artifact store (s3rver): step outputs are stored in the bucket, inputs
 * are materialised from it, and a second identical run is served from the cache only while the blobs it
 * points at are still in the bucket.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { getRunDetail, submitRun } from '../src/pipeline/executor/index.js';
import { openArtifactStore } from '../src/store/index.js';
import { createS3Client } from '../src/store/s3/index.js';
import { type Harness, startHarness } from './fixtures/pipelines/harness.js';
import { startS3rver, type TestS3 } from './fixtures/s3rver.js';

const started = await startS3rver(['bookml']);
const skip = typeof started === 'string' ? started : undefined;

describe.skipIf(skip !== undefined)(
  `executor on an S3 artifact store${skip ? ` — skipped: ${skip}` : ''}`,
  () => {
    const s3 = started as TestS3;
    let h: Harness | undefined;
    let cache: string | undefined;
    afterEach(async () => {
      await h?.close();
      if (cache) await rm(cache, { recursive: true, force: true });
    });
    afterAll(() => s3.close());

    it('stores step outputs in the bucket and serves an identical run from the cache', async () => {
      cache = await mkdtemp(join(tmpdir(), 'bookml-exec-s3-'));
      const artifacts = await openArtifactStore({
        url: 's3://bookml/exec',
        s3: s3.settings,
        cacheDir: cache,
      });
      h = await startHarness({ engine: { artifacts } });
      const harness = h;
      const finish = async (text: string) => {
        const { id } = await submitRun(harness.db, harness.catalog, { pipeline: 'chain', params: { text } });
        harness.engine.wake();
        await harness.engine.waitForRun(id);
        return getRunDetail(harness.db, id);
      };
      const first = await finish('abc');
      expect(first.phase).toBe('Succeeded');
      const stored = first.nodes.flatMap((n) =>
        Object.values((n.outputs as { artifacts?: Record<string, { uri: string }> } | null)?.artifacts ?? {}),
      );
      expect(stored.length).toBeGreaterThan(0);
      for (const a of stored) expect(a.uri).toMatch(/^s3:\/\/bookml\/exec\/sha256\//);

      const second = await finish('abc');
      expect(second.phase).toBe('Succeeded');
      expect(second.nodes.find((n) => n.nodeId === 'make')?.phase).toBe('Cached');

      // A blob gone from the bucket is not a cache hit: the node runs again and stores it anew.
      const made = first.nodes.find((n) => n.nodeId === 'make')?.outputs as {
        artifacts: Record<string, { sha256: string }>;
      };
      const client = createS3Client(s3.settings);
      for (const { sha256 } of Object.values(made.artifacts)) {
        const Key = `exec/sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`;
        await client.send(new DeleteObjectCommand({ Bucket: 'bookml', Key }));
        expect(await artifacts.has(sha256)).toBe(false);
      }
      client.destroy();
      const third = await finish('abc');
      expect(third.nodes.find((n) => n.nodeId === 'make')?.phase).toBe('Succeeded');
      for (const { sha256 } of Object.values(made.artifacts)) expect(await artifacts.has(sha256)).toBe(true);
    });
  },
);
