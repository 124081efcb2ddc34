import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMetadataDb, RunStore, resolveWorkspace } from '../src/store/index.js';
import { CLI, FIXTURES_URL, requireBuild, stopExecutorsAndRemove } from './fixtures/pipelines/harness.js';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `bookml run …`, `bookml lineage`, `bookml step` through real argv on the built CLI. */
describe('bookml run', () => {
  let dir: string;
  let home: string;
  const bookml = (...args: string[]): Promise<Result> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, '--home', home, ...args], {
        // USER and BOOKML_USER claim someone else: the submitter is still the OS user.
        env: { ...process.env, BOOKML_PIPELINES: FIXTURES_URL, USER: 'mallory', BOOKML_USER: 'mallory' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const json = async (...args: string[]) => {
    const r = await bookml(...args, '--json');
    return { ...r, body: JSON.parse(r.stdout) };
  };

  beforeAll(async () => {
    requireBuild();
    dir = await mkdtemp(join(tmpdir(), 'bookml-run-cli-'));
    home = join(dir, '.bookml');
  });
  afterAll(async () => {
    await stopExecutorsAndRemove(dir, home);
  });

  let first: string;

  it('submit --watch runs the DAG; a second identical submit is served from cache', async () => {
    const a = await json('run', 'submit', 'chain', '-p', 'text=hi', '--watch');
    expect(a.code).toBe(0);
    expect(a.body).toMatchObject({ pipeline: 'chain', phase: 'Succeeded', parameters: { text: 'hi' } });
    // The submitter of record is the OS user, whatever USER and BOOKML_USER claim.
    const db = await openMetadataDb({ workspace: resolveWorkspace(home), env: {} });
    try {
      expect((await new RunStore(db).getRun(a.body.id))?.submittedBy).toBe(`local:${userInfo().username}`);
    } finally {
      await db.close();
    }
    first = a.body.id;
    const b = await json('run', 'submit', 'chain', '-p', 'text=hi', '--watch');
    expect(b.body.phase).toBe('Succeeded');
    expect(b.body.cacheHits).toBe(3);
    const text = await bookml('run', 'get', '@latest');
    expect(text.stdout).toMatch(/✔ make\s+Cached\s+.*from chain-/);
    const hit = await json('run', 'explain', '@latest', 'make');
    expect(hit.body).toMatchObject({ outcome: 'hit', source: { runId: first, nodeId: 'make' } });
  });

  it('list, get, logs and lineage, with --json', async () => {
    const list = await json('run', 'list');
    expect(list.body.map((r: { id: string }) => r.id)).toContain(first);
    const got = await json('run', 'get', first);
    expect(got.body.nodes.map((n: { id: string }) => n.id)).toEqual(['make', 'shout', 'measure', 'finish']);
    const logs = await bookml('run', 'logs', first, '--node', 'make');
    expect(logs.stdout).toContain('INFO making {"text":"hi"}');
    const all = await bookml('run', 'logs', first);
    expect(all.stdout).toMatch(/^make: --- make attempt 1 started/m);
    const lineage = await json('lineage', first);
    expect(lineage.body.run).toMatchObject({ id: first, pipeline: 'chain', parameters: { text: 'hi' } });
    const file = lineage.body.nodes.find((n: { nodeId: string }) => n.nodeId === 'make').outputs[0].sha256;
    const art = await json('lineage', file.slice(0, 12));
    expect(art.body.chain[0]).toMatchObject({ runId: first, nodeId: 'make' });
    expect(art.body.usedBy.map((u: { nodeId: string }) => u.nodeId)).toContain('shout');
  });

  it('names unknown parameters with the valid ones, and bad values with field and reason', async () => {
    const unknown = await json('run', 'submit', 'chain', '-p', 'txt=hi');
    expect(unknown.code).not.toBe(0);
    expect(unknown.body.error).toMatchObject({ code: 'PIPELINE_UNKNOWN_PARAM', field: 'txt' });
    expect(unknown.body.error.message).toContain('text, marker');
    const bad = await json('run', 'submit', 'sweep', '-p', 'seed=abc');
    expect(bad.body.error).toMatchObject({ code: 'PIPELINE_INVALID_PARAM', field: 'seed' });
    const nope = await json('run', 'submit', 'nope');
    expect(nope.body.error.code).toBe('RUN_PIPELINE_NOT_FOUND');
    expect(nope.body.error.message).toContain('chain');
    const missing = await json('run', 'get', 'no-such-run');
    expect(missing.body.error.code).toBe('RUN_NOT_FOUND');
    const finished = await json('run', 'stop', first);
    expect(finished.body.error.code).toBe('RUN_ALREADY_FINISHED');
  });

  it('resubmit with a new parameter, then delete a run', async () => {
    const r = await json('run', 'resubmit', first, '-p', 'text=hey', '--watch');
    expect(r.body).toMatchObject({ phase: 'Succeeded', resubmitOf: first, parameters: { text: 'hey' } });
    const del = await json('run', 'delete', first);
    expect(del.body).toEqual({ id: first, deleted: true });
    expect((await json('run', 'get', first)).body.error.code).toBe('RUN_NOT_FOUND');
  });

  it('bookml step runs one step as an Argo container would, with its exit codes', async () => {
    const out = join(dir, 'outputs');
    const ok = await bookml('step', 'make', '--pipeline', 'chain', '--param', 'text=yo', '--outputs', out);
    expect(ok.code).toBe(0);
    expect(readFileSync(join(out, 'length'), 'utf8')).toBe('2');
    expect(readFileSync(join(out, 'file'), 'utf8')).toBe('yo\n');
    const gate = await bookml(
      'step',
      'gate',
      '--pipeline',
      'flaky',
      '--param',
      'pass=false',
      '--outputs',
      join(dir, 'o2'),
    );
    expect(gate.code).toBe(2);
    expect(gate.stderr).toContain('FIXTURE_GATE_FAILED');
    const missing = await bookml('step', 'make', '--pipeline', 'chain', '--outputs', join(dir, 'o3'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('PIPELINE_MISSING_INPUT');
  });
});
