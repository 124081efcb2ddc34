import { rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Rng } from '../src/core/index.js';
import {
  bundleDirSource,
  createServeServer,
  type PredictionBatch,
  parseServeConfig,
} from '../src/serve/index.js';
import { median, printTable } from './measure.js';
import { BOOKS, benchData, K, trainBenchModels } from './serve.js';

/** Distinct request URLs cycled through (a power of two: the index is a mask). */
const URLS = 65_536;

interface Row {
  what: string;
  wallNs: number[];
  cpuNs: number[];
}

/** How the prediction log runs: as shipped, off, or recording every answer. */
type LogMode = 'default' | 'off' | 'every';

const VARIANTS: { what: string; log: LogMode }[] = [
  // In process the fast path answers millions a second, so the 500-a-second cap records almost none.
  { what: 'fast path, production defaults (log at its per-second cap)', log: 'default' },
  { what: 'fast path, prediction log off', log: 'off' },
  { what: 'fast path, prediction log recording every answer', log: 'every' },
];

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
    const [model] = await trainBenchModels(ws, await benchData(), 1);
    const rows: Row[] = [];
    for (const v of VARIANTS)
      rows.push({ what: v.what, ...(await fastPathNs(model.dir, v.log, calls, rounds)) });
    rows.push({
      what: 'performance.now() (the latency histogram reads it twice)',
      ...clockNs(calls, rounds),
    });
    const asShipped = median(rows[0].wallNs);
    const perRecord = median(rows[2].wallNs) - median(rows[1].wallNs);

    console.log(
      `\nserve-path: ${calls.toLocaleString('en-US')} answers a round, ${rounds} rounds, GET /recommend k=${K} on ${BOOKS} books; Node's HTTP layer replaced by a counting response`,
    );
    printTable(
      ['what', 'ns per call (median)', 'min', 'max', 'CPU ns per call (median)'],
      rows.map((r) => [
        r.what,
        median(r.wallNs).toFixed(0),
        Math.min(...r.wallNs).toFixed(0),
        Math.max(...r.wallNs).toFixed(0),
        median(r.cpuNs).toFixed(0),
      ]),
    );
    // Every answer pays the log's sampling decision (in the first row); under load a server also
    // records maxPerSecond of its answers a second: at 30,000 requests/s, 500 of them are 1.7 %.
    const { maxPerSecond } = parseServeConfig({}).predictionLog;
    console.log(
      `a recorded answer costs ${perRecord.toFixed(0)} ns more than an unrecorded one (queued, batched, encoded to JSON lines); at production defaults a server answering R requests/s records ${maxPerSecond} / R of them: ${(asShipped + (perRecord * maxPerSecond) / 30_000).toFixed(0)} ns per answer at R = 30,000`,
    );
    return {
      bench: 'serve-path',
      setup: { books: BOOKS, k: K, callsPerRound: calls, rounds },
      results: rows.map((r) => ({
        what: r.what,
        nsMedian: median(r.wallNs),
        cpuNsMedian: median(r.cpuNs),
        nsByRound: r.wallNs,
      })),
      perRecordedAnswerNs: perRecord,
    };
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
}

/** ns per `tryAnswer` over `rounds` rounds of `calls` answers (after a warm-up that fills the answer bytes). */
async function fastPathNs(
  dir: string,
  log: LogMode,
  calls: number,
  rounds: number,
): Promise<Omit<Row, 'what'>> {
  // The sink encodes each batch as the JSON-lines file sink does, and drops the bytes.
  const encode = {
    write: async (batch: PredictionBatch) => {
      batch.jsonBytes?.() ?? batch.jsonLines();
    },
    close: async () => {},
  };
  const server = createServeServer({
    config: parseServeConfig(log === 'every' ? { predictionLog: { maxPerSecond: 0 } } : {}),
    primary: bundleDirSource(dir),
    ...(log === 'off' ? {} : { predictionSink: encode }),
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
  const rng = new Rng(42);
  for (let tries = 0; urls.length < URLS && tries < URLS * 4; tries++) {
    const url = `/recommend?book_id=${1 + rng.int(BOOKS)}&k=${K}`;
    (req as { url: string }).url = url;
    if (fast.tryAnswer(req, res)) urls.push(url);
  }
  if (urls.length < URLS) throw new Error(`only ${urls.length} of ${URLS} requests took the fast path`);
  const predictions = server.context.predictionLog;
  // In chunks the log's ring holds, each followed by the flush its timer would run on a server: a
  // recorded answer is paid for in full (queued, batched, encoded), not dropped for a full ring.
  const CHUNK = 8192;
  const run = async (n: number) => {
    for (let at = 0; at < n; at += CHUNK) {
      for (let i = at; i < at + CHUNK; i++) {
        (req as { url: string }).url = urls[i & (URLS - 1)];
        fast.tryAnswer(req, res);
      }
      await predictions?.flush();
    }
  };
  await run(calls); // warm-up: every answer's bytes built, the JIT settled
  const wallNs: number[] = [];
  const cpuNs: number[] = [];
  const n = Math.ceil(calls / CHUNK) * CHUNK;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await run(n);
    wallNs.push(Number(process.hrtime.bigint() - t0) / n);
    const c = process.cpuUsage(c0);
    cpuNs.push(((c.user + c.system) * 1000) / n);
  }
  await server.app.close();
  if (written === 0) throw new Error('nothing was written');
  return { wallNs, cpuNs };
}

function clockNs(calls: number, rounds: number): Omit<Row, 'what'> {
  let sink = 0;
  const wallNs: number[] = [];
  const cpuNs: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) sink += performance.now();
    if (r === 0) continue; // round 0 warms up
    wallNs.push(Number(process.hrtime.bigint() - t0) / calls);
    const c = process.cpuUsage(c0);
    cpuNs.push(((c.user + c.system) * 1000) / calls);
  }
  if (sink === 0) throw new Error('unreachable');
  return { wallNs, cpuNs };
}
