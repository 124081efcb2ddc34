import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { signedWebhookHeaders } from '../src/triggers/index.js';
import { median, printTable } from './measure.js';
import { repoRoot } from './paths.js';

/**
 * `npm run bench -- loop`: how fast the loop reacts. `bookml up` runs on a temporary workspace; each
 * sample sends one signed `dataset-ready` webhook naming an export folder and measures, on this machine's
 * clock, from sending the request to the triggered run's start (phase Running) — the webhook, the event
 * bus, the sensor's decision, the run's creation and the executor picking it up. Runs are let finish
 * between samples, so each one starts on an idle executor.
 */
const BIN = join(repoRoot, 'dist', 'cli', 'main.js');

function cli<T>(home: string, args: string[]): T {
  const r = spawnSync(process.execPath, [BIN, ...args, '--json'], {
    env: { ...process.env, BOOKML_HOME: home },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`bookml ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

async function until<T>(check: () => T | undefined, timeoutMs = 180_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function benchLoop(args: string[]): Promise<object> {
  const samples = Number(args.find((a) => a.startsWith('--samples='))?.slice(10) ?? 5);
  const root = mkdtempSync(join(tmpdir(), 'bookml-bench-loop-'));
  const home = join(root, '.bookml');
  let up: ChildProcess | undefined;
  try {
    const exportDir = join(root, 'export');
    spawnSync(process.execPath, [BIN, 'data', 'generate', '--seed', '11', '--out', exportDir], {
      env: { ...process.env, BOOKML_HOME: home },
    });
    const child = spawn(
      process.execPath,
      [BIN, 'up', '--port', '0', '--api-port', '0', '--webhook-port', '0', '--json'],
      {
        env: { ...process.env, BOOKML_HOME: home, BOOKML_USER: 'bench' },
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    up = child;
    const info = await new Promise<{ webhook: { url: string } }>((res, rej) => {
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (l) =>
        res(JSON.parse(l)),
      );
      child.once('exit', (code) => rej(new Error(`bookml up exited ${code}`)));
    });
    const secret = readFileSync(join(home, 'webhook-secret'), 'utf8').trim();
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const body = JSON.stringify({ dataset_uri: `file://${exportDir}` });
      const sent = Date.now();
      const res = await fetch(`${info.webhook.url}/recommender-dataset-ready`, {
        method: 'POST',
        headers: signedWebhookHeaders(secret, body, sent),
        body,
      });
      const { event_id } = (await res.json()) as { event_id: string };
      const decision = await until(() =>
        cli<Array<{ eventId: string | null; runId: string | null }>>(home, [
          'events',
          'list',
          '--limit',
          '5',
        ]).find((d) => d.eventId === event_id && d.runId !== null),
      );
      const run = await until(() => {
        const r = cli<{ phase: string; startedAt: number | null }>(home, [
          'run',
          'get',
          decision.runId ?? '',
        ]);
        return r.phase === 'Pending' || r.phase === 'Running' ? undefined : r;
      });
      if (run.startedAt !== null) latencies.push(run.startedAt - sent);
    }
    const row = {
      samples: latencies.length,
      medianMs: median(latencies),
      maxMs: Math.max(...latencies),
      targetMs: 200,
    };
    printTable(
      ['webhook accepted → run Running', 'samples', 'median ms', 'max ms', 'target ms'],
      [
        [
          'signed dataset-ready, bookml up',
          row.samples,
          row.medianMs.toFixed(0),
          row.maxMs.toFixed(0),
          row.targetMs,
        ],
      ],
    );
    return { webhookToRunning: row, latenciesMs: latencies };
  } finally {
    up?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 2000));
    rmSync(root, { recursive: true, force: true });
  }
}
