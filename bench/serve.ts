import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { codeVersion, resolveWorkspace } from '../src/core/index.js';
import { parseMapping, readInteractionsFile } from '../src/data/index.js';
import {
  type ModelPointer,
  readBundle,
  saveLatestModel,
  trainItemKnn,
  writeModelPointer,
  writeNeighboursCsv,
} from '../src/model/index.js';
import { FsArtifactStore } from '../src/store/index.js';
import { median, printTable, runProcess } from './measure.js';
import { peersDir, repoRoot, SYSTEM_PYTHON } from './paths.js';

const WRK = '/usr/bin/wrk';
export const BOOKS = 10_000;
export const K = 10;

/** What wrk reports for one run. */
interface WrkResult {
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  /** Server CPU (user + system, every process of its group) per request, µs; set by the head-to-head runs. */
  cpuUsPerRequest?: number;
}

/** CPU ticks (1/100 s) used so far by every process in a process group (a server and its workers). */
function groupCpuTicks(pgid: number): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields after the name: state(3) ppid(4) pgrp(5) … utime(14) stime(15), 1-based.
      if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // the process ended while we looked
    }
  }
  return ticks;
}

function toMs(v: string, unit: string): number {
  const x = Number(v);
  return unit === 'us' ? x / 1000 : unit === 's' ? x * 1000 : unit === 'm' ? x * 60_000 : x;
}

