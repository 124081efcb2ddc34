import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { saveLatest, tempDir, testWorkspace, writeModel } from './serve-fixture.js';

/** `bookml serve` through the built binary, as a user starts it. */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'dist', 'cli', 'main.js');

let child: ChildProcess | null = null;
afterEach(() => {
  if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
  child = null;
});

/** Start `bookml serve … --json` and read its ready line. */
function serve(home: string, ...args: string[]): Promise<{ url: string; curl: string; status: string }> {
  child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--json', ...args], {
    env: { ...process.env, BOOKML_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  return new Promise((res, rej) => {
    lines.once('line', (l) => res(JSON.parse(l)));
    child?.once('exit', (code) => rej(new Error(`bookml serve exited ${code}`)));
  });
}

describe.skipIf(!existsSync(bin))('bookml serve (built binary)', () => {
  it('serves a bundle folder and prints a ready curl line', async () => {
    const home = tempDir();
    const dir = join(home, 'bundle');
    const { modelId } = await writeModel(dir);
    const ready = await serve(home, '--model', dir, '--canary', dir, '--canary-percent', '20');
    expect(ready.status).toBe('serving');
    expect(ready.curl).toMatch(/^curl -s 'http:\/\/127\.0\.0\.1:\d+\/recommend\?book_id=\d+&k=5'$/);
    const url = /'([^']+)'/.exec(ready.curl)?.[1] as string;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { version: string }).version).toBe(modelId);
    const r = await (await fetch(`${ready.url}/ready`)).json();
    expect(r).toMatchObject({ status: 'ready', canary_percent: 20 });
  });

  it("serves the workspace's latest model out of the artifact store by default", async () => {
    const ws = await testWorkspace();
    const { modelId } = await saveLatest(ws, { seed: 2 });
    const ready = await serve(ws.root);
    expect(ready.status).toBe('serving');
    const url = /'([^']+)'/.exec(ready.curl)?.[1] as string;
    expect(((await (await fetch(url)).json()) as { version: string }).version).toBe(modelId);
  });

  it('refuses a port that is taken with a code naming --port, not a stack', async () => {
    const home = tempDir();
    const dir = join(home, 'bundle');
    await writeModel(dir);
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const { port } = blocker.address() as { port: number };
    const r = spawnSync(process.execPath, [bin, 'serve', '--model', dir, '--port', String(port), '--json'], {
      env: { ...process.env, BOOKML_HOME: home },
      encoding: 'utf8',
    });
    blocker.close();
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'SERVE_CANNOT_LISTEN', field: 'port' });
  });

  it('fails fast with a code when --model names nothing servable', () => {
    const home = tempDir();
    const r = spawnSync(process.execPath, [bin, 'serve', '--model', join(home, 'none'), '--port', '0'], {
      env: { ...process.env, BOOKML_HOME: home },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error MODEL_BUNDLE_NOT_FOUND: /m);
    expect(r.stderr).not.toMatch(/^\s+at \S+/m);
  });

  it('waits for the first model of an empty workspace instead of failing', async () => {
    const ready = await serve(tempDir());
    expect(ready.status).toBe('waiting');
    const res = await fetch(`${ready.url}/ready`);
    expect(res.status).toBe(503);
  });

  it('14. SIGTERM flushes the prediction log: every answered request is in it', async () => {
    const home = tempDir();
    const dir = join(home, 'bundle');
    await writeModel(dir);
    const ready = await serve(home, '--model', dir);
    const proc = child as ChildProcess;
    const answered: number[] = [];
    // Well inside the log's 1 s flush interval: without the flush on SIGTERM most would be lost.
    // 20 at a time: the server caps the connections one address may hold.
    for (let batch = 0; batch < 15; batch++) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, j) => {
          const i = batch * 20 + j;
          const res = await fetch(`${ready.url}/recommend?book_id=${(i % 40) + 1}&k=3`);
          if (res.status === 200) answered.push(i);
        }),
      );
    }
    const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    const logDir = join(home, 'predictions');
    const lines = readdirSync(logDir)
      .filter((f) => f.endsWith('.jsonl'))
      .flatMap((f) =>
        readFileSync(join(logDir, f), 'utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
    expect(answered).toHaveLength(300);
    expect(lines).toHaveLength(answered.length);
  });
});
