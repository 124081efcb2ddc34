/**
 * The dashboard in a real browser (playwright-core driving Debian's chromium, no browser download) on a
 * workspace this test prepares with the built CLI: `bookml up` with tokens runs the pipeline and serves
 * v1; the overview shows it; the latest run's DAG shows every node Succeeded; a second pipeline run
 * asks for production (a pending approval) and its resubmit shows Cached nodes; a viewer sees no
 * approve button and the API refuses the viewer's call; an approver approves and the overview follows.
 * Every page is checked with axe-core (no serious or critical violation) and photographed under
 * `.test-results/ui/`. Skips, saying why, without chromium or a build.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookmlBin, repoRoot } from './fixtures/cli.js';
import {
  browserSkipReason,
  chromiumPath,
  seriousViolations,
  shoot as shootPage,
  shotsDir,
  signIn,
  startUp,
  stopChild,
  UI_TOKENS,
  uiWorkspace,
} from './fixtures/ui-browser.js';

const skip = browserSkipReason();
if (skip !== null) console.warn(`dashboard browser tests skipped: ${skip}`);

const TOKENS = UI_TOKENS;
const { home, env } = uiWorkspace('bookml-ui-e2e-');
const children: ChildProcess[] = [];
let browser: Browser | undefined;

/** Starts `bookml up` with small drift windows, as the README's loop uses, so `demo drift` is quick. */
function up(): Promise<{ base: string; serve: string }> {
  return startUp(env, children, [
    '--monitor-window',
    '300',
    '--monitor-interval-ms',
    '500',
    '--monitor-cooldown-ms',
    '1000',
  ]);
}

/** Runs a CLI command to its end without blocking the event loop (the browser keeps talking). */
function cli(args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [bookmlBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d) => {
      out += String(d);
    });
    child.stderr?.on('data', (d) => {
      out += String(d);
    });
    child.once('exit', (code) =>
      code === 0 ? res(out) : rej(new Error(`bookml ${args.join(' ')}: ${out}`)),
    );
  });
}

/** README images refreshed from this run when asked (`BOOKML_UPDATE_DOCS_IMAGES=1`). */
const DOCS_IMAGES: Record<string, string> = {
  overview: 'ui-overview.png',
  'run-dag-resubmit': 'ui-run-dag.png',
};

async function shoot(page: Page, name: string): Promise<void> {
  await shootPage(page, name);
  const doc = DOCS_IMAGES[name];
  if (doc !== undefined && process.env.BOOKML_UPDATE_DOCS_IMAGES === '1') {
    copyFileSync(join(shotsDir, `${name}.png`), join(repoRoot, 'docs', 'images', doc));
  }
}

