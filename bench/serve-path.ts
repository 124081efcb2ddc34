import { rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bundleDirSource, createServeServer, parseServeConfig } from '../src/serve/index.js';
import { median, printTable } from './measure.js';
import { BOOKS, benchData, K, trainBenchModels } from './serve.js';

/** Distinct request URLs cycled through (a power of two: the index is a mask). */
const URLS = 65_536;

/**
 * `npm run bench -- serve-path [--calls N] [--rounds N]`: what bookml's own code costs per
 * `GET /recommend` answer, in process, with Node's HTTP layer replaced by a response that only
 * counts what it is given — the same 10,000-book model and request mix as `serve` (random known
 * book, k=10). This figure does not move with a noisy neighbour the way a load test does, and it
 * bounds how much of the serve bench's CPU per request bookml's code can be: the rest is Node's
 * HTTP server and the kernel, which a bare `node:http` server pays too.
 */
export async function benchServePath(args: string[]): Promise<object> {
  const arg = (name: string, d: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : d;
  };
  const calls = Math.max(100_000, arg('--calls', 1_000_000));
  const rounds = Math.min(15, Math.max(3, arg('--rounds', 7)));
  const ws = join(tmpdir(), `bookml-bench-serve-path-${process.pid}`);
  rmSync(ws, { recursive: true, force: true });
  try {
    const [model] = await trainBenchModels(ws, await benchData());
    const rows: { what: string; ns: number[] }[] = [];
    for (const withLog of [true, false]) {
      const ns = await fastPathNs(model.dir, withLog, calls, rounds);
      rows.push({ what: withLog ? 'fast path, production defaults' : 'fast path, prediction log off', ns });
    }
    rows.push({
      what: 'performance.now() (the latency histogram reads it twice)',
      ns: clockNs(calls, rounds),
    });

    console.log(
      `\nserve-path: ${calls.toLocaleString('en-US')} answers a round, ${rounds} rounds, GET /recommend k=${K} on ${BOOKS} books; Node's HTTP layer replaced by a counting response`,
    );
    printTable(
      ['what', 'ns per call (median)', 'min', 'max'],
      rows.map((r) => [
        r.what,
        median(r.ns).toFixed(0),
        Math.min(...r.ns).toFixed(0),
        Math.max(...r.ns).toFixed(0),
      ]),
    );
    return {
      bench: 'serve-path',
      setup: { books: BOOKS, k: K, callsPerRound: calls, rounds },
      results: rows.map((r) => ({ what: r.what, nsMedian: median(r.ns), nsByRound: r.ns })),
    };
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
}

/** ns per `tryAnswer` over `rounds` rounds of `calls` answers (after a warm-up that fills the answer bytes). */
async function fastPathNs(dir: string, withLog: boolean, calls: number, rounds: number): Promise<number[]> {
  const discard = { write: async () => {}, close: async () => {} };
  const server = createServeServer({
    config: parseServeConfig({}),
    primary: bundleDirSource(dir),
    ...(withLog ? { predictionSink: discard } : {}),
  });
  await server.start();
  const fast = server.app.bookmlFast;
  if (fast === null) throw new Error('the fast path is off');
  let written = 0;
  const req = { method: 'GET', url: '', headers: {} } as unknown as IncomingMessage;
  const res = {
    writeHead: (_status: number, headers: string[]) => {
      written += headers.length;
    },
    end: (body: Buffer) => {
      written += body.length;
    },
  } as unknown as ServerResponse;
  // wrk's mix: uniform over 1..BOOKS; books the model does not know go to Fastify, so they are left out.
  const urls: string[] = [];
  let seed = 42;
  for (let tries = 0; urls.length < URLS && tries < URLS * 4; tries++) {
    seed = (seed * 1_103_515_245 + 12_345) >>> 0;
    const url = `/recommend?book_id=${1 + (seed % BOOKS)}&k=${K}`;
    (req as { url: string }).url = url;
    if (fast.tryAnswer(req, res)) urls.push(url);
  }
  if (urls.length < URLS) throw new Error(`only ${urls.length} of ${URLS} requests took the fast path`);
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      (req as { url: string }).url = urls[i & (URLS - 1)];
      fast.tryAnswer(req, res);
    }
  };
  run(calls); // warm-up: every answer's bytes built, the JIT settled
  const ns: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    run(calls);
    ns.push(Number(process.hrtime.bigint() - t0) / calls);
  }
  await server.app.close();
  if (written === 0) throw new Error('nothing was written');
  return ns;
}

function clockNs(calls: number, rounds: number): number[] {
  let sink = 0;
  const ns: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) sink += performance.now();
    if (r > 0) ns.push(Number(process.hrtime.bigint() - t0) / calls); // round 0 warms up
  }
  if (sink === 0) throw new Error('unreachable');
  return ns;
}
