import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type StepProcessFiles, stepProcessFiles } from '../src/app/step-bundle.js';
import { Engine, getRunDetail, submitRun } from '../src/pipeline/executor/index.js';
import { loadCatalog } from '../src/pipeline/runner/index.js';
import {
  type AttemptRecord,
  openArtifactStore,
  openMetadataDb,
  resolveWorkspace,
} from '../src/store/index.js';
import { median, printTable } from './measure.js';
import { repoRoot } from './paths.js';
import { measureStepStart } from './step-start.js';

/**
 * `npm run bench -- engine`: the local executor's overhead per step — a chain of 20 no-op steps and a
 * fan-out of 100 — and the default recommender pipeline end to end on the original example's data (the
 * synthetic Bookstore an empty workspace generates: 200 books, 800 customers, 5,000 orders). Every step
 * runs in its own process, as in production.
 */

const STEP_ENTRY = join(repoRoot, 'dist', 'pipeline', 'runner', 'step-process.js');
/** The steps' runtime as the composition root hands it to the executor (the built one, like the entry). */
const STEP_RUNTIME = pathToFileURL(join(repoRoot, 'dist', 'app', 'step-runtime.js')).href;
const BENCH_PIPELINES = pathToFileURL(join(repoRoot, 'dist-bench', 'bench', 'engine-pipelines.js')).href;
const RECOMMENDER = pathToFileURL(join(repoRoot, 'dist', 'pipelines', 'index.js')).href;
const STEP_BUNDLE = pathToFileURL(join(repoRoot, 'dist', 'step-bundle', '/'));

/**
 * The files step processes start from. Bundled, as the composition root starts the built-in
 * catalogue's (`stepProcessFiles`); the bench's no-op catalogue runs on the same bundled runner and
 * runtime, so the chain measures what a built-in step pays. Unbundled: the module files, as before.
 */
function stepFiles(catalogUrl: string, bundled: boolean): StepProcessFiles {
  if (!bundled) return { stepEntry: STEP_ENTRY, catalogUrl, runtimeUrl: STEP_RUNTIME };
  const files = stepProcessFiles(RECOMMENDER, {
    bundle: STEP_BUNDLE,
    builtInCatalogUrl: RECOMMENDER,
    runtimeUrl: STEP_RUNTIME,
  });
  if (files.stepEntry === undefined) throw new Error('dist/step-bundle is missing: run npm run build');
  return catalogUrl === RECOMMENDER ? files : { ...files, catalogUrl };
}

interface Row {
  scenario: string;
  steps: number;
  wallS: number;
  /** Wall time divided by the steps run. */
  perStepMs: number;
  /** CPU time of the executor and of the step processes that ended during the run, per step. */
  cpuPerStepMs: number;
  /** Median gap between one attempt ending and the next starting (chain only): the scheduler's own time. */
  schedulingGapMs: number | null;
  phase: string;
  /** Why the run failed, when it did. */
  message: string | null;
}

async function runOnce(
  catalogUrl: string,
  pipeline: string,
  o: { home?: string; noCache?: boolean; reuse?: boolean; bundled?: boolean } = {},
): Promise<{
  wallS: number;
  cpuMs: number;
  attempts: AttemptRecord[];
  steps: number;
  phase: string;
  message: string | null;
  home: string;
}> {
  const home = o.home ?? (await mkdtemp(join(tmpdir(), 'bookml-bench-engine-')));
  const ws = resolveWorkspace(join(home, '.bookml'));
  const db = await openMetadataDb({ workspace: ws });
  const catalog = await loadCatalog(catalogUrl);
  const files = stepFiles(catalogUrl, o.bundled ?? true);
  const engine = new Engine({
    db,
    artifacts: await openArtifactStore({ workspace: ws }),
    workspace: ws,
    catalog,
    catalogUrl: files.catalogUrl,
    stepEntry: files.stepEntry ?? STEP_ENTRY,
    runtimeUrl: files.runtimeUrl,
    reuseProcesses: o.reuse ?? false,
  });
  await engine.start();
  // Let the warm pool come up, as on a running executor.
  await engine.poolReady();
  const t0 = performance.now();
  const cpu0 = cpuWithChildrenMs();
  const run = await submitRun(db, catalog, { pipeline, noCache: o.noCache ?? false });
  engine.wake();
  await engine.waitForRun(run.id);
  const wallS = (performance.now() - t0) / 1000;
  const cpuMs = cpuWithChildrenMs() - cpu0;
  const detail = await getRunDetail(db, run.id);
  await engine.close();
  await db.close();
  const attempts = detail.nodes.flatMap((n) => n.attempts);
  const steps = detail.nodes
    .filter((n) => n.phase === 'Succeeded' || n.phase === 'Cached')
    .filter((n) => !detail.nodes.some((c) => c.parentNodeId === n.nodeId)).length;
  const failed = detail.nodes
    .flatMap((n) =>
      n.attempts
        .filter((a) => a.phase !== 'Succeeded')
        .map((a) => `${n.nodeId}: ${a.errorCode} ${a.errorMessage}`),
    )
    .concat(
      detail.nodes
        .filter((n) => n.phase === 'Error' || n.phase === 'Failed')
        .map((n) => `${n.nodeId}: ${n.message}`),
    );
  const message = detail.phase === 'Succeeded' ? null : `${detail.message ?? ''} ${failed.join('; ')}`.trim();
  return { wallS, cpuMs, attempts, steps, phase: detail.phase, message, home };
}

