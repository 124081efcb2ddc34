import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { bookmlBin, hasBuiltBin } from './fixtures/cli.js';

const home = mkdtempSync(join(tmpdir(), 'bookml-monitor-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const promtool = spawnSync('promtool', ['--version']);
const hasPromtool = promtool.error === undefined && promtool.status === 0;

/**
 * `bookml monitor`: the drift monitor as a process of its own (what the cluster form's monitor
 * Deployment runs). On a workspace with nothing in production it waits; its `/metrics` (standard process
 * metrics and the monitor's families) passes promtool, `/healthz` answers, and SIGTERM ends it cleanly.
 */
describe.skipIf(!hasBuiltBin)('bookml monitor', () => {
  it('serves /metrics and /healthz, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [bookmlBin, 'monitor', '--port', '0', '--interval-ms', '200', '--json'],
      {
        env: { ...process.env, BOOKML_HOME: join(home, '.bookml') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr?.on('data', (d) => {
      err += String(d);
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const info = await new Promise<{ metrics: string }>((res, rej) => {
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (l) =>
        res(JSON.parse(l)),
      );
      void exited.then((code) => rej(new Error(`bookml monitor exited ${code}: ${err}`)));
    });
    const metrics = await fetch(info.metrics);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain('process_cpu_seconds_total');
    if (hasPromtool) {
      const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    }
    const health = await fetch(info.metrics.replace(/\/metrics$/, '/healthz'));
    expect(await health.json()).toEqual({ ok: true });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
