/**
 * One suite for every artifact store — what `artifact-store.ts` promises: content addressing, atomic and
 * idempotent writes (concurrent ones included), verified reads, typed errors for absent and corrupt
 * blobs, directory artifacts. Run on the filesystem store (`fs-artifact-store.test.ts`) and on S3
 * through s3rver (`s3/s3-artifact-store.test.ts`). Blobs are tiny: the suite checks behaviour, not speed.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore } from './artifact-store.js';
import { encodeDirManifest } from './dir-manifest.js';

/** A store under test and a way to damage one of its blobs behind its back. */
export interface ArtifactStoreHarness {
  readonly store: ArtifactStore;
  /** Replace the stored bytes of blob `sha256` with `bytes` (bit rot, a bad copy). */
  corrupt(sha256: string, bytes: Buffer): Promise<void>;
  close(): Promise<void>;
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const MISSING = sha('never stored');

/** Runs the artifact-store contract against `open()`; `skip` names why this backend cannot run here. */
export function artifactStoreContract(
  name: string,
  open: () => Promise<ArtifactStoreHarness>,
  skip?: string,
): void {
  describe.skipIf(skip !== undefined)(skip === undefined ? name : `${name} — skipped: ${skip}`, () => {
    let h: ArtifactStoreHarness;
    let store: ArtifactStore;
    let work: string;
    beforeEach(async () => {
      h = await open();
      store = h.store;
      work = await mkdtemp(join(tmpdir(), 'bookml-contract-'));
    });
    afterEach(async () => {
      await h?.close();
      await rm(work, { recursive: true, force: true });
    });

    it('names a blob by its sha256, from a buffer, a stream or a file, and reads it back verified', async () => {
      const bytes = Buffer.from('customers who bought this also bought');
      const file = join(work, 'f.txt');
      await writeFile(file, bytes);
      const refs = [
        await store.put(bytes),
        await store.put(Readable.from([bytes.subarray(0, 9), bytes.subarray(9).toString()])),
        await store.put({ path: file }),
      ];
      for (const ref of refs) {
        expect(ref).toEqual({
          sha256: sha(bytes),
          size: bytes.length,
          uri: store.uriOf(sha(bytes)),
          kind: 'file',
        });
      }
      expect(store.uriOf(sha(bytes)).startsWith(store.location)).toBe(true);
      expect(await store.has(sha(bytes))).toBe(true);
      expect(await store.stat(sha(bytes))).toEqual({
        sha256: sha(bytes),
        size: bytes.length,
        uri: refs[0].uri,
      });
      expect((await store.read(sha(bytes))).equals(bytes)).toBe(true);
      expect(await text(await store.open(sha(bytes)))).toBe(bytes.toString());
      expect((await readFile(await store.get(sha(bytes)))).equals(bytes)).toBe(true);
      const empty = await store.put(Buffer.alloc(0));
      expect(empty).toMatchObject({ sha256: sha(''), size: 0 });
      expect((await store.read(sha(''))).length).toBe(0);
    });

    it('is idempotent: the same bytes, put twice or at once by many writers, make one blob', async () => {
      const bytes = Buffer.from('one blob, many writers');
      const refs = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? store.put(bytes) : store.put(Readable.from([bytes])))),
      );
      expect(new Set(refs.map((r) => r.sha256))).toEqual(new Set([sha(bytes)]));
      expect(await store.put(bytes)).toEqual(refs[0]);
      expect((await store.read(sha(bytes))).equals(bytes)).toBe(true);
    });

    it('checks an upload against the expected sha256 and stores nothing on a mismatch', async () => {
      const bytes = Buffer.from('sent by a client');
      expect(await store.put(Readable.from([bytes]), { expectSha256: sha(bytes) })).toMatchObject({
        sha256: sha(bytes),
      });
      const other = Buffer.from('damaged in transit');
      await expect(store.put(other, { expectSha256: sha(bytes) })).rejects.toMatchObject({
        code: 'STORE_ARTIFACT_INVALID_HASH',
        field: 'sha256',
      });
      expect(await store.has(sha(other))).toBe(false);
      await expect(store.put(other, { expectSha256: 'nope' })).rejects.toMatchObject({
        code: 'STORE_ARTIFACT_INVALID_HASH',
      });
    });

    it('leaves nothing visible when a write fails half-way', async () => {
      const first = Buffer.from('the first half');
      async function* broken() {
        yield first;
        throw new Error('connection reset');
      }
      await expect(store.put(broken())).rejects.toBeTruthy();
      expect(await store.has(sha(first))).toBe(false);
      await expect(store.put({ path: join(work, 'absent') })).rejects.toMatchObject({
        code: 'STORE_ARTIFACT_NOT_FOUND',
        field: 'path',
      });
    });

    it('answers an absent blob with STORE_ARTIFACT_NOT_FOUND and a bad name with STORE_ARTIFACT_INVALID_HASH', async () => {
      expect(await store.has(MISSING)).toBe(false);
      expect(await store.stat(MISSING)).toBeUndefined();
      for (const read of [
        () => store.read(MISSING),
        () => store.open(MISSING),
        () => store.get(MISSING),
        () => store.getDir(MISSING),
        () => store.readDirManifest(MISSING),
      ]) {
        await expect(read()).rejects.toMatchObject({ code: 'STORE_ARTIFACT_NOT_FOUND', field: 'sha256' });
      }
      for (const bad of ['ABC', '../../etc/passwd', MISSING.toUpperCase()]) {
        await expect(store.read(bad)).rejects.toMatchObject({ code: 'STORE_ARTIFACT_INVALID_HASH' });
        await expect(store.has(bad)).rejects.toMatchObject({ code: 'STORE_ARTIFACT_INVALID_HASH' });
      }
      expect(() => store.uriOf('x')).toThrow(/sha256/);
    });

