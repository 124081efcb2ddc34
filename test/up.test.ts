import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { bookmlBin, hasBuiltBin, stopChild } from './fixtures/cli.js';

/**
 * `npm start`'s command on an empty workspace: the recommender pipeline runs on the synthetic
 * Bookstore, its version is approved for production (local demo) and served; moving production under
 * load changes the answering version with no failed request; a second start serves production at once.
 */
const bin = bookmlBin;
const home = mkdtempSync(join(tmpdir(), 'bookml-up-'));
const children: ChildProcess[] = [];

afterAll(async () => {
  await Promise.all(children.map(stopChild));
  rmSync(home, { recursive: true, force: true });
});

/** Start `bookml up` and resolve with the URL of its ready curl line, and everything it said. */
function up(): Promise<{ url: string; stderr: () => string }> {
  const child = spawn(
    process.execPath,
    [bin, 'up', '--port', '0', '--api-port', '0', '--webhook-port', '0'],
    {
      env: { ...process.env, BOOKML_HOME: home, BOOKML_USER: 'demo-approver' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  return new Promise((res, rej) => {
    lines.on('line', (l) => {
      const m = /^ready: curl -s '([^']+)'/.exec(l);
      if (m) res({ url: m[1], stderr: () => stderr });
    });
    child.once('exit', (code) => rej(new Error(`bookml up exited ${code}: ${stderr}`)));
  });
}

describe.skipIf(!hasBuiltBin)('bookml up (npm start)', () => {
  it('runs the pipeline, approves production for the local demo, and serves it', async () => {
    const first = await up();
    expect(first.stderr()).toContain('running the recommender pipeline');
    // Item 2 of issue 11: the local-demo approval is recorded as the OS user, whatever BOOKML_USER says.
    expect(first.stderr()).toContain(`for production as local:${userInfo().username} (local demo)`);
    expect(first.stderr()).not.toContain('demo-approver');
    const res = await fetch(first.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-bookml-model-version')).toBe('1');
    const body = (await res.json()) as { recommendations: unknown[]; fallback: boolean };
    expect(body.recommendations.length).toBeGreaterThan(0);

    // Move production in the registry while the server is under load: the answering version changes
    // without a restart and without a failed request.
    const statuses = new Map<number, number>();
    const versions = new Set<string | null>();
    let errors = 0;
    let stop = false;
    const base = first.url.replace(/\?.*$/, '');
    const client = async (n: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const r = await fetch(`${base}?book_id=${((n * 31 + i) % 200) + 1}&k=5`);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          versions.add(r.headers.get('x-bookml-model-version'));
          await r.arrayBuffer();
        } catch {
          errors++;
        }
      }
    };
    const clients = [client(0), client(1), client(2)];
    const cli = (...args: string[]) =>
      new Promise<number | null>((done) => {
        const c = spawn(process.execPath, [bin, ...args], {
          env: { ...process.env, BOOKML_HOME: home, BOOKML_USER: 'demo-approver' },
          stdio: 'ignore',
        });
        c.once('exit', (code) => done(code));
      });
    // A serving test, not a gate test: leave the candidate room under the regression gate.
    const policy = '{"gates":{"no_regression":{"minRatio":0.9}}}';
    expect(await cli('model', 'policy', 'recommender', '--set', policy)).toBe(0);
    expect(
      await cli(
        'run',
        'submit',
        'recommender',
        '-p',
        'similarityGrid=["cosine"]',
        '-p',
        'kGrid=[20]',
        '--watch',
      ),
    ).toBe(0);
    expect(
      await cli('model', 'approve', 'recommender', '--version', '2', '--reason', 'second candidate'),
    ).toBe(0);
    const deadline = Date.now() + 20_000;
    while (!versions.has('2') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await Promise.all(clients);
    expect(errors).toBe(0);
    expect([...statuses.keys()]).toEqual([200]);
    expect(versions).toEqual(new Set(['1', '2']));
    await stopChild(children[0]);

    const second = await up();
    expect(second.stderr()).not.toContain('running the recommender pipeline');
    expect((await fetch(second.url)).headers.get('x-bookml-model-version')).toBe('2');
  }, 120_000);
});
