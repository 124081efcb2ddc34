import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactStoreContract } from './artifact-store.contract.js';
import { encodeDirManifest } from './dir-manifest.js';
import { FsArtifactStore } from './fs-artifact-store.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

artifactStoreContract('artifact store contract: filesystem', async () => {
  const root = await mkdtemp(join(tmpdir(), 'bookml-fs-contract-'));
  const store = await FsArtifactStore.open(root);
  return {
    store,
    corrupt: async (sha256, bytes) => {
      const path = join(root, 'sha256', sha256.slice(0, 2), sha256.slice(2));
      await chmod(path, 0o644);
      await writeFile(path, bytes);
    },
    close: () => rm(root, { recursive: true, force: true }),
  };
});

describe('FsArtifactStore uploads checked against a hash', () => {
  let root: string;
  let store: FsArtifactStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'bookml-fs-store-'));
    store = await FsArtifactStore.open(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const blobs = async () => (await readdir(join(root, 'sha256'), { recursive: true })).length;

  it('stores a stream whose bytes hash to the expected sha256', async () => {
    const bytes = Buffer.from('hello, books');
    const ref = await store.put(Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]), {
      expectSha256: sha(bytes),
    });
    expect(ref).toMatchObject({ sha256: sha(bytes), size: bytes.length, kind: 'file' });
    expect(await store.read(ref.sha256)).toEqual(bytes);
  });

  it('refuses a mismatch and stores nothing under any name', async () => {
    const err = await store
      .put(Buffer.from('tampered'), { expectSha256: sha('original') })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORE_ARTIFACT_INVALID_HASH', field: 'sha256', status: 400 });
    expect(await blobs()).toBe(0);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('stores a manifest only when every blob it lists is present and its hash matches', async () => {
    const a = await store.put(Buffer.from('a'));
    const entries = [
      { path: 'x/a.txt', sha256: a.sha256, size: 1, executable: false },
      { path: 'b.txt', sha256: sha('b'), size: 1, executable: false },
    ];
    const missing = await store.putManifest(entries).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'STORE_ARTIFACT_NOT_FOUND', field: 'entries' });
    expect((missing as Error).message).toContain(sha('b'));
    expect(await store.has(sha(encodeDirManifest(entries)))).toBe(false);

    await store.put(Buffer.from('b'));
    const wrong = await store.putManifest(entries, { expectSha256: sha('x') }).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'STORE_ARTIFACT_INVALID_HASH' });

    const ref = await store.putManifest(entries, { expectSha256: sha(encodeDirManifest(entries)) });
    expect(ref).toMatchObject({ kind: 'dir', files: 2, totalSize: 2 });
    expect((await store.readDirManifest(ref.sha256)).entries.map((e) => e.path)).toEqual([
      'b.txt',
      'x/a.txt',
    ]);
  });

  it('refuses a manifest whose paths would escape the folder', async () => {
    const a = await store.put(Buffer.from('a'));
    const err = await store
      .putManifest([{ path: '../a', sha256: a.sha256, size: 1, executable: false }])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORE_ARTIFACT_INVALID_DIR' });
  });
});