    it('refuses corrupt bytes on every read, sets them aside, and heals on the next put', async () => {
      const bytes = Buffer.from('a model that rots');
      const ref = await store.put(bytes);
      await h.corrupt(ref.sha256, Buffer.from('a model that rotz'));
      await expect(store.read(ref.sha256)).rejects.toMatchObject({
        code: 'STORE_ARTIFACT_CORRUPT',
        field: 'sha256',
      });
      expect(await store.has(ref.sha256)).toBe(false);
      await store.put(bytes);
      expect((await store.read(ref.sha256)).equals(bytes)).toBe(true);

      await h.corrupt(ref.sha256, Buffer.from('a model that rotx'));
      await expect(text(await store.open(ref.sha256))).rejects.toMatchObject({
        code: 'STORE_ARTIFACT_CORRUPT',
      });
      await store.put(bytes);
      await h.corrupt(ref.sha256, Buffer.from('a model that roty'));
      await expect(store.get(ref.sha256)).rejects.toMatchObject({ code: 'STORE_ARTIFACT_CORRUPT' });
    });

    it('stores a directory as blobs plus a manifest, and materialises it verified', async () => {
      const dir = join(work, 'bundle');
      await mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
      await writeFile(join(dir, 'model.bin'), Buffer.from([1, 2, 3, 4]));
      await writeFile(join(dir, 'nested', 'deeper', 'items.json'), '["a","b"]');
      await writeFile(join(dir, 'run.sh'), '#!/bin/sh\n');
      await chmod(join(dir, 'run.sh'), 0o755);
      const ref = await store.putDir(dir);
      expect(ref).toMatchObject({
        kind: 'dir',
        files: 3,
        totalSize: 4 + 9 + 10,
        uri: store.uriOf(ref.sha256),
      });
      expect(await store.putDir(dir)).toEqual(ref);

      const manifest = await store.readDirManifest(ref.sha256);
      expect(manifest.entries.map((e) => [e.path, e.executable])).toEqual([
        ['model.bin', false],
        ['nested/deeper/items.json', false],
        ['run.sh', true],
      ]);
      for (const target of [
        await store.getDir(ref.sha256),
        await store.getDir(ref.sha256, join(work, 'out')),
      ]) {
        expect(await readFile(join(target, 'nested', 'deeper', 'items.json'), 'utf8')).toBe('["a","b"]');
        expect(((await stat(join(target, 'run.sh'))).mode & 0o111) !== 0).toBe(true);
        expect((await readdir(target, { recursive: true })).sort()).toEqual(
          ['model.bin', 'nested', 'nested/deeper', 'nested/deeper/items.json', 'run.sh'].sort(),
        );
      }
      // A cached copy is handed out again; a non-empty destination is refused.
      expect(await store.getDir(ref.sha256)).toBe(await store.getDir(ref.sha256));
      await expect(store.getDir(ref.sha256, join(work, 'out'))).rejects.toMatchObject({
        code: 'STORE_ARTIFACT_INVALID_DIR',
        field: 'dest',
      });
      const file = await store.put(Buffer.from('not a manifest'));
      await expect(store.readDirManifest(file.sha256)).rejects.toMatchObject({
        code: 'STORE_ARTIFACT_INVALID_DIR',
      });
    });

    it('refuses symlinks in a directory, and a manifest listing blobs it lacks or unsafe paths', async () => {
      const dir = join(work, 'links');
      await mkdir(dir);
      await writeFile(join(dir, 'a.txt'), 'a');
      await symlink(join(dir, 'a.txt'), join(dir, 'b.txt'));
      await expect(store.putDir(dir)).rejects.toMatchObject({ code: 'STORE_ARTIFACT_INVALID_DIR' });

      const a = await store.put(Buffer.from('a'));
      const entries = [
        { path: 'a.txt', sha256: a.sha256, size: 1, executable: false },
        { path: 'b.txt', sha256: MISSING, size: 5, executable: false },
      ];
      await expect(store.putManifest(entries)).rejects.toMatchObject({
        code: 'STORE_ARTIFACT_NOT_FOUND',
        field: 'entries',
      });
      const manifestSha = sha(encodeDirManifest(entries));
      expect(await store.has(manifestSha)).toBe(false);
      await expect(
        store.putManifest([{ path: '../escape', sha256: a.sha256, size: 1, executable: false }]),
      ).rejects.toMatchObject({ code: 'STORE_ARTIFACT_INVALID_DIR' });
      const one = [entries[0]];
      const ref = await store.putManifest(one, { expectSha256: sha(encodeDirManifest(one)) });
      expect(ref).toMatchObject({ kind: 'dir', files: 1, totalSize: 1 });
      await expect(store.putManifest(one, { expectSha256: MISSING })).rejects.toMatchObject({
        code: 'STORE_ARTIFACT_INVALID_HASH',
      });
    });
  });
}
