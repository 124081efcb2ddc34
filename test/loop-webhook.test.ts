import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { signedWebhookHeaders } from '../src/triggers/index.js';
import { bookmlBin, hasBuiltBin, runBuilt } from './fixtures/cli.js';

/**
 * The loop closes through `bookml up` (one process: executor, API, scheduler, sensors, webhook, serving)
 * on a temporary workspace: a signed webhook naming new data starts a run that finishes and moves
 * `staging`; unsigned, stale and replayed requests get 401 and start nothing; a redelivery (same
 * Idempotency-Key) is one event and one run; 5,000 unsigned requests start nothing while `/recommend`
 * keeps answering; an event accepted while `up` is down is acted on when it comes back.
 */
const home = mkdtempSync(join(tmpdir(), 'bookml-loop-'));
const ws = join(home, '.bookml');
const children: ChildProcess[] = [];

function stop(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => c.kill('SIGKILL'), 15_000);
    c.once('exit', () => {
      clearTimeout(force);
      done();
    });
    c.kill('SIGTERM');
  });
}

afterAll(async () => {
  await Promise.all(children.map(stop));
  rmSync(home, { recursive: true, force: true });
});

interface UpInfo {
  serve: { url: string; curl: string };
  api: { url: string };
  webhook: { url: string };
}

/** Start a long-running bookml command and resolve with its first JSON line on stdout. */
function startJson<T>(args: string[]): Promise<{ info: T; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [bookmlBin, ...args], {
    env: { ...process.env, BOOKML_HOME: ws },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  return new Promise((res, rej) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', (l) => res({ info: JSON.parse(l) as T, child, stderr: () => err }));
    child.once('exit', (code) => rej(new Error(`bookml ${args.join(' ')} exited ${code}:\n${err}`)));
  });
}

const secret = () => readFileSync(join(ws, 'webhook-secret'), 'utf8').trim();

function post(url: string, body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${url}/recommender-dataset-ready`, { method: 'POST', headers, body });
}

function cli<T>(...args: string[]): T {
  const r = runBuilt([...args, '--json'], { home: ws });
  if (r.status !== 0) throw new Error(`bookml ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

interface Decision {
  trigger: string;
  outcome: string;
  runId: string | null;
  eventId: string | null;
}

/** Wait (polling the CLI, bounded) until `check` returns a value. */
async function until<T>(what: string, check: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(!hasBuiltBin)('the loop through bookml up and the signed webhook', () => {
  it('new data → run → staging; bad signatures start nothing; redelivery is one run; floods do not hurt', async () => {
    // New data, written as an export folder (the four dataset files) the webhook will name.
    const exportDir = join(home, 'export-seed-7');
    expect(runBuilt(['data', 'generate', '--seed', '7', '--out', exportDir], { home: ws }).status).toBe(0);

    const up = await startJson<UpInfo>([
      'up',
      '--port',
      '0',
      '--api-port',
      '0',
      '--webhook-port',
      '0',
      '--json',
    ]);
    const { webhook, serve } = up.info;
    expect((await fetch(serve.curl.match(/'([^']+)'/)?.[1] ?? '')).status).toBe(200);
    const firstStaging = cli<{ aliases: Record<string, number> }>('model', 'get', 'recommender').aliases
      .staging;

    // Unsigned, stale (6 minutes old) and replayed requests: 401 each, and nothing published.
    const body = JSON.stringify({ dataset_uri: `file://${exportDir}` });
    expect((await post(webhook.url, body, { 'content-type': 'application/json' })).status).toBe(401);
    const stale = signedWebhookHeaders(secret(), body, Date.now() - 6 * 60_000);
    expect((await post(webhook.url, body, stale)).status).toBe(401);

    const signed = {
      ...signedWebhookHeaders(secret(), body, Date.now()),
      'idempotency-key': 'export-seed-7',
    };
    const accepted = await post(webhook.url, body, signed);
    expect(accepted.status).toBe(202);
    const { event_id } = (await accepted.json()) as { event_id: string };
    expect((await post(webhook.url, body, signed)).status).toBe(401); // the same signature again: a replay
    // A redelivery with a fresh signature and the same Idempotency-Key: the same event, no second run.
    const again = {
      ...signedWebhookHeaders(secret(), body, Date.now() + 1000),
      'idempotency-key': 'export-seed-7',
    };
    const redelivered = await post(webhook.url, body, again);
    expect(redelivered.status).toBe(202);
    expect(((await redelivered.json()) as { event_id: string }).event_id).toBe(event_id);

    const fired = await until('the dataset-ready sensor to fire', () =>
      cli<Decision[]>('events', 'list', '--trigger', 'dataset-ready').find((d) => d.outcome === 'fired'),
    );
    expect(fired.eventId).toBe(event_id);
    const run = await until('the triggered run to finish', () => {
      const r = cli<{ phase: string; triggeredBy: string | null }>('run', 'get', fired.runId ?? '');
      return r.phase === 'Pending' || r.phase === 'Running' ? undefined : r;
    });
    expect(run.phase).toBe('Succeeded');
    expect(run.triggeredBy).toContain('dataset-ready');
    const staging = cli<{ aliases: Record<string, number> }>('model', 'get', 'recommender').aliases.staging;
    expect(staging).toBeGreaterThan(firstStaging);
    expect(cli<Decision[]>('events', 'list', '--trigger', 'dataset-ready')).toHaveLength(1);

    // A flood of unsigned requests starts nothing and serving keeps answering.
    const recommend = serve.curl.match(/'([^']+)'/)?.[1] ?? '';
    let accepted202 = 0;
    for (let i = 0; i < 50; i++) {
      const batch = await Promise.all(
        Array.from({ length: 100 }, () => post(webhook.url, body, { 'content-type': 'application/json' })),
      );
      accepted202 += batch.filter((r) => r.status !== 401).length;
      expect((await fetch(recommend)).status).toBe(200);
    }
    expect(accepted202).toBe(0);
    expect(cli<Decision[]>('events', 'list')).toHaveLength(1);

    // An event accepted while `up` is down (the webhook served alone) is acted on when `up` returns.
    await stop(up.child);
    const alone = await startJson<{ url: string }>(['events', 'serve', '--port', '0', '--json']);
    const later = body;
    const late = await post(alone.info.url, later, signedWebhookHeaders(secret(), later, Date.now()));
    expect(late.status).toBe(202);
    const lateId = ((await late.json()) as { event_id: string }).event_id;
    await stop(alone.child);
    await startJson<UpInfo>(['up', '--port', '0', '--api-port', '0', '--webhook-port', '0', '--json']);
    const decided = await until('the sensor to decide the event accepted while up was down', () =>
      cli<Decision[]>('events', 'list', '--trigger', 'dataset-ready').find((d) => d.eventId === lateId),
    );
    expect(decided.outcome).toBe('fired');
    // The same data never trains twice: the run finds every training step in the cache and registers
    // no new version (the sender may also name `dataset_hash`, which the sensor dedupes on).
    const rerun = await until('the second run to finish', () => {
      const r = cli<{ phase: string; cacheHits: number }>('run', 'get', decided.runId ?? '');
      return r.phase === 'Pending' || r.phase === 'Running' ? undefined : r;
    });
    expect(rerun.phase).toBe('Succeeded');
    expect(rerun.cacheHits).toBeGreaterThan(0);
    expect(cli<{ latestVersion: number }>('model', 'get', 'recommender').latestVersion).toBe(staging);
  }, 400_000);
});
