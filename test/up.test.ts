import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm start`'s command on an empty workspace: the recommender pipeline runs on the synthetic
 * Bookstore, its version is approved for production (local demo) and served; a second start finds
 * production and serves it straight away.
 */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'dist', 'cli', 'main.js');
const home = mkdtempSync(join(tmpdir(), 'bookml-up-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
});

/** Start `bookml up` and resolve with the URL of its ready curl line, and everything it said. */
function up(): Promise<{ url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [bin, 'up', '--port', '0'], {
    env: { ...process.env, BOOKML_HOME: home, BOOKML_USER: 'demo-approver' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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

describe.skipIf(!existsSync(bin))('bookml up (npm start)', () => {
  it('runs the pipeline, approves production for the local demo, and serves it', async () => {
    const first = await up();
    expect(first.stderr()).toContain('running the recommender pipeline');
    const res = await fetch(first.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-bookml-model-version')).toBe('1');
    const body = (await res.json()) as { recommendations: unknown[]; fallback: boolean };
    expect(body.recommendations.length).toBeGreaterThan(0);
    children[0].kill('SIGTERM');

    const second = await up();
    expect(second.stderr()).not.toContain('running the recommender pipeline');
    expect((await fetch(second.url)).headers.get('x-bookml-model-version')).toBe('1');
  }, 120_000);
});
