import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastJson, median, printTable, runProcess } from './measure.js';
import { peersDir, repoRoot, SYSTEM_PYTHON } from './paths.js';
import { benchTrainScale } from './train-scale.js';

interface Size {
  name: string;
  customers: number;
  books: number;
  lines: number;
}

const SIZES: Size[] = [
  { name: 'example (5k lines)', customers: 800, books: 200, lines: 5_000 },
  { name: '2M lines', customers: 100_000, books: 10_000, lines: 2_000_000 },
];
const HUGE: Size = { name: '20M lines', customers: 1_000_000, books: 10_000, lines: 20_000_000 };

/** Same data for both trainers: the seed stack's own generator, cached between runs. */
async function dataFor(size: Size): Promise<string> {
  const dir = join(tmpdir(), 'bookml-bench-data');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `interactions-${size.customers}-${size.books}-${size.lines}.csv`);
  if (!existsSync(file)) {
    console.error(`generating ${size.name} with the peer's generator…`);
    await runProcess(SYSTEM_PYTHON, [
      join(peersDir, 'gen_interactions.py'),
      '--customers',
      String(size.customers),
      '--books',
      String(size.books),
      '--lines',
      String(size.lines),
      '--seed',
      '42',
      '--out',
      file,
    ]);
  }
  return file;
}

/**
 * `npm run bench -- train [--runs N] [--huge]`: bookml vs the scikit-learn peer, whole processes.
 * `--scale`: training from 2M to 100M lines, sharded and not (`train-scale.ts`, bench/results/train-scale.json).
 */
export async function benchTrain(args: string[]): Promise<object> {
  if (args.includes('--scale')) return benchTrainScale(args);
  const runs = Number(args[args.indexOf('--runs') + 1]) || 3;
  const sizes = args.includes('--huge') ? [...SIZES, HUGE] : SIZES;
  const out = join(tmpdir(), `bookml-bench-train-${process.pid}`);
  const cli = join(repoRoot, 'dist', 'cli', 'main.js');
  const results = [];
  for (const size of sizes) {
    const input = await dataFor(size);
    const peerRuns = [];
    const ourRuns = [];
    const n = size === HUGE ? 1 : runs;
    for (let r = 0; r < n; r++) {
      rmSync(out, { recursive: true, force: true });
      if (size !== HUGE) {
        const peer = await runProcess(SYSTEM_PYTHON, [
          join(peersDir, 'peer_train.py'),
          '--input',
          input,
          '--k',
          '20',
          '--out',
          join(out, 'peer'),
        ]);
        peerRuns.push({
          ...peer,
          report: lastJson<{ train_s: number; total_s: number; similarity_nnz: number }>(peer.stdout),
        });
      }
      const ours = await runProcess(process.execPath, [
        cli,
        'train',
        '--input',
        input,
        '--k',
        '20',
        '--out',
        join(out, 'ours'),
        '--json',
      ]);
      ourRuns.push({
        ...ours,
        report: lastJson<{
          timings_s: { train: number; load: number };
          counts: { pairUpdates: number };
          pairUpdatesPerSecond: number;
        }>(ours.stdout),
      });
    }
    const ourWall = median(ourRuns.map((r) => r.wallS));
    const ourPeak = Math.max(...ourRuns.map((r) => r.peakMiB ?? 0));
    const peerWall = peerRuns.length ? median(peerRuns.map((r) => r.wallS)) : null;
    const peerPeak = peerRuns.length ? Math.max(...peerRuns.map((r) => r.peakMiB ?? 0)) : null;
    results.push({
      size: size.name,
      lines: size.lines,
      runs: n,
      bookml: {
        wall_s: ourWall,
        peak_mib: ourPeak,
        load_s: median(ourRuns.map((r) => r.report.timings_s.load)),
        train_s: median(ourRuns.map((r) => r.report.timings_s.train)),
        pair_updates: ourRuns[0].report.counts.pairUpdates,
        pair_updates_per_s: median(ourRuns.map((r) => r.report.pairUpdatesPerSecond)),
      },
      peer:
        peerWall === null
          ? null
          : { wall_s: peerWall, peak_mib: peerPeak, train_s: median(peerRuns.map((r) => r.report.train_s)) },
      speedup_wall: peerWall === null ? null : peerWall / ourWall,
      memory_ratio: peerPeak ? ourPeak / peerPeak : null,
    });
  }
  rmSync(out, { recursive: true, force: true });
  console.log(`\ntrain: whole-process wall time (median of ${runs}), peak RSS; K=20, cosine`);
  printTable(
    [
      'data',
      'bookml s',
      'peer s',
      'speed-up',
      'bookml MiB',
      'peer MiB',
      'mem ratio',
      'bookml train s',
      'peer train_s',
      'pair updates/s',
    ],
    results.map((r) => [
      r.size,
      r.bookml.wall_s.toFixed(2),
      r.peer ? r.peer.wall_s.toFixed(2) : '-',
      r.speedup_wall ? `${r.speedup_wall.toFixed(1)}×` : '-',
      r.bookml.peak_mib.toFixed(0),
      r.peer?.peak_mib ? r.peer.peak_mib.toFixed(0) : '-',
      r.memory_ratio ? r.memory_ratio.toFixed(2) : '-',
      r.bookml.train_s.toFixed(3),
      r.peer ? r.peer.train_s.toFixed(3) : '-',
      `${(r.bookml.pair_updates_per_s / 1e6).toFixed(0)}M`,
    ]),
  );
  return { bench: 'train', results };
}