/** Parse wrk's `--latency` output. */
export function parseWrk(out: string): WrkResult {
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    return m ? toMs(m[1], m[2]) : Number.NaN;
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requestsPerS: rps ? Number(rps[1]) : Number.NaN,
    p50Ms: pct('50'),
    p99Ms: pct('99'),
    requests: total ? Number(total[1]) : 0,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

async function wrk(port: number, seconds: number): Promise<WrkResult> {
  const run = await runProcess(
    WRK,
    [
      '-t2',
      '-c32',
      `-d${seconds}s`,
      '--latency',
      '-s',
      join(peersDir, 'wrk_recommend.lua'),
      `http://127.0.0.1:${port}`,
    ],
    { env: { ...process.env, BOOKS: String(BOOKS), K: String(K) } },
  );
  return parseWrk(run.stdout);
}

/** A server child in its own process group, so workers go down with it. */
function startServer(cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let err = '';
  child.stderr?.on('data', (d) => {
    err = (err + d).slice(-4000);
  });
  child.on('exit', (code) => {
    if (code) console.error(`${basename(cmd)} exited ${code}: ${err}`);
  });
  return child;
}

async function stopServer(child: ChildProcess): Promise<void> {
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  if (gone() || child.pid === undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid, 'SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (gone()) return;
  process.kill(-child.pid, 'SIGKILL');
  // The next contender listens on the same port: wait until this one has let it go.
  await exited;
}

async function waitReady(port: number, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server on ${port} did not become ready`);
}

/** 10,000 books from the seed stack's generator (with its catalogue), cached between runs. */
export async function benchData(): Promise<{ lines: string; books: string }> {
  const dir = join(tmpdir(), 'bookml-bench-data');
  mkdirSync(dir, { recursive: true });
  const lines = join(dir, `serve-interactions-30000-${BOOKS}-500000.csv`);
  const books = join(dir, `serve-books-${BOOKS}.csv`);
  if (!existsSync(lines) || !existsSync(books)) {
    console.error('generating 500,000 lines over 10,000 books with the peer generator…');
    await runProcess(SYSTEM_PYTHON, [
      join(peersDir, 'gen_interactions.py'),
      ...['--customers', '30000', '--books', String(BOOKS), '--lines', '500000', '--seed', '42'],
      ...['--out', lines, '--books-out', books],
    ]);
  }
  return { lines, books };
}

/** Train `count` (≤ 2) versions into a workspace's artifact store (the second for hot swaps); returns their pointers and folders. */
export async function trainBenchModels(ws: string, files: { lines: string; books: string }, count = 2) {
  const loaded = await readInteractionsFile(files.lines, parseMapping('customer=customer_id,item=book_id'), {
    books: files.books,
  });
  const paths = resolveWorkspace(ws);
  const artifacts = await FsArtifactStore.open(paths.artifactsDir);
  const saved: { pointer: ModelPointer; dir: string }[] = [];
  for (const similarity of (['cosine', 'jaccard'] as const).slice(0, count)) {
    const knn = await trainItemKnn(loaded.interactions, { similarity, k: 20 });
    const { pointer } = await saveLatestModel(paths, artifacts, {
      model: knn,
      itemIds: loaded.interactions.itemIds,
      itemIdsNumeric: loaded.interactions.itemIdsNumeric,
      title: loaded.catalogue.title,
      author: loaded.catalogue.author,
      dataset: { hash: loaded.manifest.hash, uri: loaded.manifest.source.uri },
      code: codeVersion(),
      createdAt: new Date(Date.UTC(2026, 0, saved.length + 1)).toISOString(),
    });
    saved.push({ pointer, dir: await artifacts.getDir(pointer.sha256) });
  }
  return saved;
}

/** Point models/latest.json at a stored model, atomically (what `bookml train` does). */
async function moveLatest(ws: string, pointer: ModelPointer): Promise<void> {
  await writeModelPointer(join(ws, 'models'), pointer);
}

interface Row {
  server: string;
  workers: number;
  result: WrkResult;
}

/** Mean size of bookml's answer body over the first 200 books wrk asks for (the bare servers' body). */
async function meanAnswerBytes(port: number): Promise<number> {
  let total = 0;
  const n = 200;
  for (let i = 1; i <= n; i++) {
    const book = 1 + ((i * 7919) % BOOKS);
    total += (await (await fetch(`http://127.0.0.1:${port}/recommend?book_id=${book}&k=${K}`)).arrayBuffer())
      .byteLength;
  }
  return Math.round(total / n);
}

/** The A/A control's name: the bare `node:http` server measured a second time in each round. */
const CONTROL = 'bare node:http (A/A)';

/**
 * `npm run bench -- serve [--seconds N] [--swap-seconds N] [--rounds N] [--no-peer] [--no-swap] [--no-control]
 * [--sample-rate R] [--header-variant]`: wrk against
 * `/recommend` (k=10, a different book per request) on a 10,000-book model, bookml beside the seed
 * stack's FastAPI predictor serving the same neighbours with 1 and 2 workers; then a load run with a
 * hot swap every 2 s. bookml runs with its production defaults (every answer in the prediction log,
 * metrics on); `--sample-rate` is for a diagnostic run only, as is `--header-variant` (a bare
 * server that also sends bookml's two version headers). The head-to-head includes an A/A control
 * (the bare server measured twice; `--no-control` leaves it out) whose spread is the noise floor.
 */
export async function benchServe(args: string[]): Promise<object> {
  const arg = (name: string, d: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : d;
  };
  const seconds = Math.min(30, Math.max(5, arg('--seconds', 10)));
  const swapSeconds = Math.min(30, Math.max(10, arg('--swap-seconds', 30)));
  const withPeer = !args.includes('--no-peer') && peerAvailable();
  const rounds = Math.min(9, Math.max(1, arg('--rounds', 3)));
  const withSwap = !args.includes('--no-swap');
  const withControl = !args.includes('--no-control');
  // bookml runs with its production defaults (the prediction log samples every answer) unless told.
  const sampleRate = args.includes('--sample-rate') ? arg('--sample-rate', 1) : null;
  const sampling = sampleRate === null ? [] : ['--sample-rate', String(sampleRate)];
  if (!existsSync(WRK)) throw new Error('wrk is not installed: apt-get install -y wrk');
  const ws = join(tmpdir(), `bookml-bench-serve-${process.pid}`);
  rmSync(ws, { recursive: true, force: true });
  const files = await benchData();
  console.error('training two 10,000-book models…');
  const [first, second] = await trainBenchModels(ws, files);
  await moveLatest(ws, first.pointer);
  const csv = join(ws, 'neighbours.csv');
  await writeNeighboursCsv(readBundle(first.dir, { verify: false }), csv);
  const cli = join(repoRoot, 'dist', 'cli', 'main.js');
  const env = { ...process.env, BOOKML_HOME: ws };
  const port = 18_000 + (process.pid % 1000);
  const rows: Row[] = [];

  const measure = async (
    server: string,
    workers: number,
    cmd: string,
    cmdArgs: string[],
    probe?: () => Promise<void>,
  ) => {
    console.error(`${server} (${workers} worker${workers > 1 ? 's' : ''}): wrk ${seconds}s…`);
    const child = startServer(cmd, cmdArgs, env);
    try {
      await waitReady(port);
      await probe?.();
      await wrk(port, 2); // warm-up: JIT, connection pools
      rows.push({ server, workers, result: await wrk(port, seconds) });
    } finally {
      await stopServer(child);
    }
  };

  const ours = ['serve', '--model', first.dir, ...sampling];
  // Head to head: bookml and the two ceilings are measured in interleaved rounds, so a neighbour's
  // load on the shared cores hits them alike; the median round counts. Each contender runs alone
  // for its slot (started, warmed, measured, stopped): an idle server beside it is not part of what
  // is compared, and its timers and memory cost the measured one (more for the larger process).
  // CPU µs per request (the server's process group, from /proc) is the steadier figure on a
  // loaded machine: at the limit, requests/s ∝ 1 / CPU per request.
  const bare = join(repoRoot, 'dist-bench', 'bench', 'bare-server.js');
  const contenders: { server: string; workers: number }[] = [
    { server: 'bookml', workers: 1 },
    { server: 'bookml', workers: 2 },
    { server: 'bare node:http', workers: 1 },
    { server: 'bare Fastify', workers: 1 },
    ...(args.includes('--header-variant') ? [{ server: 'bare node:http + 2 headers', workers: 1 }] : []),
    // An A/A control: the same bare server again. Its ratio to the first is pure noise, so its
    // spread says how large a difference this machine can show at all.
    ...(withControl ? [{ server: CONTROL, workers: 1 }] : []),
  ];
  let bodyBytes = 0;
  const launch = (c: (typeof contenders)[number]): ChildProcess => {
    if (c.server === 'bookml') {
      const extra = c.workers > 1 ? ['--workers', String(c.workers)] : [];
      return startServer(process.execPath, [cli, ...ours, '--port', String(port), ...extra], env);
    }
    const kind =
      c.server === 'bare node:http' || c.server === CONTROL
        ? 'node'
        : c.server === 'bare Fastify'
          ? 'fastify'
          : 'node-headers';
    return startServer(process.execPath, [bare, kind, String(port), String(bodyBytes)], env);
  };
  const sizing = launch(contenders[0]);
  try {
    await waitReady(port);
    bodyBytes = await meanAnswerBytes(port);
  } finally {
    await stopServer(sizing);
  }
  const runs = new Map<(typeof contenders)[number], WrkResult[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const c of contenders) {
      console.error(`round ${round}/${rounds}: ${c.server} (${c.workers}w) wrk ${seconds}s…`);
      const child = launch(c);
      try {
        await waitReady(port);
        await wrk(port, 2); // warm-up: JIT, answer bytes, connection pools
        const pgid = child.pid ?? 0;
        const before = groupCpuTicks(pgid);
        const r = await wrk(port, seconds);
        r.cpuUsPerRequest = ((groupCpuTicks(pgid) - before) * 10_000) / Math.max(1, r.requests);
        runs.set(c, [...(runs.get(c) ?? []), r]);
      } finally {
        await stopServer(child);
      }
    }
  }
  for (const c of contenders) {
    const rs = [...(runs.get(c) ?? [])].sort((a, b) => a.requestsPerS - b.requestsPerS);
    const mid = rs[rs.length >> 1];
    rows.push({
      server: c.server,
      workers: c.workers,
      result: { ...mid, cpuUsPerRequest: median(rs.map((r) => r.cpuUsPerRequest ?? Number.NaN)) },
    });
  }
  // The ratio per round too: on a noisy machine its spread says how far one figure can be trusted.
  const perRound = (name: string) =>
    (runs.get(contenders.find((c) => c.server === name && c.workers === 1)!) ?? []).map(
      (r) => r.requestsPerS,
    );
  const bookmlRounds = perRound('bookml');
  const bareRounds = perRound('bare node:http');
  const roundRatios = bookmlRounds.map((b, i) => b / bareRounds[i]).sort((a, b) => a - b);
  const controlRounds = perRound(CONTROL);
  const controlRatios = controlRounds.map((b, i) => b / bareRounds[i]).sort((a, b) => a - b);
  for (const workers of withPeer ? [1, 2] : []) {
    await measure('peer FastAPI', workers, SYSTEM_PYTHON, [
      join(peersDir, 'peer_serve.py'),
      ...['--neighbours', csv, '--books', files.books, '--port', String(port), '--workers', String(workers)],
    ]);
  }

  // Hot swap every 2 s under load: the served version alternates between the two models.
  let swap: Row | null = null;
  let swaps = 0;
  let loads = 0;
  if (withSwap) {
    console.error(`bookml hot swap every 2 s: wrk ${swapSeconds}s…`);
    const child = startServer(
      process.execPath,
      [cli, 'serve', '--port', String(port), '--poll-ms', '200', ...sampling],
      env,
    );
    try {
      await waitReady(port);
      await wrk(port, 2);
      const timer = setInterval(() => {
        swaps++;
        moveLatest(ws, (swaps % 2 === 1 ? second : first).pointer).catch((e) => console.error(e));
      }, 2000);
      const result = await wrk(port, swapSeconds);
      clearInterval(timer);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const m = /bookml_serve_model_loads_total\{role="primary",result="success"\} (\d+)/.exec(metrics);
      loads = m ? Number(m[1]) - 1 : 0;
      swap = { server: 'bookml + hot swap/2 s', workers: 1, result };
    } finally {
      await stopServer(child);
    }
  }
  rmSync(ws, { recursive: true, force: true });

  const peer1 =
    rows.find((r) => r.server.startsWith('peer') && r.workers === 1)?.result.requestsPerS ?? Number.NaN;
  const peerBest = Math.max(
    ...rows.filter((r) => r.server.startsWith('peer')).map((r) => r.result.requestsPerS),
  );
  console.log(
    `\nserve: wrk -t2 -c32 -d${seconds}s, GET /recommend k=${K}, random book of ${BOOKS} (peers/wrk_recommend.lua); 2 shared cores; prediction log sample rate ${sampleRate ?? '1 (default)'}`,
  );
  printTable(
    [
      'server',
      'workers',
      'requests/s',
      'p50 ms',
      'p99 ms',
      'non-2xx',
      'socket errors',
      'CPU µs/req',
      'vs peer 1w',
    ],
    [...rows, ...(swap ? [swap] : [])].map((r) => [
      r.server,
      r.workers,
      Math.round(r.result.requestsPerS),
      r.result.p50Ms.toFixed(2),
      r.result.p99Ms.toFixed(2),
      r.result.non2xx,
      r.result.socketErrors,
      r.result.cpuUsPerRequest === undefined ? '-' : r.result.cpuUsPerRequest.toFixed(1),
      Number.isNaN(peer1) ? '-' : `${(r.result.requestsPerS / peer1).toFixed(1)}×`,
    ]),
  );
  if (swap)
    console.log(`hot swap: ${swaps} moves of latest.json, ${loads} reloads during a ${swapSeconds}s run`);
  const bookml = rows.find((r) => r.server === 'bookml' && r.workers === 1)?.result;
  const bookml2 = rows.find((r) => r.server === 'bookml' && r.workers === 2)?.result;
  if (bookml && bookml2)
    console.log(
      `bookml 2 workers / 1 worker = ${(bookml2.requestsPerS / bookml.requestsPerS).toFixed(2)} (wrk shares the 2 cores)`,
    );
  const bareNode = rows.find((r) => r.server === 'bare node:http')?.result;
  const bareFastify = rows.find((r) => r.server === 'bare Fastify')?.result;
  if (bookml && bareNode) {
    console.log(
      `bookml / bare node:http = ${(bookml.requestsPerS / bareNode.requestsPerS).toFixed(2)} by requests/s, ${((bareNode.cpuUsPerRequest ?? Number.NaN) / (bookml.cpuUsPerRequest ?? Number.NaN)).toFixed(2)} by CPU per request (body ${bodyBytes} bytes)` +
        (bareFastify
          ? `; bookml / bare Fastify = ${(bookml.requestsPerS / bareFastify.requestsPerS).toFixed(2)}`
          : ''),
    );
    console.log(
      `bookml / bare node:http round by round: ${roundRatios.map((r) => r.toFixed(2)).join(', ')} (sorted; each server alone on the cores for its slot)`,
    );
  }
  if (controlRatios.length > 0)
    console.log(
      `A/A control, the same bare server twice, round by round: ${controlRatios.map((r) => r.toFixed(2)).join(', ')} (sorted; ideally all 1.00: a bookml / bare ratio inside this spread cannot be told from noise)`,
    );
  const bareHeaders = rows.find((r) => r.server === 'bare node:http + 2 headers')?.result;
  if (bareHeaders && bareNode)
    console.log(
      `bare node:http + bookml's 2 headers / bare node:http = ${(bareHeaders.requestsPerS / bareNode.requestsPerS).toFixed(2)} by requests/s, ${((bareNode.cpuUsPerRequest ?? Number.NaN) / (bareHeaders.cpuUsPerRequest ?? Number.NaN)).toFixed(2)} by CPU per request`,
    );
  return {
    bench: 'serve',
    setup: {
      books: BOOKS,
      k: K,
      wrk: `-t2 -c32 -d${seconds}s`,
      predictionLogSampleRate: sampleRate ?? 'default (1)',
    },
    results: rows.map((r) => ({ server: r.server, workers: r.workers, ...r.result })),
    hotSwap: swap ? { ...swap.result, seconds: swapSeconds, moves: swaps, reloads: loads } : null,
    bareBodyBytes: bodyBytes,
    ratios: bookml
      ? {
          vsPeerOneWorker: bookml.requestsPerS / peer1,
          vsPeerBest: bookml.requestsPerS / peerBest,
          vsBareNode: bareNode ? bookml.requestsPerS / bareNode.requestsPerS : null,
          vsBareNodeByCpu:
            bareNode?.cpuUsPerRequest && bookml.cpuUsPerRequest
              ? bareNode.cpuUsPerRequest / bookml.cpuUsPerRequest
              : null,
          twoWorkersVsOne: bookml2 ? bookml2.requestsPerS / bookml.requestsPerS : null,
          vsBareFastify: bareFastify ? bookml.requestsPerS / bareFastify.requestsPerS : null,
          vsBareNodeByRound: roundRatios,
          controlByRound: controlRatios,
        }
      : null,
  };
}

/** The FastAPI peer needs Debian's fastapi and uvicorn; without them its rows are left out, saying why. */
function peerAvailable(): boolean {
  const probe = spawnSync(SYSTEM_PYTHON, ['-c', 'import fastapi, uvicorn'], { stdio: 'ignore' });
  if (probe.status === 0) return true;
  console.error(
    `peer FastAPI skipped: ${SYSTEM_PYTHON} cannot import fastapi and uvicorn (apt-get install -y python3-fastapi python3-uvicorn)`,
  );
  return false;
}