/**
 * CPU time of this process and of its children that have ended (user + system, from `/proc/self/stat`):
 * each step process counts whole — its start-up ahead of need included — once it has exited.
 */
function cpuWithChildrenMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name (which may hold spaces): utime stime cutime cstime are 14–17.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

function gaps(attempts: AttemptRecord[]): number[] {
  const sorted = [...attempts].sort((a, b) => a.startedAt - b.startedAt);
  const out: number[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const prevEnd = sorted[i - 1].finishedAt;
    if (prevEnd !== null) out.push(sorted[i].startedAt - prevEnd);
  }
  return out;
}

export async function benchEngine(args: string[]): Promise<object> {
  const repeats = Number(args.find((a) => a.startsWith('--repeats='))?.slice(10) ?? 3);
  // `--chain-only`: the chain with a process per step and the recommender, not the reuse or fan-out rows.
  const chainOnly = args.includes('--chain-only');
  const rows: Row[] = [];
  const homes: string[] = [];
  const row = (scenario: string, r: Awaited<ReturnType<typeof runOnce>>, gap: number | null) => {
    homes.push(r.home);
    rows.push({
      scenario,
      steps: r.steps,
      wallS: r.wallS,
      perStepMs: (r.wallS * 1000) / Math.max(1, r.steps),
      cpuPerStepMs: r.cpuMs / Math.max(1, r.steps),
      schedulingGapMs: gap,
      phase: r.phase,
      message: r.message,
    });
  };

  // Bundled step processes (what the executor starts), then — with `--unbundled` — the module files, for
  // the before/after in one run.
  const modes = [
    ...(chainOnly
      ? [{ reuse: false, bundled: true }]
      : [false, true].map((reuse) => ({ reuse, bundled: true }))),
    ...(args.includes('--unbundled') ? [{ reuse: false, bundled: false }] : []),
  ];
  for (const { reuse, bundled } of modes) {
    const mode = `${reuse ? 'reused processes' : 'a process per step'}${bundled ? '' : ', unbundled'}`;
    const o = { reuse, bundled };
    const chainRuns = [];
    for (let i = 0; i < repeats; i++) chainRuns.push(await runOnce(BENCH_PIPELINES, 'bench-chain', o));
    const mid = [...chainRuns].sort((a, b) => a.wallS - b.wallS)[chainRuns.length >> 1];
    for (const r of chainRuns) if (r !== mid) homes.push(r.home);
    row(
      `chain of 20 no-op steps, ${mode} (median of ${repeats})`,
      mid,
      median(chainRuns.flatMap((r) => gaps(r.attempts))),
    );
    if (!chainOnly)
      row(`fan-out of 100 no-op steps, ${mode}`, await runOnce(BENCH_PIPELINES, 'bench-fan-out', o), null);
    const cold = await runOnce(RECOMMENDER, 'recommender', o);
    row(`recommender, empty workspace (generates the data), ${mode}`, cold, null);
    const present = [];
    for (let i = 0; i < repeats; i++)
      present.push(await runOnce(RECOMMENDER, 'recommender', { ...o, home: cold.home, noCache: true }));
    row(
      `recommender, data present, --no-cache, ${mode} (median of ${repeats})`,
      [...present].sort((a, b) => a.wallS - b.wallS)[present.length >> 1],
      null,
    );
    row(
      `recommender, identical resubmit (cached), ${mode}`,
      await runOnce(RECOMMENDER, 'recommender', { ...o, home: cold.home }),
      null,
    );
  }

  printTable(
    ['scenario', 'steps', 'wall s', 'per step ms', 'CPU per step ms', 'scheduling gap ms', 'phase'],
    rows.map((r) => [
      r.scenario,
      r.steps,
      r.wallS.toFixed(2),
      r.perStepMs.toFixed(0),
      r.cpuPerStepMs.toFixed(0),
      r.schedulingGapMs === null ? '-' : r.schedulingGapMs.toFixed(1),
      r.phase,
    ]),
  );
  for (const r of rows) if (r.message !== null) console.log(`${r.scenario}: ${r.message}`);
  for (const h of new Set(homes)) await rm(h, { recursive: true, force: true });

  // What a fresh step process costs before its first line of step code runs (the pool hides most of it,
  // the recommender's first steps and every step after a crash pay it).
  const start = await measureStepStart(join(repoRoot, 'dist'));
  console.log('\nstep process start (median of 15 fresh processes)');
  printTable(
    ['bare node -e 0 ms', 'spawn → ready ms', 'spawn → first step done ms', 'job → done (warm) ms'],
    [
      [
        start.bareNodeMs.toFixed(0),
        start.readyMs.toFixed(0),
        start.firstStepMs.toFixed(0),
        start.readyToDoneMs.toFixed(0),
      ],
    ],
  );
  return { rows, stepStart: start };
}
