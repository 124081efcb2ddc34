import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ROLE_HEADER, ROUTING_KEY_HEADER, VERSION_HEADER } from '../src/serve/index.js';
import { saveLatest, tempDir, testWorkspace, writeModel } from './serve-fixture.js';

/** `bookml serve --workers N` through the built binary. */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'dist', 'cli', 'main.js');

let child: ChildProcess | null = null;
afterEach(async () => {
  const c = child;
  child = null;
  if (c?.pid !== undefined && c.exitCode === null) {
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  }
});

interface Ready {
  url: string;
  workers: number[];
}

function serve(home: string, ...args: string[]): Promise<Ready> {
  const c = spawn(process.execPath, [bin, 'serve', '--port', '0', '--json', '--poll-ms', '100', ...args], {
    env: { ...process.env, BOOKML_HOME: home },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child = c;
  const lines = createInterface({ input: c.stdout as NodeJS.ReadableStream });
  return new Promise((res, rej) => {
    lines.once('line', (l) => res(JSON.parse(l)));
    c.once('exit', (code) => rej(new Error(`bookml serve exited ${code}`)));
  });
}

/** One request on a fresh connection (so the cluster hands it to any worker). */
function get(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((res, rej) => {
    const req = request(url, { agent: false, headers: { connection: 'close', ...headers } }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d) => (body += d));
      r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body }));
    });
    req.on('error', rej);
    req.end();
  });
}

interface ReadyBody {
  pid: number;
  models: { role: string; version: string | null }[];
}

/** Ask /ready on fresh connections until every worker has answered `until` (no clock involved). */
async function everyWorker(url: string, pids: number[], until: (r: ReadyBody) => boolean): Promise<void> {
  const done = new Set<number>();
  while (done.size < pids.length) {
    const r = JSON.parse((await get(`${url}/ready`)).body) as ReadyBody;
    if (until(r)) done.add(r.pid);
    else done.delete(r.pid);
  }
}

describe.skipIf(!existsSync(bin))('bookml serve --workers (built binary)', () => {
  it('hot-swaps in every worker, writes one prediction log through the primary', async () => {
    const ws = await testWorkspace();
    const first = await saveLatest(ws, { seed: 1 });
    const ready = await serve(ws.root, '--workers', '2', '--sample-rate', '1');
    expect(ready.workers).toHaveLength(2);
    await everyWorker(ready.url, ready.workers, (r) => r.models[0]?.version === first.modelId);

    let failures = 0;
    let answered = 0;
    let stop = false;
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        const res = await get(`${ready.url}/recommend?book_id=${(i % 30) + 1}&k=3`).catch(() => null);
        if (res?.status === 200) answered++;
        else failures++;
      }
    })();
    const second = await saveLatest(ws, { seed: 2 });
    await everyWorker(ready.url, ready.workers, (r) => r.models[0]?.version === second.modelId);
    stop = true;
    await load;
    expect(failures).toBe(0);
    const after = await get(`${ready.url}/recommend?book_id=1&k=3`);
    expect(after.headers[VERSION_HEADER]).toBe(second.modelId);

    const c = child;
    child = null;
    const exited = new Promise((r) => c?.once('exit', r));
    c?.kill('SIGTERM');
    await exited;
    const dir = join(ws.root, 'predictions');
    const lines = readdirSync(dir).flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'));
    // Every answer sampled (rate 1), from both workers, in one folder with one writer.
    expect(lines.length).toBeGreaterThanOrEqual(answered);
    expect(lines.every((l) => JSON.parse(l).route !== undefined)).toBe(true);
  });

  it('runs the canary (sticky by key across workers) and the shadow in every worker', async () => {
    const home = tempDir();
    const a = join(home, 'a');
    const b = join(home, 'b');
    const ma = await writeModel(a, { seed: 1 });
    const mb = await writeModel(b, { seed: 2 });
    const ready = await serve(
      home,
      ...['--model', a, '--canary', b, '--canary-percent', '50', '--shadow', b, '--workers', '2'],
    );
    await everyWorker(
      ready.url,
      ready.workers,
      (r) =>
        r.models.map((m) => `${m.role}=${m.version}`).join() ===
        `primary=${ma.modelId},canary=${mb.modelId},shadow=${mb.modelId}`,
    );
    // A routing key lands on the same side whichever worker answers.
    for (let c = 0; c < 20; c++) {
      const seen = new Set<unknown>();
      for (let t = 0; t < 4; t++) {
        const res = await get(`${ready.url}/recommend?book_id=3&k=2`, {
          [ROUTING_KEY_HEADER]: `customer-${c}`,
        });
        expect(res.status).toBe(200);
        seen.add(res.headers[ROLE_HEADER]);
      }
      expect(seen.size).toBe(1);
    }
    // Every worker's shadow compares answers, and one scrape of any worker shows every worker's
    // metrics (the primary gathers them, each sample labelled with its worker).
    const withShadow = async () => {
      const text = (await get(`${ready.url}/metrics`)).body;
      const counts = text.matchAll(/^bookml_serve_shadow_overlap_ratio_count\{worker="(\d+)"[^}]*\} (\d+)/gm);
      return new Set([...counts].filter((m) => Number(m[2]) > 0).map((m) => m[1]));
    };
    let compared = new Set<string>();
    for (let tries = 0; compared.size < ready.workers.length && tries < 100; tries++) {
      for (let i = 0; i < 5; i++) await get(`${ready.url}/recommend?book_id=${i + 1}&k=2`);
      compared = await withShadow();
    }
    expect(compared.size).toBe(2);
  });

  it("reports a worker's refusal once, as the worker raised it, and exits", async () => {
    const ws = await testWorkspace();
    await saveLatest(ws, { seed: 1 });
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    try {
      const c = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--json', '--workers', '2'], {
        env: { ...process.env, BOOKML_HOME: ws.root },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      let out = '';
      let err = '';
      c.stdout?.on('data', (d) => (out += d));
      c.stderr?.on('data', (d) => (err += d));
      const code = await new Promise((r) => c.once('exit', r));
      // Before: the workers printed the error and stayed up on their IPC channel, the primary waited.
      expect(code).toBe(2);
      const reports = `${out}${err}`
        .trim()
        .split('\n')
        .filter((l) => l.includes('SERVE_CANNOT_LISTEN'));
      expect(reports).toHaveLength(1);
      expect(JSON.parse(reports[0])).toMatchObject({ error: { code: 'SERVE_CANNOT_LISTEN', field: 'port' } });
    } finally {
      taken.close();
    }
  });
});
