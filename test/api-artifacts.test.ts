/**
 * `/api/v1/artifacts` through `app.inject`: blobs up and down by sha256 (byte-identical, checked while
 * streaming, nothing stored on a mismatch), lookups, directory manifests accepted only when whole, roles,
 * the blob limit, and 501 without a store.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeDirManifest } from '../src/store/dir-manifest.js';
import { auth, type StepPlane, stepPlane } from './fixtures/step-services.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const octets = { 'content-type': 'application/octet-stream' };

describe('control plane /api/v1/artifacts', () => {
  let p: StepPlane;
  beforeEach(async () => {
    p = await stepPlane();
  });
  afterEach(() => p.close());

  const upload = (bytes: Buffer, as = sha(bytes), who: 'viewer' | 'operator' = 'operator') =>
    p.app.inject({
      method: 'PUT',
      url: `/api/v1/artifacts/${as}`,
      headers: { ...auth(who), ...octets },
      payload: bytes,
    });
  const storedBlobs = async () =>
    (await readdir(join(p.ws.artifactsDir, 'sha256'), { recursive: true, withFileTypes: true })).filter((d) =>
      d.isFile(),
    ).length;

  it('round-trips a blob byte for byte, with its size and hash in the headers', async () => {
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
    const up = await upload(bytes);
    expect(up.statusCode).toBe(201);
    expect(up.json()).toMatchObject({ sha256: sha(bytes), size: bytes.length, kind: 'file' });
    expect(up.json().uri).toMatch(/^file:\/\//);

    const down = await p.app.inject({
      method: 'GET',
      url: `/api/v1/artifacts/${sha(bytes)}`,
      headers: auth('viewer'),
    });
    expect(down.statusCode).toBe(200);
    expect(down.headers['content-type']).toBe('application/octet-stream');
    expect(Number(down.headers['content-length'])).toBe(bytes.length);
    expect(down.headers['x-bookml-sha256']).toBe(sha(bytes));
    expect(down.rawPayload.equals(bytes)).toBe(true);
  });

  it('refuses bytes that do not hash to the path and stores nothing', async () => {
    const res = await upload(Buffer.from('tampered'), sha('original'));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'STORE_ARTIFACT_INVALID_HASH', field: 'sha256' });
    expect(await storedBlobs()).toBe(0);
    expect(await readdir(join(p.ws.artifactsDir, 'tmp'))).toEqual([]);
  });

  it('lets a viewer read but not upload, and refuses an upload without a token before reading it', async () => {
    const bytes = Buffer.from('hello');
    const viewer = await upload(bytes, sha(bytes), 'viewer');
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json()).toMatchObject({ code: 'API_FORBIDDEN' });
    const anonymous = await p.app.inject({
      method: 'PUT',
      url: `/api/v1/artifacts/${sha(bytes)}`,
      headers: octets,
      payload: bytes,
    });
    expect(anonymous.statusCode).toBe(401);
    expect(await storedBlobs()).toBe(0);
    const missing = await p.app.inject({
      method: 'GET',
      url: `/api/v1/artifacts/${sha(bytes)}`,
      headers: auth('viewer'),
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'STORE_ARTIFACT_NOT_FOUND' });
  });

  it('refuses a path that is not a sha256 and a body that is not raw bytes', async () => {
    const bad = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/artifacts/ABC',
      headers: { ...auth('operator'), ...octets },
      payload: Buffer.from('x'),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'API_BAD_REQUEST', field: 'sha256' });
    const json = await p.app.inject({
      method: 'PUT',
      url: `/api/v1/artifacts/${sha('x')}`,
      headers: auth('operator'),
      payload: { x: 1 },
    });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toMatchObject({ code: 'API_BAD_REQUEST', field: 'body' });
    // JSON `null` parses to null, not to a missing body (found by the payload property suite).
    const nullBody = await p.app.inject({
      method: 'PUT',
      url: `/api/v1/artifacts/${sha('x')}`,
      headers: { ...auth('operator'), 'content-type': 'application/json' },
      payload: 'null',
    });
    expect(nullBody.statusCode).toBe(400);
    expect(nullBody.json()).toMatchObject({ code: 'API_BAD_REQUEST', field: 'body' });
    expect(await storedBlobs()).toBe(0);
  });

  it('tells which blobs are stored and which are missing', async () => {
    await upload(Buffer.from('a'));
    const res = await p.app.inject({
      method: 'POST',
      url: '/api/v1/artifacts/lookup',
      headers: auth('viewer'),
      payload: { sha256: [sha('a'), sha('b'), sha('a')] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      present: [{ sha256: sha('a'), size: 1, uri: expect.stringMatching(/^file:/) }],
      missing: [sha('b')],
    });
  });

  it('accepts a manifest only when every blob it lists is stored and its hash matches, then serves it', async () => {
    const entries = [
      { path: 'bundle/model.bin', sha256: sha('model'), size: 5, executable: false },
      { path: 'meta.json', sha256: sha('{}'), size: 2, executable: false },
    ];
    const manifestSha = sha(encodeDirManifest(entries));
    const put = (as: string) =>
      p.app.inject({
        method: 'PUT',
        url: `/api/v1/artifacts/${as}/manifest`,
        headers: auth('operator'),
        payload: { format: 'bookml.dir/v1', entries },
      });
    await upload(Buffer.from('model'));
    const incomplete = await put(manifestSha);
    expect(incomplete.statusCode).toBe(404);
    expect(incomplete.json()).toMatchObject({ code: 'STORE_ARTIFACT_NOT_FOUND', field: 'entries' });
    expect(incomplete.json().message).toContain(sha('{}'));
    expect(await p.artifacts.has(manifestSha)).toBe(false);

    await upload(Buffer.from('{}'));
    const wrong = await put(sha('not the manifest'));
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ code: 'STORE_ARTIFACT_INVALID_HASH' });

    const ok = await put(manifestSha);
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ sha256: manifestSha, kind: 'dir', files: 2, totalSize: 7 });
    const read = await p.app.inject({
      method: 'GET',
      url: `/api/v1/artifacts/${manifestSha}/manifest`,
      headers: auth('viewer'),
    });
    expect(read.json()).toEqual({ format: 'bookml.dir/v1', entries });
    // The server materialises what a client uploaded piece by piece.
    const dir = await p.artifacts.getDir(manifestSha);
    expect((await readdir(dir, { recursive: true })).sort()).toEqual([
      'bundle',
      'bundle/model.bin',
      'meta.json',
    ]);
  });

  it('refuses a manifest whose paths escape the folder', async () => {
    await upload(Buffer.from('a'));
    const entries = [{ path: '../evil', sha256: sha('a'), size: 1, executable: false }];
    const res = await p.app.inject({
      method: 'PUT',
      url: `/api/v1/artifacts/${sha(encodeDirManifest(entries))}/manifest`,
      headers: auth('operator'),
      payload: { format: 'bookml.dir/v1', entries },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'STORE_ARTIFACT_INVALID_DIR' });
  });

  it('refuses a blob beyond the limit and stores nothing', async () => {
    const small = await stepPlane({ blobLimit: 1024 });
    try {
      const bytes = Buffer.alloc(4096, 7);
      const res = await small.app.inject({
        method: 'PUT',
        url: `/api/v1/artifacts/${sha(bytes)}`,
        headers: { ...auth('operator'), ...octets },
        payload: bytes,
      });
      expect(res.statusCode).toBe(413);
      expect(res.json()).toMatchObject({ code: 'API_BODY_TOO_LARGE' });
      // Without a Content-Length the limit is counted while streaming.
      const chunked = await small.app.inject({
        method: 'PUT',
        url: `/api/v1/artifacts/${sha(bytes)}`,
        headers: { ...auth('operator'), ...octets },
        payload: Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]),
      });
      expect(chunked.headers['content-length'] === undefined || chunked.statusCode === 413).toBe(true);
      expect(chunked.json()).toMatchObject({ code: 'API_BODY_TOO_LARGE' });
      expect(await small.artifacts.has(sha(bytes))).toBe(false);
      expect(await readdir(join(small.ws.artifactsDir, 'tmp'))).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it('answers 501 API_NOT_AVAILABLE when no artifact store is wired', async () => {
    const bare = await stepPlane({ artifacts: undefined });
    try {
      const res = await bare.app.inject({
        method: 'GET',
        url: `/api/v1/artifacts/${sha('a')}`,
        headers: auth('viewer'),
      });
      expect(res.statusCode).toBe(501);
      expect(res.json()).toMatchObject({ code: 'API_NOT_AVAILABLE' });
    } finally {
      await bare.close();
    }
  });
});
