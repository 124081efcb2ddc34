/**
 * The API client against a real control plane listening on 127.0.0.1: directory and file transfers
 * (byte-identical, only missing blobs re-sent, verified, atomic), and every failure as a BookmlError
 * with the server's code or the client's own (unreachable, not a bookml answer, a cut download).
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ControlPlaneClient,
  ControlPlaneError,
  downloadDir,
  downloadFile,
  uploadDir,
  uploadFile,
} from '../src/api/client/index.js';
import { type StepPlane, stepPlane, TOKENS } from './fixtures/step-services.js';

/** A port nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('ControlPlaneClient', () => {
  let p: StepPlane;
  let url: string;
  const requests: string[] = [];
  /** fetch that records `METHOD path` of every request. */
  const counting: typeof fetch = (input, init) => {
    requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
    return fetch(input, init);
  };
  const client = (who: keyof typeof TOKENS = 'operator') =>
    new ControlPlaneClient({ url, token: TOKENS[who], fetch: counting });

  beforeAll(async () => {
    p = await stepPlane();
    url = await p.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => p.close());

  async function makeTree(name: string): Promise<string> {
    const dir = join(p.root, name);
    await mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
    await writeFile(join(dir, 'model.bin'), Buffer.alloc(2 * 1024 * 1024 + 3, 9));
    await writeFile(join(dir, 'nested', 'meta.json'), '{"k":20}');
    await writeFile(join(dir, 'nested', 'deeper', 'same.json'), '{"k":20}');
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\n');
    await chmod(join(dir, 'run.sh'), 0o755);
    return dir;
  }

  it('says who it is', async () => {
    expect(await client().whoami()).toMatchObject({ id: 'step-pod', roles: ['operator'] });
  });

  it('uploads a directory once, re-uploads nothing, and downloads it byte for byte', async () => {
    const api = client();
    const dir = await makeTree('tree');
    requests.length = 0;
    const stored = await uploadDir(api, dir);
    expect(stored).toMatchObject({ kind: 'dir', files: 4 });
    // One lookup, three distinct blobs (two files share bytes), one manifest.
    expect(requests.filter((r) => r.startsWith('PUT') && !r.endsWith('/manifest'))).toHaveLength(3);

    requests.length = 0;
    expect((await uploadDir(api, dir)).sha256).toBe(stored.sha256);
    expect(requests).toEqual([
      'POST /api/v1/artifacts/lookup',
      `PUT /api/v1/artifacts/${stored.sha256}/manifest`,
    ]);
    // The server's own putDir of the same folder names it the same.
    expect((await p.artifacts.putDir(dir)).sha256).toBe(stored.sha256);

    const copy = join(p.root, 'copy');
    await downloadDir(api, stored.sha256, copy);
    for (const f of ['model.bin', 'nested/meta.json', 'nested/deeper/same.json', 'run.sh'])
      expect((await readFile(join(copy, f))).equals(await readFile(join(dir, f)))).toBe(true);
    expect((await stat(join(copy, 'run.sh'))).mode & 0o111).not.toBe(0);
    expect((await stat(join(copy, 'model.bin'))).mode & 0o222).toBe(0);
    expect((await readdir(p.root)).filter((n) => n.endsWith('.partial'))).toEqual([]);
  });

  it('uploads a file only when the store lacks it and downloads it verified', async () => {
    const api = client();
    const file = join(p.root, 'report.json');
    await writeFile(file, '{"pass":true}');
    requests.length = 0;
    const blob = await uploadFile(api, file);
    expect(blob).toMatchObject({ sha256: sha('{"pass":true}'), size: 13, kind: 'file' });
    expect(blob.uri).toMatch(/^file:/);
    expect(await uploadFile(api, file)).toEqual(blob);
    expect(requests.filter((r) => r.startsWith('PUT'))).toHaveLength(1);
    const dest = join(p.root, 'report.copy');
    await downloadFile(api, blob.sha256, dest);
    expect(await readFile(dest, 'utf8')).toBe('{"pass":true}');
  });

  it("relays the server's code, field and status; a role refusal is not retryable", async () => {
    // A lookup is a read: a viewer "uploading" a blob the store has already needs no write.
    const file = join(p.root, 'new.txt');
    await writeFile(file, 'fresh');
    const refused = await uploadFile(client('viewer'), file).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ControlPlaneError);
    expect(refused).toMatchObject({ code: 'API_FORBIDDEN', status: 403, retryable: false });
    const missing = await client()
      .getDataset('abcd')
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, retryable: false });
    expect((missing as ControlPlaneError).code).toMatch(/^DATA_/);
    const bad = await client()
      .publishEvent('Bad Topic', {})
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'API_BAD_REQUEST', field: 'topic', status: 400 });
    const anonymous = await new ControlPlaneClient({ url }).whoami().catch((e: unknown) => e);
    expect(anonymous).toMatchObject({ code: 'API_UNAUTHENTICATED', status: 401 });
  });

  it('names the URL, never the token, when the control plane cannot be reached', async () => {
    const port = await freePort();
    const closed = await new ControlPlaneClient({
      url: `http://127.0.0.1:${port}/`,
      token: 'secret-token-value',
    })
      .whoami()
      .catch((e: unknown) => e);
    expect(closed).toMatchObject({ code: 'API_UNREACHABLE', status: 503, retryable: true });
    expect((closed as Error).message).toContain(`http://127.0.0.1:${port}/api/v1/whoami`);
    expect((closed as Error).message).toContain('ECONNREFUSED');
    expect((closed as Error).message).not.toContain('secret-token-value');
    expect(() => new ControlPlaneClient({ url: 'http://user:pw@127.0.0.1:9/' })).toThrow(
      expect.objectContaining({ code: 'API_CONFIG_INVALID', field: 'url' }),
    );
    expect(() => new ControlPlaneClient({ url: 'not a url' })).toThrow(
      expect.objectContaining({ field: 'url' }),
    );
  });

  it('refuses an answer that is not bookml error JSON, retryable when 5xx', async () => {
    const proxy: typeof fetch = async () =>
      new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    const err = await new ControlPlaneClient({ url, fetch: proxy }).whoami().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'API_BAD_RESPONSE', status: 502, retryable: true });
    const retryAfter: typeof fetch = async () =>
      Response.json(
        { statusCode: 503, code: 'STORE_DB_BUSY', message: 'busy' },
        { status: 503, headers: { 'retry-after': '2' } },
      );
    const busy = await new ControlPlaneClient({ url, fetch: retryAfter }).whoami().catch((e: unknown) => e);
    expect(busy).toMatchObject({ code: 'STORE_DB_BUSY', retryable: true, retryAfterMs: 2000 });
  });

  it('fails a download the server finds corrupt and leaves nothing behind', async () => {
    const api = client();
    const file = join(p.root, 'fragile.bin');
    await writeFile(file, Buffer.alloc(300_000, 1));
    const blob = await uploadFile(api, file);
    const onDisk = new URL(blob.uri).pathname;
    await chmod(onDisk, 0o644);
    await writeFile(onDisk, Buffer.alloc(300_000, 2));
    const dest = join(p.root, 'fragile.copy');
    const err = await downloadFile(api, blob.sha256, dest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControlPlaneError);
    expect(err).toMatchObject({ retryable: true });
    expect(await stat(dest).catch(() => undefined)).toBeUndefined();
    expect((await readdir(p.root)).filter((n) => n.startsWith('fragile.copy'))).toEqual([]);
  });

  it('refuses to upload a directory holding a symlink, as the local store does', async () => {
    const dir = join(p.root, 'linked');
    await mkdir(dir);
    await writeFile(join(dir, 'a.txt'), 'a');
    await symlink(join(dir, 'a.txt'), join(dir, 'b.txt'));
    const err = await uploadDir(client(), dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORE_ARTIFACT_INVALID_DIR', field: 'dir' });
  });
});
