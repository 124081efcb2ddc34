import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './measure.js';

/**
 * A step process's start: from `spawn` to the step's result for a trivial real step (the recommender's
 * `sweep-grid`: two short lists in, one out), which is the time to its first line of step code plus a
 * few hundred microseconds. Measured on a build folder (`dist/`), so an older build can be measured the
 * same way for a before/after figure: `node dist-bench/bench/step-start.js OLD/dist`.
 */

/**
 * The step-process entry of a build and the catalogue it loads: the step bundle when the build has one
 * (what the executor starts for the built-in catalogue), else `pipeline/runner/`, else (before the door
 * split) `pipeline/executor/`.
 */
function entryOf(dist: string): { entry: string; catalog: string; runtime: string | null } {
  const bundle = join(dist, 'step-bundle');
  if (existsSync(join(bundle, 'step-process.js'))) {
    return {
      entry: join(bundle, 'step-process.js'),
      catalog: pathToFileURL(join(bundle, 'pipelines.js')).href,
      runtime: pathToFileURL(join(bundle, 'step-runtime.js')).href,
    };
  }
  const catalog = pathToFileURL(join(dist, 'pipelines', 'index.js')).href;
  const runner = join(dist, 'pipeline', 'runner', 'step-process.js');
  if (existsSync(runner)) {
    const runtime = join(dist, 'app', 'step-runtime.js');
    return { entry: runner, catalog, runtime: existsSync(runtime) ? pathToFileURL(runtime).href : null };
  }
  return { entry: join(dist, 'pipeline', 'executor', 'step-process.js'), catalog, runtime: null };
}

function once(dist: string, outputs: string): Promise<{ readyMs: number; resultMs: number }> {
  const { entry, catalog, runtime } = entryOf(dist);
  const args = runtime === null ? [entry, catalog] : [entry, catalog, runtime];
  const t0 = performance.now();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, BOOKML_HOME: join(outputs, '.bookml') }))
    if (v !== undefined) env[k] = v;
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env,
  });
  return new Promise((resolve, reject) => {
    let readyMs = 0;
    child.on('message', (m: { type: string; ok?: boolean }) => {
      if (m.type === 'ready') {
        readyMs = performance.now() - t0;
        child.send({
          type: 'job',
          args: [
            'sweep-grid',
            '--pipeline',
            'recommender',
            '--param',
            'similarityGrid=["cosine","jaccard"]',
            '--param',
            'kGrid=[10,20]',
            '--outputs',
            join(outputs, String(Math.random()).slice(2)),
          ],
          attempt: 0,
          // The job's environment replaces the process's (older builds add it to theirs).
          env,
          reuse: false,
        });
      } else if (m.type === 'result') {
        const resultMs = performance.now() - t0;
        if (m.ok !== true) reject(new Error('sweep-grid failed in the step process'));
        else resolve({ readyMs, resultMs });
      } else if (m.type === 'fatal') reject(new Error('the step process could not load its catalogue'));
    });
    child.on('error', reject);
  });
}

function bareNode(): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    c.on('error', reject);
    c.on('exit', () => resolve(performance.now() - t0));
  });
}

/** Median over `runs` fresh processes of: bare Node, spawn → ready, spawn → first step's result. */
export async function measureStepStart(
  dist: string,
  runs = 15,
): Promise<{ bareNodeMs: number; readyMs: number; firstStepMs: number; readyToDoneMs: number }> {
  const outputs = mkdtempSync(join(tmpdir(), 'bookml-step-start-'));
  try {
    const bare: number[] = [];
    const ready: number[] = [];
    const result: number[] = [];
    await once(dist, outputs); // warm the file cache
    for (let i = 0; i < runs; i++) {
      bare.push(await bareNode());
      const r = await once(dist, outputs);
      ready.push(r.readyMs);
      result.push(r.resultMs);
    }
    return {
      bareNodeMs: median(bare),
      readyMs: median(ready),
      firstStepMs: median(result),
      // What a warm process leaves on a step's critical path: from its job to its result.
      readyToDoneMs: median(result.map((r, i) => r - ready[i])),
    };
  } finally {
    rmSync(outputs, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dist = process.argv[2] ?? join(process.cwd(), 'dist');
  console.log(JSON.stringify({ dist, ...(await measureStepStart(dist)) }));
}
