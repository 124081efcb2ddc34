import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/index.js';
import { BUNDLE_FORMAT_VERSION, trainParamsSchema, writeBundle } from '../src/model/index.js';
import { printTable } from './measure.js';
import { repoRoot } from './paths.js';

const K = 20;

/**
 * A synthetic model of `books` books with K neighbours each (random neighbours, scores falling
 * with rank): the shape and size of a real 1,000,000-book bundle without training on billions of
 * lines. Cached between runs.
 */
function bigBundle(books: number): string {
  const dir = join(tmpdir(), 'bookml-bench-data', `serve-big-f${BUNDLE_FORMAT_VERSION}-${books}-k${K}`);
  if (existsSync(join(dir, 'manifest.json'))) return dir;
  console.error(`writing a ${books.toLocaleString('en')}-book model (K=${K})…`);
  const rng = new Rng(42);
  const offsets = new Int32Array(books + 1);
  const neighbours = new Int32Array(books * K);
  const scores = new Float64Array(books * K);
  for (let i = 0; i < books; i++) {
    offsets[i + 1] = (i + 1) * K;
    let s = 0.2 + 0.8 * rng.next();
    for (let t = 0; t < K; t++) {
      let j = Math.floor(rng.next() * books);
      if (j === i) j = (j + 1) % books;
      neighbours[i * K + t] = j;
      scores[i * K + t] = s;
      s *= 0.9 + 0.09 * rng.next();
    }
  }
  const popularity = Int32Array.from({ length: books }, (_, i) => books - i);
  const popularOrder = Int32Array.from({ length: books }, (_, i) => i);
  const ids = Array.from({ length: books }, (_, i) => String(i + 1));
  writeBundle(dir, {
    model: {
      params: trainParamsSchema.parse({ k: K }),
      nItems: books,
      offsets,
      neighbours,
      scores,
      popularity,
      popularOrder,
      nRows: books * 10,
      nPairs: books * 30,
      pairUpdates: 0,
    },
    itemIds: ids,
    itemIdsNumeric: true,
    title: ids.map((id) => `The Book Number ${id}`),
    author: ids.map((id) => `Author ${Number(id) % 50_000}`),
    dataset: { hash: 'synthetic', uri: 'bench:serve-big' },
    code: { version: 'bench', gitSha: null },
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  return dir;
}

function rssMiB(pid: number): { rss: number; peak: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** CPU seconds (user + system) a process has used: the robust figure on a loaded machine. */
function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/**
 * `npm run bench -- serve-big [--books N]`: start `bookml serve --model DIR` on a 1,000,000-book,
 * K=20 bundle and report the model's load time (as `/ready` reports it: read, checksums, parse,
 * compile), the time from spawn to ready, and resident memory after 20,000 answers over random books.
 */
export async function benchServeBig(args: string[]): Promise<object> {
  const i = args.indexOf('--books');
  const books = i >= 0 ? Number(args[i + 1]) : 1_000_000;
  const dir = bigBundle(books);
  const cli = join(repoRoot, 'dist', 'cli', 'main.js');
  const port = 19_000 + (process.pid % 1000);
  const home = join(tmpdir(), `bookml-bench-big-${process.pid}`);
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--model', dir, '--port', String(port), '--no-prediction-log', '--poll-ms', '0'],
    { env: { ...process.env, BOOKML_HOME: home }, stdio: 'ignore' },
  );
  try {
    type Ready = { models: { loadMs: number; books: number }[] };
    let ready = null as Ready | null;
    while (ready === null) {
      if (child.exitCode !== null) throw new Error(`bookml serve exited ${child.exitCode}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/ready`);
        if (res.ok) ready = (await res.json()) as Ready;
      } catch {
        // not listening yet
      }
      if (ready === null) await new Promise((r) => setTimeout(r, 50));
    }
    const spawnToReadyS = (performance.now() - t0) / 1000;
    const atReady = rssMiB(child.pid as number);
    const cpuToReadyS = cpuSeconds(child.pid as number);
    const rng = new Rng(7);
    for (let n = 0; n < 20_000; n++) {
      const book = 1 + Math.floor(rng.next() * books);
      const res = await fetch(`http://127.0.0.1:${port}/recommend?book_id=${book}&k=10`);
      if (!res.ok) throw new Error(`answer ${res.status}`);
      await res.arrayBuffer();
    }
    const afterLoad = rssMiB(child.pid as number);
    const loadS = (ready?.models[0]?.loadMs ?? Number.NaN) / 1000;
    console.log(
      `\nserve-big: bookml serve --model DIR (checksums verified), ${books.toLocaleString('en')} books, K=${K}`,
    );
    printTable(
      [
        'books',
        'K',
        'model load s',
        'spawn→ready s',
        'CPU s to ready',
        'RSS at ready MiB',
        'RSS after 20k answers MiB',
        'peak RSS MiB',
      ],
      [
        [
          books,
          K,
          loadS.toFixed(2),
          spawnToReadyS.toFixed(2),
          cpuToReadyS.toFixed(2),
          Math.round(atReady.rss),
          Math.round(afterLoad.rss),
          Math.round(afterLoad.peak),
        ],
      ],
    );
    return {
      bench: 'serve-big',
      books,
      k: K,
      loadS,
      spawnToReadyS,
      cpuToReadyS,
      rssAtReadyMiB: atReady.rss,
      rssAfterAnswersMiB: afterLoad.rss,
      peakRssMiB: afterLoad.peak,
    };
  } finally {
    child.kill('SIGTERM');
    rmSync(home, { recursive: true, force: true });
  }
}