describe.skipIf(skip !== null)('dashboard in a browser', () => {
  let base = '';
  let serve = '';
  let approver: Page;

  beforeAll(async () => {
    const started = await up();
    base = started.base;
    serve = started.serve;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    approver = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(children.map(stopChild));
    rmSync(home, { recursive: true, force: true });
  });

  it('asks for a token, then the overview shows the serving version', async () => {
    await signIn(approver, `${base}/ui/`, TOKENS.approver);
    await expect
      .poll(() => approver.getByTestId('serving-version').textContent(), { timeout: 30_000 })
      .toBe('v1');
    await approver.getByText('alice (approver)').waitFor();
    // The control plane samples the server it runs beside: v1's requests/s and p99 after one interval.
    await approver.getByTestId('serving-now').waitFor({ timeout: 30_000 });
    expect(await approver.getByTestId('serving-now').textContent()).toMatch(/v1 primary/);
    expect(await seriousViolations(approver)).toEqual([]);
    await shoot(approver, 'overview');
  }, 120_000);

  it("the latest run's DAG shows every node Succeeded", async () => {
    await approver.getByRole('link', { name: 'Runs', exact: true }).click();
    await approver.getByRole('heading', { name: 'Runs, newest first' }).waitFor();
    expect(await seriousViolations(approver)).toEqual([]);
    await shoot(approver, 'runs');
    await approver.locator('table a').first().click();
    await approver.locator('[data-testid^="dag-node-"]').first().waitFor({ timeout: 30_000 });
    const phases = await approver
      .locator('[data-testid^="dag-node-"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-phase')));
    expect(phases.length).toBeGreaterThanOrEqual(8);
    expect(new Set(phases)).toEqual(new Set(['Succeeded']));
    expect(await seriousViolations(approver)).toEqual([]);
    await shoot(approver, 'run-dag');
    // A node: why its cache missed (the first run: nothing earlier to reuse), and its log.
    await approver.getByRole('button', { name: 'validate', exact: true }).click();
    await approver.getByTestId('cache-explanation').waitFor({ timeout: 30_000 });
    expect(await approver.getByTestId('cache-explanation').textContent()).toMatch(/cache miss|not cacheable/);
    await expect
      .poll(() => approver.getByTestId('node-logs').textContent(), { timeout: 30_000 })
      .not.toBe('');
    expect(await seriousViolations(approver)).toEqual([]);
    await shoot(approver, 'run-node');
  }, 120_000);

  it('a run asking for production waits for an approver; its resubmit shows Cached nodes', async () => {
    const out = await cli([
      'run',
      'submit',
      'recommender',
      '-p',
      'datasetUri=synthetic:seed=7',
      '-p',
      'alias=production',
      '--watch',
      '--json',
    ]);
    const runId = /"(recommender-[a-z0-9]+)"/.exec(out)?.[1];
    expect(runId).toBeDefined();
    await cli(['run', 'resubmit', runId as string, '--watch']);
    // The resubmit is the newest run.
    await approver.goto(`${base}/ui/runs`);
    await approver.locator('table a').first().click();
    await approver.locator('[data-testid^="dag-node-"]').first().waitFor({ timeout: 30_000 });
    const phases = await approver
      .locator('[data-testid^="dag-node-"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-phase')));
    expect(phases).toContain('Cached');
    await shoot(approver, 'run-dag-resubmit');
    // A Cached node explains where its outputs came from.
    const cached = approver.locator('[data-testid^="dag-node-"][data-phase="Cached"]').first();
    const cachedId = ((await cached.getAttribute('data-testid')) ?? '').replace('dag-node-', '');
    await approver.getByRole('button', { name: cachedId, exact: true }).click();
    await expect
      .poll(() => approver.getByTestId('cache-explanation').textContent(), { timeout: 30_000 })
      .toMatch(/cache hit.*from /);
    // Filtered by trigger on the server: every run here was submitted by hand.
    await approver.goto(`${base}/ui/runs`);
    await approver.getByLabel('Trigger').selectOption('drift');
    await approver.getByText('No run matches.').waitFor({ timeout: 30_000 });
  }, 300_000);

  it('a viewer sees no approve button, and the API refuses the viewer', async () => {
    const page = await (browser as Browser).newPage({ viewport: { width: 1400, height: 1000 } });
    await signIn(page, `${base}/ui/models/recommender`, TOKENS.viewer);
    await page.getByText('waiting for an approver').first().waitFor({ timeout: 30_000 });
    expect(await page.getByRole('button', { name: /^Approve/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Roll back/ }).count()).toBe(0);
    await page.getByTestId('audit-timeline').waitFor({ timeout: 30_000 });
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'models-viewer');
    const refused = await fetch(`${base}/api/v1/models/recommender/versions/2/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.viewer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'not mine to give' }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('API_FORBIDDEN');
    await page.close();
  }, 120_000);

  it('an approver approves the pending production version and the overview follows', async () => {
    await approver.goto(`${base}/ui/`);
    await expect
      .poll(() => approver.getByTestId('serving-version').textContent(), { timeout: 30_000 })
      .toBe('v1');
    const button = approver.getByRole('button', { name: 'Approve v2 for production' });
    await button.waitFor({ timeout: 30_000 });
    await approver.getByLabel('Reason').fill('offline metrics hold on the new data');
    await button.click();
    await expect
      .poll(() => approver.getByTestId('serving-version').textContent(), { timeout: 30_000 })
      .toBe('v2');
    await shoot(approver, 'overview-approved');
  }, 120_000);

  it('after `bookml demo drift` the monitoring page shows the drift event', async () => {
    // Under load the monitor's pass may come after the demo's timeout: then the demo runs again.
    for (let attempt = 1; ; attempt++) {
      try {
        await cli(['demo', 'drift', '--url', serve, '--timeout-s', '300']);
        break;
      } catch (e) {
        if (attempt >= 2) throw e;
      }
    }
    await approver.goto(`${base}/ui/monitoring`);
    await approver.getByTestId('drift-events').waitFor({ timeout: 30_000 });
    expect(await approver.getByTestId('drift-events').locator('li').count()).toBeGreaterThan(0);
    await approver.getByText('drift-retrain').first().waitFor({ timeout: 30_000 });
    // The demo's traffic shows in the serving series; the monitor's tests in the p-value history.
    await approver.getByRole('heading', { name: 'Serving over time' }).waitFor();
    await approver.getByText('Last interval').waitFor({ timeout: 30_000 });
    await approver.getByTestId('pvalue-tests').waitFor({ timeout: 30_000 });
    expect(await seriousViolations(approver)).toEqual([]);
    await shoot(approver, 'monitoring-drift');
  }, 700_000);

  it('the models, monitoring and API reference pages pass axe', async () => {
    for (const [name, path] of [
      ['models', '/ui/models/recommender'],
      ['monitoring', '/ui/monitoring'],
      ['data', '/ui/data'],
      ['api-reference', '/ui/api'],
    ] as const) {
      await approver.goto(`${base}${path}`);
      await approver.getByRole('heading', { level: 1 }).waitFor();
      await expect.poll(() => approver.getByText('Loading…').count(), { timeout: 60_000 }).toBe(0);
      expect(await seriousViolations(approver), name).toEqual([]);
      await shoot(approver, name);
    }
    // The Data page read the current dataset's validation report and its distributions.
    await approver.goto(`${base}/ui/data`);
    await approver.getByTestId('validation-report').waitFor({ timeout: 60_000 });
    await approver.getByRole('heading', { name: 'Distributions' }).waitFor();
  }, 120_000);
});
