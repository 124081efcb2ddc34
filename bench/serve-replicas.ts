import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { trainItemKnn, writeBundle } from '../src/model/index.js';
import { type Actor, Registry } from '../src/registry/index.js';
import { openArtifactStore, resolveWorkspace } from '../src/store/index.js';
import { createTestDatabase, probePostgres } from '../src/store/test-databases.js';
import { median, printTable } from './measure.js';
import { repoRoot } from './paths.js';

const operator: Actor = { id: 'bench', roles: ['operator'] };
const ALIAS = 'replicas';
const REPLICAS = 3;
const MOVES = 6;

/** A small random model (the move's cost does not depend on its size here: the bundle is cached per version). */
async function bundle(dir: string, seed: number): Promise<void> {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const rows = 500;
  const books = 300;
  const rowOf: number[] = [];
  const itemOf: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < 8; t++) {
      rowOf.push(r);
      itemOf.push(Math.floor(rand() * rand() * books));
    }
  }
  const itemIds = Array.from({ length: books }, (_, i) => String(i + 1));
  const n = rowOf.length;
  const model = await trainItemKnn(
    {
      length: n,
      customer: Int32Array.from(rowOf),
      item: Int32Array.from(itemOf),
      basket: Int32Array.from(rowOf),
      time: new Float64Array(n),
      qty: new Int32Array(n).fill(1),
      itemIds,
      itemIdsNumeric: true,
      customerIds: Array.from({ length: rows }, (_, r) => `c${r}`),
      nBaskets: rows,
    },
    { k: 10 },
  );
  writeBundle(dir, {
    model,
    itemIds,
    itemIdsNumeric: true,
    title: itemIds.map((i) => `Title ${i}`),
    author: itemIds.map(() => 'A. Author'),
    dataset: { hash: `bench${seed}`, uri: 'bench:replicas' },
    code: { version: 'bench', gitSha: null },
    createdAt: '2026-01-01T00:00:00.000Z',
  });
}

/**
 * `npm run bench -- serve-replicas`: three `bookml serve` processes on one PostgreSQL registry and
 * one artifact store, one load generator round-robin over them; the alias is moved MOVES times and
 * each move is timed until every replica answers with the new version. Counts failed requests.
 * Moves reach the replicas by PostgreSQL NOTIFY; `--poll-ms N` (default 30000, the fallback) is
 * how often each replica re-reads the alias anyway (`--poll-ms 500` shows polling alone, with
 * notifications still on).
 */
export async function benchServeReplicas(args: string[]): Promise<object> {
  const i = args.indexOf('--poll-ms');
  const pollMs = i >= 0 ? Number(args[i + 1]) : 30_000;
  const down = await probePostgres();
  if (down !== undefined) {
    console.log(`serve-replicas: skipped — ${down}`);
    return { bench: 'serve-replicas', skipped: down };
  }
  const db = await createTestDatabase('postgres');
  const home = join(tmpdir(), `bookml-bench-replicas-${process.pid}`);
  const children: ChildProcess[] = [];
  try {
    const mdb = await db.open();
    const registry = new Registry(mdb);
    const artifacts = await openArtifactStore({ workspace: resolveWorkspace(home), env: {} });
    const versions: number[] = [];
    for (const seed of [1, 2]) {
      const dir = join(home, `bundle-${seed}`);
      await bundle(dir, seed);
      const stored = await artifacts.putDir(dir);
      const v = await registry.registerVersion({
        model: 'recommender',
        artifactUri: stored.uri,
        artifactHash: stored.sha256,
        metrics: { ndcg_at_10: 0.3, 'ndcg_at_10_vs_most-popular': 0.1, coverage: 0.4 },
        params: { similarity: 'cosine', k: 10 },
        lineage: {
          dataset: { uri: 'file:///d', hash: 'd'.repeat(64), validation: { pass: true, checks: [] } },
          evaluation: { split: 'last-basket', k: 10 },
        },
        actor: 'bench',
      });
      versions.push(v.version);
    }
    await registry.promote('recommender', versions[0], ALIAS, { actor: operator });
    const u = new URL(db.url);
    u.searchParams.set('options', `-c search_path=${db.schema}`);
    const cli = join(repoRoot, 'dist', 'cli', 'main.js');
    const urls = await Promise.all(
      Array.from({ length: REPLICAS }, () => {
        const c = spawn(
          process.execPath,
          [
            cli,
            'serve',
            ...['--model', `recommender@${ALIAS}`, '--port', '0', '--json', '--no-prediction-log'],
            ...['--poll-ms', String(pollMs)],
          ],
          {
            env: { ...process.env, BOOKML_HOME: home, BOOKML_DATABASE_URL: u.toString() },
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        children.push(c);
        const lines = createInterface({ input: c.stdout as NodeJS.ReadableStream });
        return new Promise<string>((res, rej) => {
          lines.once('line', (l) => res((JSON.parse(l) as { url: string }).url));
          c.once('exit', (code) => rej(new Error(`bookml serve exited ${code}`)));
        });
      }),
    );
    const last = urls.map(() => '');
    let failed = 0;
    let answered = 0;
    let stop = false;
    const client = async (n: number) => {
      for (let i = n; !stop; i++) {
        const r = i % urls.length;
        try {
          const res = await fetch(`${urls[r]}/recommend?book_id=${(i % 200) + 1}&k=5`);
          await res.arrayBuffer();
          if (res.status === 200) {
            answered++;
            last[r] = res.headers.get('x-bookml-model-version') ?? '';
          } else failed++;
        } catch {
          failed++;
        }
      }
    };
    const clients = Array.from({ length: 8 }, (_, n) => client(n));
    const reach = async (v: number) => {
      while (last.some((x) => x !== String(v))) await new Promise((r) => setTimeout(r, 5));
    };
    await reach(versions[0]);
    const times: number[] = [];
    const t0 = performance.now();
    for (let m = 1; m <= MOVES; m++) {
      const v = versions[m % 2];
      const at = performance.now();
      await registry.promote('recommender', v, ALIAS, { actor: operator });
      await reach(v);
      times.push(performance.now() - at);
    }
    const seconds = (performance.now() - t0) / 1000;
    stop = true;
    await Promise.all(clients);
    await mdb.close();
    console.log(
      `\nserve-replicas: ${REPLICAS} bookml serve on PostgreSQL + one artifact store (--poll-ms ${pollMs}), one load generator, ${MOVES} alias moves`,
    );
    printTable(
      ['replicas', 'moves', 'median move→all s', 'max move→all s', 'answers', 'failed', 'answers/s'],
      [
        [
          REPLICAS,
          MOVES,
          (median(times) / 1000).toFixed(2),
          (Math.max(...times) / 1000).toFixed(2),
          answered,
          failed,
          Math.round(answered / seconds),
        ],
      ],
    );
    return {
      bench: 'serve-replicas',
      replicas: REPLICAS,
      pollMs,
      moves: MOVES,
      moveMs: times,
      answered,
      failed,
    };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await db.dispose();
    rmSync(home, { recursive: true, force: true });
  }
}
