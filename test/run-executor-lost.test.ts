import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  FIXTURES_URL,
  requireBuild,
  stopExecutorsAndRemove,
  until,
} from './fixtures/pipelines/harness.js';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Running {
  child: ChildProcess;
  /** Everything written so far. */
  out: { stdout: string; stderr: string };
  done: Promise<Result>;
}

/** How long a run may have no live executor before the CLI calls it lost; short, so nothing waits 30 s. */
const TIMEOUT_MS = '1500';

/**
 * Item 7 of "One runtime": a run whose executor is SIGKILLed never leaves `run watch` or
 * `run submit --watch` waiting forever. Through the built CLI, as a user would meet it.
 */
describe('a run whose executor dies', () => {
  let dir: string;
  let home: string;
  const start = (...args: string[]): Running => {
    const child = spawn(process.execPath, [CLI, '--home', home, ...args], {
      env: { ...process.env, BOOKML_PIPELINES: FIXTURES_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = { stdout: '', stderr: '' };
    child.stdout?.on('data', (d) => (out.stdout += d));
    child.stderr?.on('data', (d) => (out.stderr += d));
    const done = new Promise<Result>((resolve) => child.on('close', (code) => resolve({ code, ...out })));
    return { child, out, done };
  };
  const bookml = (...args: string[]) => start(...args).done;
  const json = async (...args: string[]) => JSON.parse((await bookml(...args, '--json')).stdout);

  beforeAll(async () => {
    requireBuild();
    dir = await mkdtemp(join(tmpdir(), 'bookml-lost-'));
    home = join(dir, '.bookml');
  });
  afterAll(async () => {
    await stopExecutorsAndRemove(dir, home);
  });

  it('watch exits 2 with RUN_EXECUTOR_LOST and the resume command; `run executor` resumes the run', async () => {
    // An executor in the foreground, heartbeating well inside the watchers' timeout.
    const executor = start('run', 'executor', '--heartbeat-ms', '200');
    await until(() => (executor.out.stderr.includes(' started') ? true : undefined), 'the executor to start');

    const pidFile = join(dir, 'stall.pid');
    const submitted = start(
      'run',
      'submit',
      'stall',
      '-p',
      `pidFile=${pidFile}`,
      '--watch',
      '--executor-timeout-ms',
      TIMEOUT_MS,
    );
    const runId = await until(
      () => /^(\S+) submitted$/m.exec(submitted.out.stdout)?.[1],
      'submit to print the run ID',
    );
    await until(
      () => (existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '' ? true : undefined),
      'the slow step to start',
    );
    const stepPid = Number(readFileSync(pidFile, 'utf8'));

    // The executor and its step process die without a word (as on an OOM kill or a power cut).
    executor.child.kill('SIGKILL');
    await executor.done;
    try {
      process.kill(-stepPid, 'SIGKILL');
    } catch {
      // It may already have gone: a step kills its own group when its executor's channel closes.
    }

    const fromSubmit = await submitted.done;
    expect(fromSubmit.code).toBe(2);
    expect(fromSubmit.stderr).toContain('error RUN_EXECUTOR_LOST');
    expect(fromSubmit.stderr).toContain(`run ${runId} is Running`);
    expect(fromSubmit.stderr).toContain('`bookml run executor`');

    const watched = await bookml('run', 'watch', runId, '--executor-timeout-ms', TIMEOUT_MS, '--json');
    expect(watched.code).toBe(2);
    expect(JSON.parse(watched.stdout).error).toMatchObject({ code: 'RUN_EXECUTOR_LOST', field: 'executor' });

    // list and get mark the run.
    const listed = await json('run', 'list', '--executor-timeout-ms', TIMEOUT_MS);
    expect(listed.find((r: { id: string }) => r.id === runId)).toMatchObject({
      phase: 'Running',
      stale: true,
    });
    const table = await bookml('run', 'list', '--executor-timeout-ms', TIMEOUT_MS);
    expect(table.stdout).toMatch(new RegExp(`${runId}\\s+stall\\s+Running \\(no executor\\)`));
    expect(await json('run', 'get', runId, '--executor-timeout-ms', TIMEOUT_MS)).toMatchObject({
      phase: 'Running',
      stale: true,
    });
    const got = await bookml('run', 'get', runId, '--executor-timeout-ms', TIMEOUT_MS);
    expect(got.stdout).toMatch(/Phase:\s+Running \(no executor; resume with `bookml run executor`\)/);

    // The resume command the error gave: the new generation declares the lost attempt orphaned and
    // retries it per the task's policy; the run finishes.
    const resumed = await bookml('run', 'executor', '--idle-exit-ms', '500');
    expect(resumed.code).toBe(0);
    const view = await json('run', 'get', runId);
    expect(view).toMatchObject({ phase: 'Succeeded', stale: false });
    expect(view.nodes[0]).toMatchObject({
      id: 'stall',
      phase: 'Succeeded',
      attempts: 2,
      outputs: { params: { attempt: 1 } },
      lastError: { code: 'STEP_ORPHANED' },
    });
    const again = await bookml('run', 'watch', runId);
    expect(again.code).toBe(0);
  });
});
