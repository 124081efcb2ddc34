import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import { median, printTable } from './measure.js';
import { repoRoot } from './paths.js';

/**
 * `npm run bench -- ui [--loads N]`: how soon the dashboard's overview is usable. `bookml api` serves a
 * workspace where one pipeline run trained and registered a model; Debian's chromium (playwright-core)
 * opens `/ui/` N times in a fresh context (cold: nothing cached) and N times reloading one context
 * (warm). A load is timed from navigation start to the overview's first render holding its data (the
 * `bookml:overview-ready` performance mark the page sets), on the page's own clock. Also reports the
 * JavaScript a first visit loads, gzipped.
 */
const BIN = join(repoRoot, 'dist', 'cli', 'main.js');
const UI = join(repoRoot, 'dist', 'ui');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BUDGET_MS = 1000;
const BUNDLE_BUDGET_KB = 300;
const MARK = 'bookml:overview-ready';

/** The gzipped size of the scripts `index.html` loads (the entry and its preloads), in bytes. */
export function initialJsGzip(dir: string): { files: string[]; bytes: number } {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/ui\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  return { files, bytes: files.reduce((n, f) => n + gzipSync(readFileSync(join(dir, f))).length, 0) };
}

function startApi(home: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'api', '--port', '0', '--json'], {
    env: { ...process.env, BOOKML_HOME: home },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((res, rej) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (l) =>
      res({ child, url: (JSON.parse(l) as { url: string }).url }),
    );
    child.once('exit', (code) => rej(new Error(`bookml api exited ${code}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export async function benchUi(args: string[]): Promise<object> {
  const loads = Number(args[args.indexOf('--loads') + 1]) || 10;
  if (!existsSync(join(UI, 'index.html')) || !existsSync(BIN))
    throw new Error('no build: run `npm run build`');
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM} (apt-get install chromium)`);
  const bundle = initialJsGzip(UI);
  const home = mkdtempSync(join(tmpdir(), 'bookml-bench-ui-'));
  let api: ChildProcess | undefined;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    console.log('preparing the workspace: one pipeline run (trains and registers a model)…');
    const env = { ...process.env, BOOKML_HOME: home, BOOKML_USER: 'bench' };
    const executor = spawn(process.execPath, [BIN, 'run', 'executor'], { env, stdio: 'ignore' });
    try {
      const run = spawnSync(
        process.execPath,
        [BIN, 'run', 'submit', 'recommender', '-p', 'datasetUri=synthetic:seed=7', '--watch'],
        { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 },
      );
      if (run.status !== 0) {
        throw new Error(
          `bookml run submit (${run.status ?? run.signal}): ${run.error ?? run.stderr.slice(-2000)}`,
        );
      }
    } finally {
      await stop(executor);
    }
    const started = await startApi(home);
    api = started.child;
    const url = `${started.url}/ui/`;
    const timeLoad = async (page: import('playwright-core').Page, reload: boolean): Promise<number> => {
      if (reload) await page.reload({ waitUntil: 'commit' });
      else await page.goto(url, { waitUntil: 'commit' });
      await page.waitForSelector('[data-testid="overview"][data-ready="true"]', { timeout: 30_000 });
      return page.evaluate((m) => performance.getEntriesByName(m)[0]?.startTime ?? Number.NaN, MARK);
    };
    // One load first so the server's caches (and the OS's) are warm for cold-browser loads too.
    const first = await browser.newPage();
    await timeLoad(first, false);
    await first.close();
    const cold: number[] = [];
    for (let i = 0; i < loads; i++) {
      const ctx = await browser.newContext();
      cold.push(await timeLoad(await ctx.newPage(), false));
      await ctx.close();
    }
    const warm: number[] = [];
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await timeLoad(page, false);
    for (let i = 0; i < loads; i++) warm.push(await timeLoad(page, true));
    await ctx.close();
    const row = (name: string, xs: number[]) => [
      name,
      xs.length,
      Math.round(median(xs)),
      Math.round(Math.max(...xs)),
      median(xs) < BUDGET_MS ? 'ok' : 'OVER',
    ];
    printTable(
      ['load', 'n', 'median ms to ready', 'max ms', `budget ${BUDGET_MS} ms`],
      [row('cold (new context)', cold), row('warm (reload)', warm)],
    );
    const kb = bundle.bytes / 1024;
    printTable(
      ['initial JS files', 'gzipped KB', `budget ${BUNDLE_BUDGET_KB} KB`],
      [[bundle.files.length, kb.toFixed(1), kb <= BUNDLE_BUDGET_KB ? 'ok' : 'OVER']],
    );
    return {
      loads,
      coldMs: cold,
      warmMs: warm,
      medianColdMs: median(cold),
      medianWarmMs: median(warm),
      budgetMs: BUDGET_MS,
      withinBudget: median(cold) < BUDGET_MS,
      initialJsGzipBytes: bundle.bytes,
      initialJsFiles: bundle.files,
      bundleBudgetBytes: BUNDLE_BUDGET_KB * 1024,
    };
  } finally {
    await browser.close();
    if (api !== undefined) await stop(api);
    rmSync(home, { recursive: true, force: true });
  }
}
